"""Capture, conversations, outages, exceptions, search, receipts and export on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import InvalidFieldError, MessageDraft, Participant, RecordDraft
from commsgov.services.query import RecordQuery
from tests.fixtures_db import alter_blob

from .conftest import T0, chat, conversation, sql

#: who acts in these tests
ACTOR = Actor.cli("tester")


def _counts(store: Any) -> tuple[int, int, int]:
    (row,) = sql(
        store,
        "SELECT (SELECT count(*) FROM ledger), (SELECT count(*) FROM records), "
        "(SELECT count(*) FROM messages)",
    )
    return int(row[0]), int(row[1]), int(row[2])


def test_mma_outside_outage_is_kept_and_flagged(store: Any) -> None:
    result = svc.capture(
        store, RecordDraft(method="WhatsApp", occurred_at=T0, summary="x"), actor=Actor.cli("ann")
    )
    assert result.device == "personal"
    assert result.outage_uid is None
    assert result.policy_exception is not None
    assert result.policy_exception.rule == "mma-ban"
    assert result.policy_exception.quote == (
        "The use of MMAs for everyday government work is not permitted."
    )
    assert result.policy_exception.document == "000_9dc585f751727391.txt"
    (flagged,) = jsonable(svc.exceptions(store, actor=ACTOR))
    assert flagged["uid"] == result.uid and flagged["method"] == "whatsapp"


def test_personal_device_outside_outage_is_flagged(store: Any) -> None:
    phone = svc.capture(
        store, RecordDraft(method="personal-phone", occurred_at=T0, summary="x"), actor=ACTOR
    )
    assert phone.policy_exception and phone.policy_exception.rule == "non-corporate-channel"
    email = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ACTOR
    )
    assert email.policy_exception is None
    on_own_phone = svc.capture(
        store,
        RecordDraft(method="email", occurred_at=T0, summary="x", device="personal"),
        actor=ACTOR,
    )
    assert on_own_phone.policy_exception is not None


def test_outage_and_exemption_cover_captures(store: Any) -> None:
    outage = jsonable(
        svc.start_outage(
            store,
            reason="cyber-attack",
            actor=Actor.cli("boss"),
            started_at=T0 - dt.timedelta(hours=1),
        )
    )
    inside = svc.capture(
        store, RecordDraft(method="signal", occurred_at=T0, summary="x"), actor=ACTOR
    )
    assert inside.outage_uid == outage["uid"] and inside.policy_exception is None
    ended = jsonable(
        svc.end_outage(store, actor=Actor.cli("boss"), ended_at=T0 + dt.timedelta(hours=1))
    )
    assert ended["ended_by"] == "boss" and ended["declared_by"] == "boss"
    after = svc.capture(
        store,
        RecordDraft(method="signal", occurred_at=T0 + dt.timedelta(hours=2), summary="x"),
        actor=ACTOR,
    )
    assert after.policy_exception is not None
    exemption = jsonable(
        svc.start_outage(
            store,
            reason="transition period: flood response",
            kind="exemption",
            started_at=T0 + dt.timedelta(hours=1, minutes=30),
            actor=ACTOR,
        )
    )
    covered = svc.capture(
        store,
        RecordDraft(method="whatsapp", occurred_at=T0 + dt.timedelta(hours=3), summary="x"),
        actor=ACTOR,
    )
    assert covered.outage_uid == exemption["uid"]
    assert [o["kind"] for o in jsonable(svc.list_outages(store, actor=ACTOR))] == [
        "exemption",
        "outage",
    ]
    with pytest.raises(InvalidFieldError) as info:
        svc.start_outage(store, reason="  ", actor=ACTOR)
    assert info.value.field == "reason"


def test_an_outage_cannot_start_in_the_future(store: Any) -> None:
    """Issue 11: `outage start --at` took a future time, excusing captures not yet made."""
    later = T0 + dt.timedelta(minutes=1)
    with pytest.raises(InvalidFieldError, match=r"at: 2026-11-20T09:01:00.000000Z is in the fut"):
        svc.start_outage(store, reason="planned", started_at=later, actor=ACTOR, now=T0)
    assert _counts(store) == (0, 0, 0) and svc.list_outages(store, actor=ACTOR) == []
    done = svc.start_outage(store, reason="down now", started_at=T0, actor=ACTOR, now=T0)
    assert done.started_at_utc == "2026-11-20T09:00:00.000000Z"


def test_a_capture_at_a_time_no_clock_showed_is_refused(store: Any) -> None:
    """Issue 11: a capture at 01:30 on the spring clock-change day was stored unflagged (ingest
    flags the same time). A person capturing can say which they meant: refused, nothing kept."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    gap = dt.datetime(2026, 3, 29, 1, 30, tzinfo=london)
    with pytest.raises(InvalidFieldError, match="at: 2026-03-29 01:30 did not exist in Eur") as e:
        svc.capture(store, RecordDraft(method="email", occurred_at=gap, summary="x"), actor=ACTOR)
    assert "2026-03-29T01:30+00:00 or 2026-03-29T01:30+01:00" in str(e.value)
    assert _counts(store) == (0, 0, 0)
    for ok in (
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        dt.datetime(2026, 3, 29, 2, 30, tzinfo=london),
        dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=london),  # twice, but each one real
    ):
        svc.capture(store, RecordDraft(method="email", occurred_at=ok, summary="x"), actor=ACTOR)
    assert _counts(store)[1] == 3


@pytest.mark.parametrize(
    ("draft", "field", "char"),
    [
        ({"summary": "budget \x00 cut"}, "summary", "U+0000 at character 8"),
        ({"summary": "x", "subject": "half \ud83d"}, "subject", "U+D83D at character 6"),
        ({"summary": "x", "participants": (Participant("Ann\x00"),)}, "with", "U+0000"),
        ({"summary": "x", "participants": (Participant("A", organisation="\udc00"),)}, "with", ""),
    ],
)
def test_typed_text_no_database_can_hold_is_refused_alike(
    store: Any, draft: dict[str, Any], field: str, char: str
) -> None:
    """Issue 11: a NUL was stored by SQLite and crashed PostgreSQL, a lone surrogate crashed
    both. A capture typed by a person is refused naming the field (an import replaces such
    characters and flags the message); both databases behave alike."""
    with pytest.raises(InvalidFieldError, match=re.escape(f"{field}: holds {char}")) as info:
        svc.capture(store, RecordDraft(method="email", occurred_at=T0, **draft), actor=ACTOR)
    assert info.value.field == field
    assert _counts(store) == (0, 0, 0)


def test_a_correction_no_database_can_hold_is_refused_alike(store: Any) -> None:
    uid = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ACTOR
    ).uid
    for changes, reason, field in [
        ({"summary": "a\x00"}, "typo", "summary"),
        ({"participants": [{"name": "B\ud800"}]}, "typo", "participants"),
        ({"summary": "fine"}, "why\x00", "reason"),
    ]:
        with pytest.raises(InvalidFieldError, match=f"^{field}: holds U\\+"):
            svc.correct_record(store, uid=uid, changes=changes, reason=reason, actor=ACTOR)
    assert _counts(store) == (1, 1, 0)
    assert svc.verify(store, actor=ACTOR).ok


def test_end_without_open_outage(store: Any) -> None:
    from commsgov.records import NotFoundError

    with pytest.raises(NotFoundError):
        svc.end_outage(store, actor=ACTOR)


def test_timestamps_keep_the_original_zone(store: Any) -> None:
    from zoneinfo import ZoneInfo

    when = dt.datetime(2026, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    uid = svc.capture(
        store, RecordDraft(method="email", occurred_at=when, summary="x"), actor=ACTOR
    ).uid
    record = jsonable(svc.get_record(store, uid, actor=ACTOR))
    assert record["occurred_at_utc"] == "2026-07-01T13:30:00.000000Z"
    assert record["occurred_zone"] == "Europe/London"
    assert record["occurred_local"] == "2026-07-01T14:30:00+01:00"


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (RecordDraft(method="whatsup", occurred_at=T0, summary="x"), "method"),
        (RecordDraft(method="email", occurred_at=T0.replace(tzinfo=None), summary="x"), "at"),
        (RecordDraft(method="email", occurred_at=T0), "summary"),
        (RecordDraft(method="email", occurred_at=T0, summary="x", scenario="nope"), "scenario"),
    ],
)
def test_invalid_capture_names_the_field_and_writes_nothing(
    store: Any, draft: RecordDraft, field: str
) -> None:
    with pytest.raises(InvalidFieldError) as info:
        svc.capture(store, draft, actor=ACTOR)
    assert info.value.field == field
    assert _counts(store) == (0, 0, 0)


def test_missing_attachment_writes_nothing(store: Any, tmp_path: Path) -> None:
    draft = RecordDraft(method="email", occurred_at=T0, summary="x")
    with pytest.raises(InvalidFieldError) as info:
        svc.capture(store, draft, attach=[tmp_path / "missing.pdf"], actor=ACTOR)
    assert info.value.field == "attach"
    assert _counts(store) == (0, 0, 0)


def test_attachments_are_stored_once_and_verified_on_read(store: Any, tmp_path: Path) -> None:
    from commsgov.store.blobs import BlobError

    file = tmp_path / "photo.jpg"
    file.write_bytes(b"\xff\xd8 not really a jpeg")
    copy = tmp_path / "same.jpg"
    copy.write_bytes(file.read_bytes())
    a = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="a"), attach=[file], actor=ACTOR
    )
    svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="b"), attach=[copy], actor=ACTOR
    )
    stored = list(store.blobs.all())
    assert len(stored) == 1
    (att,) = jsonable(svc.get_record(store, a.uid, actor=ACTOR))["attachments"]
    assert att["filename"] == "photo.jpg" and att["media_type"] == "image/jpeg"
    assert store.blobs.read(att["sha256"]) == file.read_bytes()
    alter_blob(store, att["sha256"], b"altered")
    with pytest.raises(BlobError):
        store.blobs.read(att["sha256"])


def test_conversation_deduplicates_messages(store: Any, tmp_path: Path) -> None:
    export = tmp_path / "chat.txt"
    export.write_text("the original export\n")
    first = svc.store_conversation(
        store,
        record=chat(),
        messages=conversation(50),
        actor=Actor.cli("imp"),
        original_file=export,
        batch_size=16,
    )
    assert (first.created, first.new_messages, first.already_held) == (True, 50, 0)
    assert first.entries == 1 + 4  # the capture, then one entry per batch of 16
    # the longer export: ten more messages, and message 0 sent a second time in the same
    # minute (another message: a repeat in one export is counted, never dropped)
    longer = [*conversation(60), conversation(1)[0]]
    again = svc.store_conversation(store, record=chat(), messages=longer, actor=Actor.cli("imp"))
    assert again.record_uid == first.record_uid
    assert (again.created, again.new_messages, again.already_held) == (False, 11, 50)
    record = jsonable(svc.get_record(store, first.record_uid, actor=ACTOR))
    assert len(record["messages"]) == 61
    once_more = svc.store_conversation(
        store, record=chat(), messages=longer, actor=Actor.cli("imp")
    )
    assert (once_more.new_messages, once_more.already_held) == (0, 61)
    assert record["source"]["kind"] == "file"
    assert record["source"]["file_sha256"] == svc.store_file(store, export, actor=ACTOR).sha256
    assert svc.verify(store, actor=ACTOR).ok


def test_same_text_in_another_conversation_is_a_different_message(store: Any) -> None:
    svc.store_conversation(store, record=chat("a"), messages=conversation(5), actor=ACTOR)
    other = svc.store_conversation(store, record=chat("b"), messages=conversation(5), actor=ACTOR)
    assert other.new_messages == 5


def test_bad_message_mid_batch_rolls_back_everything(store: Any) -> None:
    messages = conversation(40)
    messages[33] = dataclasses.replace(
        messages[33], sent_at=messages[33].sent_at.replace(tzinfo=None)
    )
    with pytest.raises(InvalidFieldError) as info:
        svc.store_conversation(store, record=chat(), messages=messages, batch_size=10, actor=ACTOR)
    assert info.value.field == "messages[33].sent_at"
    assert _counts(store) == (0, 0, 0)


def test_add_messages_with_attachments(store: Any, tmp_path: Path) -> None:
    conv = svc.store_conversation(store, record=chat(), messages=conversation(2), actor=ACTOR)
    voice = tmp_path / "voice.opus"
    voice.write_bytes(b"OggS....")
    ref = svc.store_file(store, voice, actor=ACTOR)
    result = svc.add_messages(
        store,
        record_uid=conv.record_uid[:8],
        messages=[
            MessageDraft(T0 + dt.timedelta(days=1), "Ann", "<voice note>", attachments=(ref,))
        ],
        actor=ACTOR,
    )
    assert result.new_messages == 1
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and report.blobs == 1


def test_search_filters(store: Any, populated: dict[str, Any]) -> None:
    def uids(terms: str, **query: Any) -> set[str]:
        found = svc.search_records(store, query=RecordQuery(terms=terms, **query), actor=ACTOR)
        return {r["uid"] for r in jsonable(found)}

    conv, email, late = (
        populated["conv"].record_uid,
        populated["email"].uid,
        populated["late"].uid,
    )
    assert uids("budget") == {email}
    assert uids("number 17") == {conv}
    assert uids("numb*") == {conv}
    assert uids("NHS") == {conv}  # a participant's organisation
    assert uids("late chat") == {late}
    assert uids("budget", method="signal") == set()
    assert uids("number", outage=populated["outage"].uid) == {conv}
    assert uids("budget", outage=populated["outage"].uid) == set()
    assert uids("number", participant="nhs") == {conv}
    assert uids("late", since=dt.datetime(2026, 11, 21, tzinfo=dt.UTC)) == {late}
    assert uids("late", until=dt.datetime(2026, 11, 21, tzinfo=dt.UTC)) == set()
    assert uids('"; DROP TABLE records; --') == set()
    assert uids("   ") == set()
    (hit,) = jsonable(svc.search_records(store, query=RecordQuery("number 17"), actor=ACTOR))
    assert [m["text"] for m in hit["matching_messages"]] == ["message number 17"]
    listed = jsonable(svc.list_records(store, query=RecordQuery(method="whatsapp"), actor=ACTOR))
    assert [r["uid"] for r in listed] == [conv] and listed[0]["message_count"] == 30


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("NEAR(budget email)", set()),  # NEAR is a word here, and no record has it
        ("NEAR(budget", set()),
        ('"budget', {"email"}),  # an unbalanced quote
        ('budget"', {"email"}),
        ("budget)", {"email"}),
        ("(budget AND", set()),  # AND is a word too
        ("summary:budget", set()),  # no column filter: "summary" is a word
        ("budget-email", {"email"}),
        ("budget^", {"email"}),
        ('"numb*"', {"conv"}),  # a prefix inside quotes is still a prefix
        ("{number} 17", {"conv"}),
        ('* + - : ^ ( ) "', set()),  # no words at all
        ("'", set()),
    ],
)
def test_query_syntax_is_taken_as_words(
    store: Any, populated: dict[str, Any], typed: str, found: set[str]
) -> None:
    """Issue 11: FTS syntax a user types (`NEAR(a b)`, an unbalanced quote) crashed
    `records search`; it is searched as words, alike on both databases."""
    want = {populated[k].uid if k == "email" else populated[k].record_uid for k in found}
    hits = svc.search_records(store, query=RecordQuery(terms=typed), actor=ACTOR)
    assert {r.uid for r in hits} == want


def test_receipt_holds_until_tampering(store: Any, populated: dict[str, Any]) -> None:
    uid = populated["email"].uid
    receipt = jsonable(svc.receipt(store, uid, actor=ACTOR))
    assert svc.check_receipt(store, receipt, actor=ACTOR) == []
    svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="later"), actor=ACTOR)
    svc.correct_record(
        store, uid=uid, changes={"subject": "Budget"}, reason="add subject", actor=ACTOR
    )
    assert svc.check_receipt(store, json.loads(json.dumps(receipt)), actor=ACTOR) == []
    sql(store, "UPDATE ledger SET actor = 'mallory' WHERE seq = :s", s=receipt["entry_seq"])
    problems = svc.check_receipt(store, receipt, actor=ACTOR)
    assert problems and any("does not verify" in p for p in problems)


def test_export_has_hashes(store: Any, populated: dict[str, Any]) -> None:
    number = RecordQuery("number")
    data = json.loads(svc.export_records(store, query=number, fmt="json", actor=ACTOR).text)
    (record,) = data["records"]
    assert len(record["record_sha256"]) == 64 and len(record["messages"]) == 30
    assert all(len(m["sha256"]) == 64 for m in record["messages"])
    assert len(data["ledger_head_hash"]) == 64
    text = svc.export_records(store, query=number, fmt="csv", actor=ACTOR).text
    lines = text.strip().splitlines()
    assert lines[0].startswith("row_type,record_uid")
    assert len(lines) == 1 + 1 + 30
    with pytest.raises(InvalidFieldError):
        svc.export_records(store, query=number, fmt="xml", actor=ACTOR)


def test_participants_correction(store: Any) -> None:
    uid = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ACTOR
    ).uid
    svc.correct_record(
        store, uid=uid, changes={"participants": [Participant("Dee")]}, reason="forgot", actor=ACTOR
    )
    assert jsonable(svc.get_record(store, uid, actor=ACTOR))["participants"][0]["name"] == "Dee"
    with pytest.raises(InvalidFieldError) as info:
        svc.correct_record(store, uid=uid, changes={"captured_by": "x"}, reason="r", actor=ACTOR)
    assert info.value.field == "captured_by"
    assert svc.verify(store, actor=ACTOR).ok


def test_future_capture_is_refused(store: Any) -> None:
    with pytest.raises(InvalidFieldError) as info:
        svc.capture(
            store,
            RecordDraft(method="email", occurred_at=T0, summary="x"),
            now=T0 - dt.timedelta(days=1),
            actor=ACTOR,
        )
    assert info.value.field == "at"


def test_other_services_can_put_their_events_on_the_chain(store: Any) -> None:
    from commsgov.records.events import RetentionClassified

    uid = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ACTOR
    ).uid
    with store.write() as conn:
        (entry,) = svc.append_events(
            conn,
            [RetentionClassified(uid, record_class="teams-chat", reason="inquiry-1")],
            actor=Actor.cli("records.manager"),
        )
    assert entry.seq == 2 and entry.kind == "retention-classified" and entry.record_uid == uid
    # the chain holds it; verify then expects the retention table to say the same
    report = svc.verify(store, actor=ACTOR)
    assert report.entries == 2 and report.problem is not None
    assert (report.problem.check, report.problem.record_uid) == ("retention", uid)
    assert "teams-chat" in report.problem.detail
    assert [e["kind"] for e in jsonable(svc.get_record(store, uid, actor=ACTOR))["ledger"]] == [
        "record-captured",
        "retention-classified",
    ]
    sql(store, "UPDATE ledger SET payload = replace(payload, 'inquiry-1', 'inquiry-2')")
    report = svc.verify(store, actor=ACTOR)
    assert report.problem is not None and report.problem.entry_seq == 2


def test_bulk_path_matches_the_pure_definitions(store: Any) -> None:
    from zoneinfo import ZoneInfo

    from commsgov.records import message_canonical, message_identity, sha256_hex, utc_text
    from commsgov.records.timestamps import local_text, zone_name

    when = dt.datetime(2026, 7, 1, 9, 30, 15, 250, tzinfo=ZoneInfo("Europe/London"))
    draft = MessageDraft(when, 'Ann "A" Smith', "naïve text\nwith é, emoji 🙂 and \\ slash")
    conv = svc.store_conversation(store, record=chat(), messages=[draft], actor=ACTOR)
    ((identity, utc, zone, local, digest),) = sql(
        store, "SELECT identity, sent_at_utc, sent_zone, sent_local, sha256 FROM messages"
    )
    assert utc == utc_text(when) == "2026-07-01T08:30:15.000250Z"
    assert (zone, local) == (zone_name(when), local_text(when))
    identity, digest = bytes(identity).hex(), bytes(digest).hex()
    assert identity == message_identity(
        method="whatsapp",
        conversation="chat-1",
        sent_at_utc=utc,
        sender=draft.sender,
        text=draft.text,
    )
    assert digest == sha256_hex(
        message_canonical(
            record_uid=conv.record_uid,
            identity=identity,
            sent_at_utc=utc,
            sent_zone=zone,
            sent_local=local,
            sender=draft.sender,
            text=draft.text,
            attachments_json="[]",
        )
    )


def test_exports_are_logged_with_their_hash(store: Any, populated: dict[str, Any]) -> None:
    from commsgov.records import sha256_hex

    text = svc.export_records(
        store, query=RecordQuery("budget"), fmt="csv", actor=Actor.cli("foi.officer")
    ).text
    ((kind, actor, payload),) = sql(
        store, "SELECT kind, actor, payload FROM ledger WHERE kind = 'records-exported'"
    )
    data = json.loads(payload)
    assert (kind, actor) == ("records-exported", "foi.officer")
    assert data["uids"] == [populated["email"].uid] and data["sha256"] == sha256_hex(text)
    assert svc.verify(store, actor=ACTOR).ok


def test_a_source_file_must_be_stored_first(store: Any) -> None:
    from commsgov.records import Source

    draft = dataclasses.replace(chat(), source=Source(kind="file", file_sha256="ab" * 32))
    with pytest.raises(InvalidFieldError) as info:
        svc.store_conversation(store, record=draft, messages=conversation(2), actor=ACTOR)
    assert info.value.field == "source.file_sha256"
    assert _counts(store) == (0, 0, 0)


def test_a_policy_exception_cites_the_pack_in_force(store: Any) -> None:
    from commsgov.policy.cache import compiled_pack

    example = compiled_pack(Path(__file__).resolve().parents[2] / "docs/example-pack/pack.yaml")
    draft = RecordDraft(method="threema", occurred_at=T0, summary="x")
    found = svc.capture(store, draft, actor=Actor.cli("ann"), pack=example).policy_exception
    assert found is not None and found.rule == "mma-ban"
    assert found.document == "handbook.txt"
    assert found.quote == (
        "Messaging apps such as WhatsApp and Threema must not be used for council business."
    )


def test_receipt_check_rehashes_the_records_files(store: Any, populated: dict[str, Any]) -> None:
    uid = populated["email"].uid
    receipt = jsonable(svc.receipt(store, uid, actor=ACTOR))
    assert svc.check_receipt(store, receipt, actor=ACTOR) == []
    (digest,) = {
        a["sha256"] for a in jsonable(svc.get_record(store, uid, actor=ACTOR))["attachments"]
    }
    alter_blob(store, digest, b"a swapped attachment\n")  # in the folder or the database
    problems = svc.check_receipt(store, receipt, actor=ACTOR)
    assert any(digest in p and "does not match its SHA-256" in p for p in problems), problems
    store.blobs.delete(digest)
    problems = svc.check_receipt(store, receipt, actor=ACTOR)
    assert any(digest in p and "missing" in p for p in problems), problems


@pytest.mark.parametrize("field", ["entry_seq", "head_seq"])
@pytest.mark.parametrize("value", [10**30, 0, -1, "1e3", True, None, 2**63])
def test_receipt_positions_beyond_a_database_are_refused(
    store: Any, populated: dict[str, Any], field: str, value: Any
) -> None:
    receipt = jsonable(svc.receipt(store, populated["email"].uid, actor=ACTOR))
    receipt[field] = value
    with pytest.raises(InvalidFieldError, match=f"not a commsgov receipt .*{field}"):
        svc.check_receipt(store, receipt, actor=ACTOR)


def _exports_logged(store: Any) -> int:
    return int(sql(store, "SELECT count(*) FROM ledger WHERE kind = 'records-exported'")[0][0])


def test_an_export_that_cannot_be_written_is_not_logged(
    store: Any, populated: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11's attack: an export whose output cannot be written left a `records-exported`
    entry for text that never existed."""
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "foi.json"
    for bad, why in [
        (tmp_path / "no such folder" / "foi.json", "No such file or directory"),
        (folder, "is a directory"),
    ]:
        with pytest.raises(InvalidFieldError, match=f"cannot write {bad}: .*{why}.*nothing was"):
            svc.export_records(store, fmt="json", actor=ACTOR, output=bad)
    assert _exports_logged(store) == 0
    target.write_text("an earlier export\n")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full)  # the disk fills while the export is written
    with pytest.raises(InvalidFieldError, match=f"cannot write {target}: the disk is full"):
        svc.export_records(store, fmt="json", actor=ACTOR, output=target)
    monkeypatch.undo()
    assert _exports_logged(store) == 0
    assert target.read_text() == "an earlier export\n"  # whole or not at all
    assert sorted(p.name for p in folder.iterdir()) == ["foi.json"]  # no temporary file left
    done = svc.export_records(store, fmt="json", actor=ACTOR, output=target)
    assert target.read_text(encoding="utf-8") == done.text
    assert sorted(p.name for p in folder.iterdir()) == ["foi.json"]
    assert _exports_logged(store) == 1 and done.entry_seq > 0


def test_a_file_written_out_is_whole_or_refused_naming_the_path(
    store: Any, populated: dict[str, Any], tmp_path: Path
) -> None:
    """`records file -o PATH` with a PATH that cannot be written printed a traceback."""
    uid = populated["email"].uid
    (digest,) = [
        a["sha256"] for a in jsonable(svc.get_record(store, uid, actor=ACTOR))["attachments"]
    ]
    for bad, why in [(tmp_path / "gone" / "x.txt", "No such file"), (tmp_path, "is a directory")]:
        with pytest.raises(InvalidFieldError, match=f"output: cannot write {bad}: .*{why}"):
            svc.read_file(store, digest, actor=ACTOR, output=bad)
    target = tmp_path / "minutes copy.txt"
    assert svc.read_file(store, digest, actor=ACTOR, output=target) == target.read_bytes()
    assert target.read_bytes() == b"minutes of the call\n"
    assert not list(tmp_path.glob(".*.partial"))


def test_an_export_to_a_closed_stream_is_not_logged(store: Any, populated: dict[str, Any]) -> None:
    written: list[str] = []

    def closed(text: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(InvalidFieldError, match="cannot write the export: Broken pipe; nothing"):
        svc.export_records(store, fmt="csv", actor=ACTOR, output=closed)
    assert _exports_logged(store) == 0
    done = svc.export_records(store, fmt="csv", actor=ACTOR, output=written.append)
    assert written == [done.text] and _exports_logged(store) == 1

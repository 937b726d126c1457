"""Offline stores (outage kits, issue 17) merge into the corporate record, on SQLite and
PostgreSQL: verified first (chain, files, a head signed by the registered key) and refused,
nothing written, when anything fails; idempotent; deduplicated across devices; outages linked."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import Participant, RecordDraft
from commsgov.records.merge import OfflineStoreRefused, UnregisteredStore
from commsgov.store.handle import Store, open_store
from tests.store.raw_disposal import delete_on_the_ledger

from .conftest import T0, chat, conversation, sql

ANN = Actor.cli("ann.field")  # the person capturing on the outage kit
CLERK = Actor.cli("records.manager")  # who merges at the centre
#: when the kit captured (the device's clock) and when the centre merged
KIT_NOW = T0 + dt.timedelta(hours=1)
MERGED = T0 + dt.timedelta(days=2)


def kit(tmp_path: Path, name: str = "kit") -> Store:
    """A fresh offline store on a "laptop": SQLite, its key and log beside it."""
    folder = tmp_path / name
    folder.mkdir()
    return open_store(f"sqlite:///{folder}/offline.db")


def key_of(offline: Store) -> str:
    """The public key the kit prints to be registered."""
    return svc.store_identity(offline, actor=ANN).public_key


def db_path(offline: Store) -> Path:
    return Path(offline.url.removeprefix("sqlite:///"))


def outage_kit(tmp_path: Path, name: str = "kit", *, messages: int = 5) -> Store:
    """A kit used through an outage: declared locally, a capture with a file inside it, a
    conversation imported, a capture from before it (an exception), the outage ended."""
    offline = kit(tmp_path, name)
    svc.start_outage(
        offline,
        reason="SCOTS network down: cyber-attack",
        started_at=T0 - dt.timedelta(hours=1),
        actor=ANN,
        now=T0,
    )
    note = tmp_path / f"{name}-note.txt"
    note.write_text("minutes of the call during the outage\n")
    svc.capture(
        offline,
        RecordDraft(
            method="whatsapp",
            occurred_at=T0 + dt.timedelta(minutes=10),
            device="personal",
            summary="agreed the response plan",
            participants=(Participant("Bob"),),
        ),
        attach=[note],
        actor=ANN,
        now=KIT_NOW,
    )
    svc.store_conversation(
        offline, record=chat("chat-1"), messages=conversation(messages), actor=ANN, now=KIT_NOW
    )
    svc.capture(
        offline,
        RecordDraft(
            method="whatsapp",
            occurred_at=T0 - dt.timedelta(days=2),
            device="personal",
            summary="before the outage",
        ),
        actor=ANN,
        now=KIT_NOW,
    )
    svc.end_outage(offline, ended_at=T0 + dt.timedelta(hours=3), actor=ANN, now=KIT_NOW)
    return offline


def counts(store: Store) -> tuple[int, int, int, int]:
    """Ledger entries, records, messages and outages stored."""
    return tuple(  # type: ignore[return-value]
        sql(store, f"SELECT COUNT(*) FROM {t}")[0][0]
        for t in ("ledger", "records", "messages", "outages")
    )


def audit_kinds(store: Store) -> list[str]:
    return [r[0] for r in sql(store, "SELECT action FROM audit_events ORDER BY seq")]


def merge(store: Store, offline: Store | Path, *, key: str | None = None) -> Any:
    path = offline if isinstance(offline, Path) else db_path(offline)
    return svc.merge_offline(store, path, actor=CLERK, public_key=key, now=MERGED)


# -- the merge ------------------------------------------------------------------------------
def test_an_outage_kit_merges_with_provenance_and_both_sides_verify(
    store: Store, tmp_path: Path
) -> None:
    offline = outage_kit(tmp_path)
    offline_entries = [
        (r[0], r[1], r[2])
        for r in sql(offline, "SELECT seq, entry_hash, kind FROM ledger ORDER BY seq")
    ]
    result = merge(store, offline, key=key_of(offline))

    assert result.registered and result.store_id == svc.store_identity(offline, actor=ANN).store_id
    assert (result.records_added, result.messages_added, result.outages_added) == (3, 5, 1)
    assert (result.exceptions, result.files, result.already_merged) == (1, 1, 0)
    assert result.offline_entries == len(offline_entries)
    assert svc.verify(store, actor=CLERK).ok, svc.verify(store, actor=CLERK).problem
    assert svc.verify(offline, actor=ANN).ok

    # every offline entry is named, in order, by an entry of the central ledger
    provenance = [
        json.loads(r[0])
        for r in sql(
            store, "SELECT payload FROM ledger WHERE kind = 'offline-entry-merged' ORDER BY seq"
        )
    ]
    assert [(p["origin"]["seq"], p["origin"]["hash"], p["origin"]["kind"]) for p in provenance] == (
        offline_entries
    )
    assert {p["origin"]["store"] for p in provenance} == {result.store_id}
    assert all(p["entries"] for p in provenance)  # each made central entries

    # the device's times and people are kept; the ledger's time is the merge's
    captured = sql(
        store,
        "SELECT r.captured_at_utc, r.captured_by, r.outage_uid, r.policy_exception, l.at, "
        "l.actor FROM records r JOIN ledger l ON l.record_uid = r.uid AND "
        "l.kind = 'record-captured' WHERE r.summary = 'agreed the response plan'",
    )
    ((captured_at, captured_by, outage_uid, exception, entry_at, entry_actor),) = captured
    assert captured_at.startswith(KIT_NOW.strftime("%Y-%m-%dT%H:%M"))
    assert captured_by == "ann.field"
    assert entry_at.startswith(MERGED.strftime("%Y-%m-%dT%H:%M")) and entry_actor == CLERK.name
    # the kit's outage became the centre's and covers the capture: no exception
    (outage,) = svc.list_outages(store, actor=CLERK)
    assert outage_uid == outage.uid and exception is None
    assert outage.declared_by == "ann.field" and outage.ended_at_utc is not None
    # the capture before the outage is flagged as an exception, as usual
    flagged = sql(store, "SELECT policy_exception FROM records WHERE summary = 'before the outage'")
    assert json.loads(flagged[0][0])["rule"] == "mma-ban"
    # the file came over intact
    sha = sql(store, "SELECT sha256 FROM attachments")[0][0]
    assert audit_kinds(store)[-1] == "offline-merged"
    assert svc.read_file(store, sha, actor=CLERK) == b"minutes of the call during the outage\n"
    assert audit_kinds(store)[-1] == "file-read"  # reading the merged file is a read too


def test_merging_twice_adds_nothing_and_a_grown_store_adds_only_what_is_new(
    store: Store, tmp_path: Path
) -> None:
    offline = outage_kit(tmp_path)
    first = merge(store, offline, key=key_of(offline))
    before = counts(store)
    again = merge(store, offline)  # registered now: no key needed
    assert counts(store) == before
    assert again.ledger_first is None and not again.registered
    assert again.already_merged == first.offline_entries

    # the kit grows: three more messages of the chat and one more capture
    svc.store_conversation(
        offline, record=chat("chat-1"), messages=conversation(8), actor=ANN, now=KIT_NOW
    )
    svc.capture(
        offline,
        RecordDraft(method="sms", occurred_at=T0 + dt.timedelta(minutes=30), summary="text sent"),
        actor=ANN,
        now=KIT_NOW,
    )
    grown = merge(store, offline)
    assert grown.already_merged == first.offline_entries
    assert (grown.records_added, grown.messages_added, grown.messages_already_held) == (1, 3, 0)
    after = counts(store)
    assert (after[1] - before[1], after[2] - before[2]) == (1, 3)
    assert merge(store, offline).ledger_first is None
    assert svc.verify(store, actor=CLERK).ok


def test_two_devices_capturing_one_conversation_are_deduplicated_naming_both(
    store: Store, tmp_path: Path
) -> None:
    one, two = kit(tmp_path, "one"), kit(tmp_path, "two")
    exports = []
    for name in ("one", "two"):
        export = tmp_path / f"{name}-export.txt"
        export.write_text(f"the chat as exported on device {name}\n")
        exports.append(export)
    svc.store_conversation(
        one, record=chat("chat-9"), messages=conversation(5), actor=ANN,
        original_file=exports[0], now=KIT_NOW,
    )  # fmt: skip
    svc.store_conversation(
        two, record=chat("chat-9"), messages=conversation(8), actor=Actor.cli("cy"),
        original_file=exports[1], now=KIT_NOW,
    )  # fmt: skip
    a = merge(store, one, key=key_of(one))
    b = merge(store, two, key=key_of(two))
    assert (a.records_added, a.messages_added) == (1, 5)
    assert (b.records_added, b.records_deduplicated) == (0, 1)
    assert (b.messages_added, b.messages_already_held) == (3, 5)
    assert sql(store, "SELECT COUNT(*) FROM records")[0][0] == 1
    assert sql(store, "SELECT COUNT(*) FROM messages")[0][0] == 8
    (uid,) = sql(store, "SELECT uid FROM records")[0]
    # both sources named: the first device's file as the record's source, the second's added,
    # and the provenance of both devices' entries pointing at the one record
    added = sql(store, "SELECT payload FROM ledger WHERE kind = 'source-added'")
    assert [json.loads(p[0])["uid"] for p in added] == [uid]
    stores = {
        json.loads(p[0])["origin"]["store"]
        for p in sql(store, "SELECT payload FROM ledger WHERE kind = 'offline-entry-merged'")
        if json.loads(p[0])["into"] == uid
    }
    assert stores == {a.store_id, b.store_id}
    assert svc.verify(store, actor=CLERK).ok


def test_an_offline_outage_links_to_the_central_one_covering_it(
    store: Store, tmp_path: Path
) -> None:
    central = svc.start_outage(
        store,
        reason="SCOTS down (declared centrally)",
        started_at=T0 - dt.timedelta(hours=3),
        actor=CLERK,
        now=T0,
    )
    offline = outage_kit(tmp_path)
    result = merge(store, offline, key=key_of(offline))
    assert (result.outages_added, result.outages_linked) == (0, 1)
    assert [o.uid for o in svc.list_outages(store, actor=CLERK)] == [central.uid]
    linked = [e for e in result.entries if e.kind.startswith("outage-")]
    assert {(e.outcome, e.into) for e in linked} == {("linked", central.uid)}
    uids = sql(store, "SELECT outage_uid FROM records WHERE summary = 'agreed the response plan'")
    assert uids[0][0] == central.uid
    assert svc.verify(store, actor=CLERK).ok


def test_a_packed_archive_merges_without_the_key_file(store: Store, tmp_path: Path) -> None:
    import tarfile

    offline = outage_kit(tmp_path)
    archive = tmp_path / "carry" / "kit.tar.gz"
    archive.parent.mkdir()
    packed = svc.pack_offline(offline, archive, actor=ANN, now=KIT_NOW)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert not any(n.endswith(".key") for n in names)
    assert {"MANIFEST.json", "offline.db", "offline.db.checkpoints"} <= set(names)
    assert packed.files == 1 and packed.entries == counts(offline)[0]
    result = merge(store, archive, key=packed.public_key)
    assert (result.records_added, result.messages_added) == (3, 5)
    assert svc.verify(store, actor=CLERK).ok


# -- refused: nothing written ---------------------------------------------------------------
def _refused(store: Store, offline: Store | Path, *, key: str, match: str) -> None:
    before, trail = counts(store), audit_kinds(store)
    with pytest.raises(OfflineStoreRefused, match=match) as caught:
        merge(store, offline, key=key)
    assert "nothing was merged" in str(caught.value)
    assert counts(store) == before and audit_kinds(store) == trail
    assert list(store.blobs.all()) == []


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        ("UPDATE messages SET text = 'forged' WHERE position = 2", "message"),
        (
            "UPDATE records SET captured_by = 'mallory' WHERE summary = 'before the outage'",
            "captured_by",
        ),
        ("DELETE FROM ledger WHERE seq = 2", "expected entry 2 next, found 3"),
    ],
    ids=["edited-message", "edited-record", "deleted-entry"],
)
def test_an_edited_or_deleted_row_is_refused(
    store: Store, tmp_path: Path, tamper: str, match: str
) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    sql(offline, tamper)
    _refused(store, offline, key=key, match=match)


def test_a_truncated_chain_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    # the newest entry (the outage's end) removed with its row: the chain is whole but short
    last = sql(offline, "SELECT MAX(seq) FROM ledger")[0][0]
    sql(offline, "DELETE FROM ledger WHERE seq = :s", s=last)
    sql(offline, "UPDATE outages SET ended_at_utc = NULL, ended_by = NULL")
    _refused(store, offline, key=key, match=f"head was signed at entry {last}")


def test_a_replaced_file_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    (digest,) = list(offline.blobs.all())
    path = offline.blobs.path(digest)
    path.chmod(0o644)
    path.write_bytes(b"other minutes\n")
    _refused(store, offline, key=key, match=digest[:12])


def test_a_forged_signature_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    assert offline.anchor is not None
    lines = offline.anchor.log.read_text().splitlines()
    last = json.loads(lines[-1])
    last["sig"] = base64.b64encode(b"\x01" * 64).decode()
    lines[-1] = json.dumps(last, separators=(",", ":"), sort_keys=True)
    offline.anchor.log.write_text("\n".join(lines) + "\n")
    _refused(store, offline, key=key, match="not signed by this store's key")


def test_a_store_re_signed_with_another_key_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    # whoever holds the laptop replaces its key, and the head is signed anew with it
    assert offline.anchor is not None
    offline.anchor.key_file.unlink()
    offline.anchor.log.unlink()
    offline.close()
    again = open_store(offline.url)
    svc.capture(
        again,
        RecordDraft(method="email", occurred_at=T0, summary="cover"),
        actor=ANN,
        now=KIT_NOW,
    )
    assert key_of(again) != key
    _refused(store, again, key=key, match="is signed by the key of store .* by another key")


def test_a_store_not_registered_needs_its_key(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    before = counts(store)
    with pytest.raises(UnregisteredStore, match="--key"):
        merge(store, offline)
    assert counts(store) == before


def test_a_store_rewritten_after_its_merge_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    merge(store, offline, key=key_of(offline))
    # the kit is emptied and refilled under the same key: its entry 1 is not the one merged
    sql(offline, "DELETE FROM attachments")
    sql(offline, "DELETE FROM messages")
    sql(offline, "DELETE FROM records")
    sql(offline, "DELETE FROM outages")
    sql(offline, "DELETE FROM ledger")
    assert offline.anchor is not None
    offline.anchor.log.unlink()
    for i in range(8):
        svc.capture(
            offline,
            RecordDraft(method="email", occurred_at=T0, summary=f"another {i}"),
            actor=ANN,
            now=KIT_NOW,
        )
    before = counts(store)
    with pytest.raises(OfflineStoreRefused, match="rewritten since"):
        merge(store, offline)
    assert counts(store) == before


def test_entries_the_device_has_not_signed_are_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    assert offline.anchor is not None
    lines = offline.anchor.log.read_text().splitlines()
    offline.anchor.log.write_text("\n".join(lines[:-1]) + "\n")  # the last signature lost
    _refused(store, offline, key=key, match="newest 1 entries .* not signed by the device's key")


def test_a_kit_that_disposed_of_a_record_is_refused(store: Store, tmp_path: Path) -> None:
    offline = outage_kit(tmp_path)
    key = key_of(offline)
    (uid,) = sql(offline, "SELECT uid FROM records WHERE summary = 'before the outage'")[0]
    delete_on_the_ledger(offline, uid=uid, reason="tidying up", actor=ANN, now=KIT_NOW)
    _refused(store, offline, key=key, match="is a record-disposed")


def test_a_kit_registered_beforehand_needs_no_key_and_a_replaced_key_is_not_registered(
    store: Store, tmp_path: Path
) -> None:
    offline = kit(tmp_path)
    registered = svc.register_offline_store(
        store, public_key=key_of(offline), label="LAP-0042", actor=CLERK, now=T0
    )
    assert registered.created
    again = svc.register_offline_store(store, public_key=key_of(offline), actor=CLERK, now=T0)
    assert not again.created and again.store_id == registered.store_id
    svc.capture(
        offline,
        RecordDraft(method="email", occurred_at=T0, summary="budget"),
        actor=ANN,
        now=KIT_NOW,
    )
    result = merge(store, offline)
    assert not result.registered and result.records_added == 1

    # the key replaced on the laptop: its checkpoints name a store that was never registered
    assert offline.anchor is not None
    offline.anchor.key_file.unlink()
    offline.anchor.log.unlink()
    offline.close()
    replaced = open_store(offline.url)
    svc.capture(
        replaced,
        RecordDraft(method="email", occurred_at=T0, summary="more"),
        actor=ANN,
        now=KIT_NOW,
    )
    before = counts(store)
    with pytest.raises(UnregisteredStore, match="its key was replaced"):
        merge(store, replaced)
    assert counts(store) == before


def test_a_store_is_not_merged_into_itself(sqlite_url: str, tmp_path: Path) -> None:
    from commsgov.errors import InvalidInput

    own = open_store(sqlite_url, blob_dir=tmp_path / "blobs")
    try:
        svc.capture(
            own, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ANN, now=T0
        )
        with pytest.raises(InvalidInput, match="this store itself"):
            merge(own, db_path(own), key=key_of(own))
    finally:
        own.close()

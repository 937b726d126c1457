"""The bulk write path: the full-text index stays in step with the messages table, messages are
deduplicated within their record (migration 0007), the lookups use an index, and the hot loop
gives the pure definitions' bytes for every kind of time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import MessageDraft, RecordDraft
from commsgov.store import repo
from tests.store.raw_disposal import delete_on_the_ledger

from .conftest import T0, chat, conversation, sql

#: who acts in these tests
ACTOR = Actor.cli("tester")


def _found(store: Any, word: str) -> int:
    with store.read() as conn:
        return len(repo.search_messages(conn, terms=word, limit=1000))


def _index_agrees(store: Any) -> None:
    """SQLite's own check that fts_messages holds exactly what the messages table holds."""
    if store.engine.dialect.name == "sqlite":
        sql(store, "INSERT INTO fts_messages(fts_messages) VALUES ('integrity-check')")


def test_full_text_index_follows_every_change(store: Any) -> None:
    first = svc.store_conversation(
        store, record=chat(), messages=conversation(25, word="alpha"), batch_size=10, actor=ACTOR
    )
    _index_agrees(store)
    assert _found(store, "alpha") == 25
    # the same export again with more messages: only the new ones are added and indexed
    again = svc.store_conversation(
        store, record=chat(), messages=conversation(30, word="alpha"), batch_size=10, actor=ACTOR
    )
    assert (again.new_messages, again.already_held) == (5, 25)
    _index_agrees(store)
    assert _found(store, "alpha") == 30
    # a typed-in capture, then messages added to it
    typed = svc.capture(
        store, RecordDraft(method="email", occurred_at=T0, summary="noted"), actor=ACTOR
    )
    later = T0 + dt.timedelta(days=1)
    svc.add_messages(
        store, record_uid=typed.uid, messages=conversation(4, start=later, word="beta"), actor=ACTOR
    )
    _index_agrees(store)
    assert _found(store, "beta") == 4
    svc.correct_record(
        store, uid=first.record_uid, changes={"subject": "renamed"}, reason="typo", actor=ACTOR
    )
    _index_agrees(store)
    assert _found(store, "alpha") == 30
    # a row changed in place (the update trigger) is found by its new words only
    sql(store, "UPDATE messages SET text = 'gamma words' WHERE position = 0 AND text LIKE 'beta%'")
    _index_agrees(store)
    assert (_found(store, "gamma"), _found(store, "beta")) == (1, 3)
    delete_on_the_ledger(store, uid=first.record_uid, reason="retention ended", actor=ACTOR)
    _index_agrees(store)
    assert (_found(store, "alpha"), _found(store, "gamma")) == (0, 1)


def test_a_record_without_a_conversation_key_adds_a_message_once(store: Any) -> None:
    a = svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="a"), actor=ACTOR)
    b = svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="b"), actor=ACTOR)
    first = svc.add_messages(
        store, record_uid=a.uid, messages=conversation(12), batch_size=5, actor=ACTOR
    )
    again = svc.add_messages(
        store, record_uid=a.uid, messages=conversation(15), batch_size=5, actor=ACTOR
    )
    assert (first.new_messages, again.new_messages, again.already_held) == (12, 3, 12)
    # the same messages in another record are that record's own (identities name the record)
    other = svc.add_messages(store, record_uid=b.uid, messages=conversation(15), actor=ACTOR)
    assert (other.new_messages, other.already_held) == (15, 0)
    assert svc.verify(store, actor=ACTOR).ok


def test_overlapping_exports_add_each_message_once(store: Any) -> None:
    """Two participants' exports of one chat, overlapping in the middle, in any batch size."""
    messages = conversation(40)
    ann = svc.store_conversation(
        store, record=chat(), messages=messages[:25], batch_size=7, actor=ACTOR
    )
    bob = svc.store_conversation(
        store, record=chat(), messages=messages[10:], batch_size=6, actor=ACTOR
    )
    assert bob.record_uid == ann.record_uid
    assert (bob.new_messages, bob.already_held) == (15, 15)
    ((count,),) = sql(store, "SELECT count(*) FROM messages")
    assert count == 40
    assert svc.verify(store, actor=ACTOR).ok


def test_a_conversation_imported_again_after_its_method_was_corrected(store: Any) -> None:
    """Identities are unique within a record: a record whose method was corrected keeps its
    messages, and importing the chat again under the old method makes a record of its own."""
    first = svc.store_conversation(store, record=chat(), messages=conversation(5), actor=ACTOR)
    svc.correct_record(
        store, uid=first.record_uid, changes={"method": "signal"}, reason="wrong", actor=ACTOR
    )
    again = svc.store_conversation(store, record=chat(), messages=conversation(5), actor=ACTOR)
    assert again.created and again.new_messages == 5
    assert svc.verify(store, actor=ACTOR).ok


def test_a_duplicate_in_a_record_is_refused_by_the_database(store: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    svc.store_conversation(store, record=chat(), messages=conversation(2), actor=ACTOR)
    columns = ", ".join(repo.MESSAGE_COLUMNS)
    with pytest.raises(IntegrityError):
        sql(
            store,
            f"INSERT INTO messages ({columns}) SELECT {columns.replace('position', '2')} "
            "FROM messages WHERE position = 0",
        )


def test_record_lookups_use_the_dedup_index(sqlite_url: str, tmp_path: Any) -> None:
    store = svc.open_store(sqlite_url, blob_dir=tmp_path / "blobs")
    try:
        plans = {
            "dedup": "SELECT identity FROM messages WHERE record_id = 1 AND sent_at_utc IN "
            "('a', 'b')",
            "listing": "SELECT * FROM messages WHERE record_id = 1 ORDER BY sent_at_utc, id",
        }
        for name, query in plans.items():
            plan = " ".join(str(r[-1]) for r in sql(store, f"EXPLAIN QUERY PLAN {query}"))
            assert "INDEX" in plan and "record_id=?" in plan, (name, plan)
    finally:
        store.close()


class _Wobbly(dt.tzinfo):
    """A tzinfo whose offset changes every hour (like pytz or dateutil zones, not hashable)."""

    __hash__ = None  # type: ignore[assignment]

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(minutes=30 * ((when.hour if when else 0) % 3))

    def dst(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)


_LONDON = ZoneInfo("Europe/London")
_TIMES = [
    dt.datetime(2026, 7, 1, 9, 30, 15, 250, tzinfo=_LONDON),
    dt.datetime(2026, 1, 1, 0, 0, tzinfo=_LONDON),
    dt.datetime(2026, 7, 1, 0, 30, tzinfo=_LONDON),  # BST: the day before in UTC
    dt.datetime(2026, 12, 31, 21, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5))),  # next year
    dt.datetime(2026, 3, 1, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),  # 00:00 UTC
    dt.datetime(9999, 12, 31, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))),  # range edge
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=_LONDON),  # the first 01:30 of the autumn change
    dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=_LONDON),  # the second, an hour later
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=_LONDON),  # skipped by the spring change
    dt.datetime(2026, 3, 1, 0, 10, 5, tzinfo=ZoneInfo("Asia/Kolkata")),  # +05:30, day before
    dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/St_Johns")),
    dt.datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Asia/Kathmandu")),  # +05:45
    dt.datetime(1850, 6, 1, 12, 0, 1, tzinfo=_LONDON),  # local mean time: -00:01:15
    dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(seconds=-3601))),
    dt.datetime(2026, 3, 1, 1, 0, tzinfo=_Wobbly()),
    dt.datetime(2026, 3, 1, 2, 0, tzinfo=_Wobbly()),
]


def test_bulk_path_matches_the_pure_definitions_in_every_zone(store: Any) -> None:
    from commsgov.records import message_canonical, message_identity, sha256_hex, utc_text
    from commsgov.records.timestamps import local_text, zone_name

    drafts = [MessageDraft(when, f"P{i % 3}", f'text {i} é "q"') for i, when in enumerate(_TIMES)]
    drafts.append(MessageDraft(_TIMES[2], None, "Ann left", kind="system", flags=("edited",)))
    # the same local minutes again, a second later: the cached UTC minute is reused
    drafts += [
        MessageDraft(d.sent_at + dt.timedelta(seconds=1), d.sender, d.text + " again")
        for d in drafts[:-1]
    ]
    # repeats within the export: the second and third of each are further occurrences
    drafts += [drafts[0], drafts[-1], drafts[0]]
    occurrence = [0] * (len(drafts) - 3) + [1, 1, 2]
    conv = svc.store_conversation(store, record=chat(), messages=drafts, actor=ACTOR)
    assert conv.new_messages == len(drafts)
    rows = sql(
        store,
        "SELECT identity, sent_at_utc, sent_zone, sent_local, sha256, kind, flags "
        "FROM messages ORDER BY position",
    )
    for n, draft, (identity, utc, zone, local, digest, kind, flags) in zip(
        occurrence, drafts, rows, strict=True
    ):
        when = draft.sent_at
        assert (utc, zone, local) == (utc_text(when), zone_name(when), local_text(when)), when
        identity = bytes(identity).hex()
        assert identity == message_identity(
            method="whatsapp", conversation="chat-1", sent_at_utc=utc, sender=draft.sender,
            text=draft.text, occurrence=n,
        )  # fmt: skip
        assert bytes(digest).hex() == sha256_hex(
            message_canonical(
                record_uid=conv.record_uid, identity=identity, sent_at_utc=utc, sent_zone=zone,
                sent_local=local, sender=draft.sender, text=draft.text, attachments_json="[]",
                kind=kind, flags_json=flags,
            )
        )  # fmt: skip
    assert svc.verify(store, actor=ACTOR).ok


def test_an_error_while_the_next_batch_is_prepared_writes_nothing(store: Any) -> None:
    """Batches after the first are prepared in a worker thread; whatever it raises (here a
    parser's error from a generator) reaches the caller and the whole import is rolled back."""

    class ParseError(Exception):
        """What a parser raises at a bad line."""

    def messages() -> Any:
        yield from conversation(25)
        raise ParseError("chat.txt, line 26: not a message")

    with pytest.raises(ParseError, match="line 26"):
        svc.store_conversation(
            store, record=chat(), messages=messages(), batch_size=10, actor=ACTOR
        )
    ((ledger, records, stored),) = sql(
        store,
        "SELECT (SELECT count(*) FROM ledger), (SELECT count(*) FROM records), "
        "(SELECT count(*) FROM messages)",
    )
    assert (ledger, records, stored) == (0, 0, 0)
    # and a generator that ends normally is written in full, batch after batch
    done = svc.store_conversation(
        store, record=chat(), messages=iter(conversation(25)), batch_size=10, actor=ACTOR
    )
    assert (done.new_messages, done.entries) == (25, 1 + 3)
    _index_agrees(store)
    assert svc.verify(store, actor=ACTOR).ok

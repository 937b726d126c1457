"""Verify's fast path (the database builds each message's canonical bytes) on both backends.

It must agree with the exact definition (:func:`commsgov.records.models.message_canonical`) for
any text, so a clean store is accepted without the slow exact check; and any tampering it sees
must be reported exactly as the exact check reports it (entry, record, position).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import MessageDraft
from commsgov.records.verify import Verifier
from commsgov.store import repo, repo_verify

from .conftest import T0, chat, sql

#: who acts in these tests
ACTOR = Actor.cli("tester")

#: texts whose JSON encoding has every kind of escape (and a few that need none)
AWKWARD = [
    'she said "no"',
    "back\\slash \\u0041 \\n and \\\\",
    "line one\nline two\r\n\ttabbed",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "\u2028line\u2029separators",
    "emoji \U0001f600\U0001f469\u200d\U0001f4bb and é ß 中文",
    "</script> & <b> ' `",
    "\ue000 private use \ufeff bom \ufffd",
    "",
]


def _messages() -> list[MessageDraft]:
    at = [T0 + dt.timedelta(minutes=i) for i in range(len(AWKWARD) + 4)]
    out = [MessageDraft(at[i], 'Ann "the boss" \\ \t', text) for i, text in enumerate(AWKWARD)]
    n = len(AWKWARD)
    out.append(MessageDraft(at[n], None, "Bob joined", kind="system"))
    out.append(MessageDraft(at[n + 1], "Ann", "gone", flags=("deleted", "edited")))
    out.append(MessageDraft(at[n + 2], "\u2028\x01", "system with a sender", kind="system"))
    out.append(MessageDraft(at[n + 3], "Bob", "plain one"))
    return out


def _fast(store: Any) -> tuple[Verifier, list[Any]]:
    verifier = Verifier()
    with store.read() as conn:
        for entry in repo.iter_ledger(conn):
            assert verifier.entry(entry) is None
        found = list(repo_verify.entry_digests(conn, batches=verifier.message_batches()))
    return verifier, found


def test_awkward_texts_match_the_exact_bytes_in_the_database(store: Any) -> None:
    svc.store_conversation(
        store, record=chat(), messages=_messages(), actor=Actor.cli("t"), batch_size=5
    )
    verifier, found = _fast(store)
    assert len(found) == 3
    for e in found:
        batch = verifier.batches[e.seq]
        # the database built every message's bytes exactly: no exact recheck is needed
        assert e.matches, f"entry {e.seq}: the database's bytes differ from the definition"
        assert (e.rows, e.digest) == (batch.count, batch.digest)
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == len(AWKWARD) + 4


def test_a_difference_the_fast_path_sees_is_checked_exactly(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry the fast path gets wrong (here: forced) is rechecked, not reported."""
    svc.store_conversation(
        store, record=chat(), messages=_messages(), actor=Actor.cli("t"), batch_size=5
    )
    real = repo_verify.entry_digests

    def wrong(conn: Any, *, batches: Any) -> Any:
        for e in real(conn, batches=batches):
            yield e._replace(matches=False, digest="0" * 64)

    monkeypatch.setattr(repo_verify, "entry_digests", wrong)
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == len(AWKWARD) + 4


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", "'she said \"yes\"'"),
        ("sender", "NULL"),
        ("sent_at_utc", "'2026-11-20T09:00:00.000001Z'"),
        ("sent_zone", "'Europe/Paris'"),
        ("sent_local", "'2026-11-20T10:00:00+01:00'"),
        ("kind", "'system'"),
        ("flags", "'[\"edited\"]'"),
        ("attachments_json", "'[]' || ' '"),
        ("identity", "zeroblob(32)"),
        ("sha256", "zeroblob(32)"),
    ],
)
def test_tampering_one_column_names_the_record_and_position(
    store: Any, column: str, value: str
) -> None:
    conv = svc.store_conversation(
        store, record=chat(), messages=_messages(), actor=Actor.cli("t"), batch_size=5
    )
    if store.engine.dialect.name == "postgresql":
        value = value.replace("zeroblob(32)", "decode(repeat('00', 32), 'hex')")
    # the second messages-added entry, its second message
    target = "position = 1 AND entry_seq = (SELECT min(entry_seq) + 1 FROM messages)"
    assert sql(store, f"UPDATE messages SET {column} = {value} WHERE {target}") == 1
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok, f"changing {column} went unnoticed"
    problem = report.problem
    assert problem.check == "message"
    assert problem.record_uid == conv.record_uid
    assert problem.entry_seq == conv_entries(store)[1]
    assert "position 1" in problem.detail


def conv_entries(store: Any) -> list[int]:
    """The messages-added entries, in order."""
    rows = sql(store, "SELECT seq FROM ledger WHERE kind = 'messages-added' ORDER BY seq")
    return [r[0] for r in rows]


@pytest.fixture
def sqlite_store(sqlite_url: str, tmp_path: Any) -> Iterator[Any]:
    """A store on SQLite only: these tests are about SQLite's own behaviour."""
    opened = svc.open_store(sqlite_url, blob_dir=tmp_path / "blobs", migrate=False)
    try:
        yield opened
    finally:
        opened.close()


def test_the_fast_query_walks_the_entry_index_without_sorting(sqlite_store: Any) -> None:
    store = sqlite_store
    with store.read() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + repo_verify._SQLITE, ("r", 1, 1)).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "(entry_seq=?)" in details and "TEMP B-TREE" not in details, details


def test_a_value_sqlite_cannot_encode_is_left_to_the_exact_check(sqlite_store: Any) -> None:
    # only SQLite lets a BLOB into a text column
    store = sqlite_store
    svc.store_conversation(
        store, record=chat(), messages=_messages(), actor=Actor.cli("t"), batch_size=5
    )
    sql(store, "UPDATE messages SET text = X'00ff' WHERE position = 2")
    problem = svc.verify(store, actor=ACTOR).problem
    # what the exact check says (json_array would have said "JSON cannot hold BLOB values")
    assert problem is not None and problem.check == "unreadable", problem
    assert "TypeError" in problem.detail

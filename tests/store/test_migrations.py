"""Models and migrations agree, the chain is linear, and `db upgrade` is idempotent."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from commsgov.accounts.actor import Actor
from commsgov.store import migrate
from commsgov.store.engine import make_engine
from tests.store.raw_disposal import delete_on_the_ledger

#: who acts in these tests
ACTOR = Actor.cli("tester")


def test_one_head() -> None:
    heads = migrate.heads()
    assert len(heads) == 1, f"the migration chain must be linear, found heads {heads}"
    # what open_store reads without Alembic is what Alembic reads
    assert migrate.packaged_head() == heads[0]


def test_a_store_at_the_latest_revision_opens_without_alembic(tmp_path: Path) -> None:
    """Opening a migrated store reads its revision and leaves Alembic unloaded (its import and
    scripts cost every command about 0.15 s of CPU); a store behind is migrated by Alembic."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'x.db'}"
    code = (
        "import sys\n"
        "from commsgov.store.handle import open_store\n"
        f"open_store({url!r}, blob_dir=None).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (first.stdout.split()[-1], again.stdout.split()[-1]) == ("True", "False")
    engine = make_engine(url)
    try:
        assert migrate.current(engine) == migrate.current_fast(engine) == migrate.heads()[0]
    finally:
        engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current(engine) == migrate.heads()[0]
        diffs = migrate.differences(engine)
        assert diffs == [], f"models and migrations disagree: {diffs}"
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()


def _fresh_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    server = request.getfixturevalue("postgres_server")
    name = f"old_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_").lower()
    server.admin(f"CREATE DATABASE {name}")
    return str(server.url(name))


def _append(conn: Any, events: list[Any], *, at: Any) -> None:
    """Ledger entries as written before the audit trail noted them (revision 0008): no note."""
    from commsgov.records.ledger import make_entry
    from commsgov.store import repo

    seq, prev = repo.ledger_head(conn)
    for event in events:
        seq += 1
        entry = make_entry(event, seq=seq, prev_hash=prev, actor="a", at=at)
        repo.insert_entries(conn, [entry])
        prev = entry.entry_hash


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0003_converts_stored_hex_digests(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    import datetime as dt

    from sqlalchemy import text

    from commsgov.records import (
        MessagesAdded,
        RecordCaptured,
        RecordDraft,
        Verifier,
        message_canonical,
        message_identity,
        messages_digest,
        record_state,
        sha256_hex,
    )  # fmt: skip
    from commsgov.store import repo

    url = _fresh_url(request, backend, tmp_path)
    engine = make_engine(url)
    migrate.upgrade(engine, "0002_retention")
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    draft = RecordDraft(method="signal", occurred_at=at, device="personal", conversation_key="k")
    state = record_state(draft, uid="r" * 32, captured_at=at, captured_by="a", outage_uid=None,
                         policy_exception=None)  # fmt: skip
    rows, digests = [], []
    for position in range(3):
        utc = f"2026-01-01T00:00:0{position}.000000Z"
        ident = message_identity(method="signal", conversation="k", sent_at_utc=utc, sender="A",
                                 text=f"m{position}")  # fmt: skip
        digest = sha256_hex(message_canonical(
            record_uid=state["uid"], identity=ident, sent_at_utc=utc, sent_zone="UTC",
            sent_local=utc, sender="A", text=f"m{position}", attachments_json="[]",
        ))  # fmt: skip
        digests.append(bytes.fromhex(digest))
        rows.append(
            {"seq": 2, "p": position, "i": ident, "u": utc, "t": f"m{position}", "h": digest}
        )
    with engine.begin() as conn:
        _append(conn, [RecordCaptured(state)], at=at)
        record_id = repo.insert_record(conn, state=state, stored_at="x")
        _append(conn, [MessagesAdded(state["uid"], 3, messages_digest(digests))], at=at)
        conn.execute(
            text(
                "INSERT INTO messages (record_id, entry_seq, position, identity, sent_at_utc, "
                "sent_zone, sent_local, sender, text, attachments_json, sha256) VALUES "
                f"({record_id}, :seq, :p, :i, :u, 'UTC', :u, 'A', :t, '[]', :h)"
            ),
            rows,
        )
    # only as far as this migration, so later ones (and their downgrades) do not matter here;
    # verify's own maths on the rows as 0003 left them (kind and flags arrive in 0006)
    migrate.upgrade(engine, "0003_message_digests")
    verifier = Verifier()
    with engine.connect() as conn:
        for entry in repo.iter_ledger(conn):
            assert verifier.entry(entry) is None
        stored_rows = conn.execute(
            text(
                "SELECT m.entry_seq, m.position, r.uid, m.identity, m.sent_at_utc, m.sent_zone, "
                "m.sent_local, m.sender, m.text, m.attachments_json, 'message', '[]', m.sha256 "
                "FROM messages AS m JOIN records AS r ON r.id = m.record_id "
                "ORDER BY m.entry_seq, m.position"
            )
        ).all()
    assert verifier.message_rows(tuple(r) for r in stored_rows) is None
    assert verifier.messages_checked == 3
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0002_retention")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT identity, sha256 FROM messages ORDER BY position")).all()
    assert [(r[0], r[1]) for r in stored] == [(r["i"], r["h"]) for r in rows]
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0006_gives_stored_messages_a_kind_and_no_flags(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A database written before 0006 (a system event stored with the sender ``(system)``)
    upgrades, verifies unchanged, takes messages without a sender, and downgrades."""
    import datetime as dt

    from sqlalchemy import inspect, text

    from commsgov import services as svc
    from commsgov.records import (
        MessageDraft,
        MessagesAdded,
        RecordCaptured,
        RecordDraft,
        message_canonical,
        message_identity,
        messages_digest,
        record_state,
        sha256_hex,
    )  # fmt: skip
    from commsgov.store import repo

    url = _fresh_url(request, backend, tmp_path)
    engine = make_engine(url)
    migrate.upgrade(engine, "0005_retention_state")
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    draft = RecordDraft(method="whatsapp", occurred_at=at, device="personal", conversation_key="k")
    state = record_state(draft, uid="r" * 32, captured_at=at, captured_by="a", outage_uid=None,
                         policy_exception=None)  # fmt: skip
    rows, digests = [], []
    for position, sender in enumerate(["(system)", "Ann", "Bob"]):
        utc = f"2026-01-01T00:00:0{position}.000000Z"
        ident = message_identity(method="whatsapp", conversation="k", sent_at_utc=utc,
                                 sender=sender, text=f"m{position}")  # fmt: skip
        digest = sha256_hex(message_canonical(
            record_uid=state["uid"], identity=ident, sent_at_utc=utc, sent_zone="UTC",
            sent_local=utc, sender=sender, text=f"m{position}", attachments_json="[]",
        ))  # fmt: skip
        digests.append(bytes.fromhex(digest))
        rows.append({"p": position, "i": bytes.fromhex(ident), "u": utc, "s": sender,
                     "t": f"m{position}", "h": bytes.fromhex(digest)})  # fmt: skip
    with engine.begin() as conn:
        _append(conn, [RecordCaptured(state)], at=at)
        record_id = repo.insert_record(conn, state=state, stored_at="x")
        _append(conn, [MessagesAdded(state["uid"], 3, messages_digest(digests))], at=at)
        conn.execute(
            text(
                "INSERT INTO messages (record_id, entry_seq, position, identity, sent_at_utc, "
                "sent_zone, sent_local, sender, text, attachments_json, sha256) VALUES "
                f"({record_id}, 2, :p, :i, :u, 'UTC', :u, :s, :t, '[]', :h)"
            ),
            rows,
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT kind, flags FROM messages ORDER BY position")).all()
    assert [tuple(r) for r in stored] == [("message", "[]")] * 3
    assert migrate.differences(engine) == []
    store = svc.open_store(url, blob_dir=tmp_path / "blobs", migrate=False)
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == 3
    # re-importing the old system event (now without a sender) adds nothing; a new one is stored
    old = MessageDraft(at, None, "m0", kind="system")
    new = MessageDraft(at + dt.timedelta(minutes=1), None, "Ann left", kind="system")
    added = svc.add_messages(
        store, record_uid=state["uid"], messages=[old, new], actor=Actor.cli("a")
    )
    assert (added.new_messages, added.already_held) == (1, 1)
    assert svc.verify(store, actor=ACTOR).ok
    store.close()
    from alembic import command

    with pytest.raises(RuntimeError, match="without a sender"), engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0005_retention_state")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messages WHERE sender IS NULL"))
        command.downgrade(migrate.alembic_config(connection=conn), "0005_retention_state")
    with engine.connect() as conn:
        names = {c["name"] for c in inspect(conn).get_columns("messages")}
    assert "kind" not in names and "flags" not in names
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0007_moves_deduplication_to_the_record_and_back(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A store downgraded below 0007 and upgraded again keeps its messages, search index and
    chain; downgrading is refused once two records hold one message identity."""
    from alembic import command
    from sqlalchemy import inspect, text

    from commsgov import services as svc
    from commsgov.store import repo
    from tests.store.conftest import chat, conversation

    url = _fresh_url(request, backend, tmp_path)
    store = svc.open_store(url, blob_dir=tmp_path / "blobs")
    first = svc.store_conversation(
        store, record=chat(), messages=conversation(12, word="kept"), actor=ACTOR
    )
    engine = store.engine
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0006_message_kind_flags")
    with engine.connect() as conn:
        unique = [set(u["column_names"]) for u in inspect(conn).get_unique_constraints("messages")]
    assert {"identity"} in unique
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    with store.read() as conn:
        assert len(repo.search_messages(conn, terms="kept", limit=50)) == 12
    if backend == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO fts_messages(fts_messages) VALUES ('integrity-check')"))
    again = svc.store_conversation(
        store, record=chat(), messages=conversation(12, word="kept"), actor=ACTOR
    )
    assert again.new_messages == 0
    svc.correct_record(
        store, uid=first.record_uid, changes={"method": "signal"}, reason="wrong", actor=ACTOR
    )
    svc.store_conversation(
        store, record=chat(), messages=conversation(12, word="kept"), actor=ACTOR
    )
    assert svc.verify(store, actor=ACTOR).ok
    with pytest.raises(RuntimeError, match="held by two records"), engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0006_message_kind_flags")
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0013_copies_each_record_s_hold_columns_onto_its_retention_item(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A store from before 0013 gets its items' copies filled in from their records (an item
    whose record is gone keeps none), verifies, and downgrades again."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import inspect, text

    from commsgov import services as svc
    from commsgov.records import Participant, RecordDraft

    at = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
    url = _fresh_url(request, backend, tmp_path)
    store = svc.open_store(url, blob_dir=tmp_path / "blobs")
    uids = [
        svc.capture(
            store,
            RecordDraft(method=m, occurred_at=at, summary="s", participants=(Participant(who),)),
            actor=ACTOR,
            now=at,
        ).uid
        for m, who in (("signal", "Ann Smith"), ("email", "Bob"))
    ]
    svc.sync(store, now=at, actor=ACTOR)
    delete_on_the_ledger(store, uid=uids[1], reason="gone before 0013", actor=ACTOR, now=at)
    engine = store.engine
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0012_blob_contents")
    with engine.connect() as conn:
        names = {c["name"] for c in inspect(conn).get_columns("retention_items")}
    assert not names & {"method", "occurred_at_utc", "outage_uid", "participants"}
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    with engine.connect() as conn:
        copied = conn.execute(
            text(
                "SELECT i.record_uid, i.method, i.occurred_at_utc, i.participants, "
                "r.method, r.occurred_at_utc, r.participants FROM retention_items i "
                "LEFT JOIN records r ON r.uid = i.record_uid ORDER BY i.record_uid"
            )
        ).all()
    found = {row[0]: tuple(row[1:]) for row in copied}
    assert found[uids[0]][:3] == found[uids[0]][3:] and found[uids[0]][0] == "signal"
    assert found[uids[1]] == (None,) * 6
    assert svc.verify(store, actor=ACTOR).ok
    store.close()

"""Every read and every change of the record is an entry of the hash-chained audit trail, and a
staff member reads only their own records, filtered inside the query; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from commsgov import services as svc
from commsgov.accounts import Actor
from commsgov.accounts.errors import PermissionRefused
from commsgov.records import Participant, RecordDraft, sha256_hex
from commsgov.records.errors import NotFoundError
from commsgov.services import audit, sessions, users

from .conftest import ADMIN, T0

AT = dt.datetime(2026, 11, 19, 9, 0, tzinfo=dt.UTC)


def _trail(store: Any, **filters: Any) -> list[Any]:
    """Entries of the trail, oldest first (reading it directly: a search would add one)."""
    from commsgov.store import repo_accounts

    with store.read() as conn:
        return repo_accounts.search_audit(conn, newest_first=False, **filters)


def _web(store: Any, username: str, *roles: str, phones: tuple[str, ...] = ()) -> Actor:
    """A user holding ``roles``, as the API sees them (their id and roles, an address)."""
    users.add_user(store, username=username, roles=roles, actor=ADMIN, phones=phones, now=T0)
    signed = sessions.start_session(store, username=username, method="test", actor=ADMIN, now=T0)
    return Actor.http(username, address="192.0.2.7", user_agent="pytest",
                      user_id=signed.principal.user_id, roles=signed.principal.roles)  # fmt: skip


def _capture(store: Any, actor: Actor, summary: str, *with_: Participant, attach: Any = ()) -> str:
    draft = RecordDraft(method="email", occurred_at=AT, summary=summary, participants=with_)
    return str(svc.capture(store, draft, actor=actor, attach=attach, now=T0).uid)


def test_reads_and_changes_are_entries_of_the_trail(store: Any, tmp_path: Path) -> None:
    note = tmp_path / "minutes.txt"
    note.write_bytes(b"minutes of the call")
    ann = Actor.cli("ann")
    uid = _capture(store, ann, "budget call", attach=[note])
    (noted,) = _trail(store, action="record-captured")
    assert (noted.actor, noted.source, noted.target, noted.outcome) == (
        "ann", "cli", f"record:{uid}", "ok",
    )  # fmt: skip
    with store.read() as conn:
        entry = conn.execute(text("SELECT seq, entry_hash FROM ledger")).one()
    assert json.loads(noted.details) == {"ledger_seq": entry[0], "entry_hash": entry[1]}

    svc.get_record(store, uid, actor=ann)
    svc.list_records(store, actor=ann)
    svc.search_records(store, query=svc.RecordQuery("budget"), actor=ann)
    svc.read_file(store, sha256_hex(b"minutes of the call"), actor=ann)
    eve = Actor.http("eve", address="192.0.2.9", user_agent="curl/8")
    with pytest.raises(NotFoundError):
        svc.get_record(store, "nope", actor=eve)
    reads = [(e.action, e.outcome, e.target) for e in _trail(store)][1:]
    assert reads == [
        ("record-read", "ok", f"record:{uid}"),
        ("records-listed", "ok", "records"),
        ("records-searched", "ok", "records"),
        ("file-read", "ok", f"file:{sha256_hex(b'minutes of the call')}"),
        ("record-read", "failed", "record:nope"),
    ]
    failed = _trail(store)[-1]
    assert (failed.actor, failed.address, failed.user_agent) == ("eve", "192.0.2.9", "curl/8")
    assert json.loads(failed.details)["error"] == "not-found"
    assert json.loads(_trail(store, action="records-searched")[0].details)["uids"] == [uid]


def test_an_export_of_many_records_is_one_entry(store: Any) -> None:
    ann = Actor.cli("ann")
    uids = {_capture(store, ann, f"note {n}") for n in range(12)}
    before = len(_trail(store))
    export = svc.export_records(store, fmt="json", actor=ann)
    after = _trail(store)[before:]
    # the records it read are the export's, not twelve reads of their own
    assert [(e.action, e.outcome) for e in after] == [("records-exported", "ok")]
    assert set(export.records) == uids
    with pytest.raises(Exception):  # noqa: B017 (an unknown format: refused before anything)
        svc.export_records(store, fmt="xml", actor=ann)
    failed = _trail(store)[-1]
    assert (failed.action, failed.outcome, json.loads(failed.details)["error"]) == (
        "records-exported", "failed", "invalid-input",
    )  # fmt: skip


def test_verify_finds_an_audit_entry_edited_or_deleted(store: Any) -> None:
    ann = Actor.cli("ann")
    uid = _capture(store, ann, "budget")
    svc.get_record(store, uid, actor=ann)
    _capture(store, ann, "later")
    report = svc.verify(store, actor=ann)
    assert report.ok and report.audit_entries == 3

    def broken(sql: str) -> str:
        with store.write() as conn:
            conn.execute(text(sql))
        found = svc.verify(store, actor=ann)
        assert not found.ok and found.problem is not None
        assert found.problem.check == "audit"
        return found.problem.message

    assert "edited" in broken("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    with store.write() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'ann' WHERE seq = 2"))
    assert svc.verify(store, actor=ann).ok
    # the last entry (noting the last capture) cut off: the chain itself cannot tell, the
    # ledger can
    last = _trail(store)[-1]
    assert "not noted" in broken("DELETE FROM audit_events WHERE seq = 3")
    from commsgov.store import repo_accounts

    with store.write() as conn:
        repo_accounts.insert_audit(conn, [last])
    assert svc.verify(store, actor=ann).ok
    assert "entry 2 is missing" in broken("DELETE FROM audit_events WHERE seq = 2")


def test_reads_at_once_share_writes_and_keep_one_chain(store: Any) -> None:
    ann = Actor.cli("ann")
    uid = _capture(store, ann, "budget")
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(5):
                svc.get_record(store, uid, actor=ann)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_trail(store, action="record-read")) == 40
    assert audit.verify(store, actor=ann).ok


def test_staff_read_only_their_records_filtered_in_the_query(store: Any, tmp_path: Path) -> None:
    ann = _web(store, "ann", "staff", phones=("+44 7700 900001",))
    bob = _web(store, "bob", "staff")
    manager = _web(store, "rita", "records-manager")
    admin = _web(store, "ada", "admin")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"bob's own file")
    own = _capture(store, ann, "ann's note on the budget")
    took_part = _capture(store, bob, "call about the budget", Participant("Ann", "+447700900001"))
    others = [_capture(store, bob, f"bob's budget {n}", attach=[secret]) for n in range(5)]

    seen = {r.uid for r in svc.list_records(store, actor=ann)}
    assert seen == {own, took_part}
    # the limit applies to what she may see (the query filters; rows are not dropped after)
    assert len(svc.list_records(store, actor=ann, limit=2)) == 2
    found = svc.search_records(store, query=svc.RecordQuery("budget"), actor=ann)
    assert {h.uid for h in found} == {own, took_part}
    assert {r.uid for r in svc.exceptions(store, actor=ann)} <= {own, took_part}
    exported = svc.export_records(store, fmt="json", actor=ann)
    assert set(exported.records) == {own, took_part}
    for reading in (
        lambda: svc.get_record(store, others[0], actor=ann),
        lambda: svc.read_file(store, sha256_hex(b"bob's own file"), actor=ann),
        lambda: svc.receipt(store, others[0], actor=ann),
        lambda: svc.export_records(store, fmt="csv", records=[others[0]], actor=ann),
    ):
        with pytest.raises(NotFoundError):
            reading()
    assert svc.get_record(store, took_part, actor=ann).uid == took_part
    assert len(svc.list_records(store, actor=manager)) == 7
    assert svc.read_file(store, sha256_hex(b"bob's own file"), actor=bob) == b"bob's own file"
    with pytest.raises(PermissionRefused):
        svc.list_records(store, actor=admin)
    refused = _trail(store, outcome="refused")
    assert [(e.actor, e.action) for e in refused] == [("ada", "records-listed")]

    # a correction that takes her out of the call takes the record out of her reads
    svc.correct_record(store, uid=took_part, changes={"participants": [Participant("Cy")]},
                       reason="wrong person", actor=manager)  # fmt: skip
    assert {r.uid for r in svc.list_records(store, actor=ann)} == {own}
    assert svc.verify(store, actor=ADMIN).ok
    with store.write() as conn:  # an identity slipped in by hand: verify sees it
        conn.execute(text(
            "INSERT INTO record_identities (record_id, value) "
            f"SELECT id, '+447700900001' FROM records WHERE uid = '{took_part}'"
        ))  # fmt: skip
    report = svc.verify(store, actor=ADMIN)
    assert report.problem is not None and report.problem.check == "identities"
    assert report.problem.record_uid == took_part

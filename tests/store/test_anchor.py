"""The head of the ledger is signed outside the database after every commit: deleting the
newest entries with their rows, or rewriting history with every later hash, is caught by
``verify``; the log stays whole with writers in several processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import RecordDraft, canonical_json, entry_hash, sha256_hex
from commsgov.records.checkpoints import Checkpoint, parse_line
from commsgov.store.identity import verify_signature

from .conftest import T0, sql

#: who acts in these tests
ACTOR = Actor.cli("tester")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """The store with its files in a folder on both databases: this module's tests of temporary
    files and of cleaning look at the folder (files kept in PostgreSQL have neither)."""
    from commsgov.store.handle import open_store

    opened = open_store(
        database_url, blob_dir=tmp_path / "blobs", migrate=False, blob_backend="filesystem"
    )
    try:
        yield opened
    finally:
        opened.close()


def _broken(store: Any) -> Any:
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok, "verify should have found the tampering"
    return report.problem


def _log(store: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in store.anchor.log.read_text().splitlines()]


def test_every_commit_signs_the_head_with_a_key_outside_the_database(
    store: Any, populated: dict[str, Any]
) -> None:
    lines = _log(store)
    key, *checkpoints = lines
    assert key["kind"] == "key" and all(c["kind"] == "checkpoint" for c in checkpoints)
    # one checkpoint per commit that appended (the conversation's two entries: one commit)
    assert [c["seq"] for c in checkpoints] == [1, 2, 3, 4, 6]
    public = base64.b64decode(key["public_key"])
    for c in checkpoints:
        parsed = parse_line(canonical_json(c))
        assert isinstance(parsed, Checkpoint)
        assert verify_signature(public, parsed.message(), parsed.signature)
        assert (
            c["head"]
            == sql(store, "SELECT entry_hash FROM ledger WHERE seq = :s", s=c["seq"])[0][0]
        )
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert (report.checkpoint_seq, report.unanchored, report.notes) == (6, 0, ())
    assert report.store_id == key["store"] == svc.store_identity(store, actor=ACTOR).store_id
    key_file = store.anchor.key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    # the private key is in no table (only the public key's id is anywhere near the data)
    secret = key_file.read_text().splitlines()[1]
    assert not sql(store, "SELECT count(*) FROM ledger WHERE payload LIKE :k", k=f"%{secret}%")[0][
        0
    ]


def test_deleting_the_newest_entries_with_their_rows_is_caught(
    store: Any, populated: dict[str, Any]
) -> None:
    """The attack of issue 11: a whole import vanishes, rows and entries; the chain alone is
    still a valid chain."""
    uid = populated["conv"].record_uid
    sql(store, "DELETE FROM messages")
    sql(store, "DELETE FROM records WHERE uid = :u", u=uid)
    sql(store, "DELETE FROM ledger WHERE seq >= 5")
    problem = _broken(store)
    assert problem.check == "checkpoint" and problem.entry_seq == 5
    assert "entries 5 to 6 are missing" in problem.detail


def test_deleting_the_last_entry_alone_is_caught(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "DELETE FROM messages")
    sql(store, "DELETE FROM ledger WHERE seq = 6")
    problem = _broken(store)
    assert problem.check == "checkpoint"
    assert "entry 6 is missing" in problem.detail


def _rewrite(store: Any, seq: int, old: str, new: str) -> None:
    """Change entry ``seq``'s payload and recompute its hashes and every later one, as someone
    who knows the format would (the chain alone cannot tell)."""
    rows = sql(
        store,
        "SELECT seq, at, actor, kind, record_uid, payload, content_sha256, prev_hash, entry_hash "
        "FROM ledger WHERE seq >= :s ORDER BY seq",
        s=seq,
    )
    prev = sql(store, "SELECT entry_hash FROM ledger WHERE seq = :s", s=seq - 1)[0][0]
    sql(store, "UPDATE ledger SET entry_hash = 'x' || seq WHERE seq >= :s", s=seq)
    for s, at, actor, kind, record_uid, payload, content, _prev, _hash in rows:
        if s == seq:
            payload = payload.replace(old, new)
            content = sha256_hex(payload)
        digest = entry_hash(seq=s, at=at, actor=actor, kind=kind, record_uid=record_uid,
                            content_sha256=content, prev_hash=prev)  # fmt: skip
        sql(
            store,
            "UPDATE ledger SET payload = :p, content_sha256 = :c, prev_hash = :v, "
            "entry_hash = :h WHERE seq = :s",
            p=payload, c=content, v=prev, h=digest, s=s,
        )  # fmt: skip
        prev = digest


def test_rewriting_history_and_every_later_hash_is_caught(
    store: Any, populated: dict[str, Any]
) -> None:
    uid = populated["email"].uid
    _rewrite(store, 2, "budget email", "nothing to see")
    sql(store, "UPDATE records SET summary = 'nothing to see' WHERE uid = :u", u=uid)
    problem = _broken(store)
    assert problem.check == "checkpoint" and problem.entry_seq == 6
    assert "rewritten" in problem.detail


def test_a_forged_or_deleted_log_is_caught(store: Any, populated: dict[str, Any]) -> None:
    store_id = svc.store_identity(store, actor=ACTOR).store_id
    forged = Checkpoint(store_id, 99, "0" * 64, "2026-11-20T09:00:00.000000Z", b"\x01" * 64)
    with open(store.anchor.log, "a") as log:
        log.write(forged.line() + "\n")
    problem = _broken(store)
    assert problem.check == "checkpoint" and "forged" in problem.detail
    store.anchor.log.unlink()
    problem = _broken(store)
    assert problem.check == "checkpoint" and "missing" in problem.detail


def test_the_copy_still_holds_what_the_log_lost(
    database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """Someone holding the database and the log (not the copy on another volume) removes the
    last capture and the log's lines for it: the copy still catches it."""
    copy = tmp_path / "other-volume" / "checkpoints.log"
    monkeypatch.setenv("COMMSGOV_CHECKPOINT_COPY", str(copy))
    store = svc.open_store(database_url, blob_dir=tmp_path / "blobs", migrate=False)
    try:
        for i in range(3):
            draft = RecordDraft(method="email", occurred_at=T0, summary=f"capture {i}")
            svc.capture(store, draft, actor=ACTOR)
        assert copy.read_text() == store.anchor.log.read_text()
        sql(store, "DELETE FROM records WHERE id = (SELECT max(id) FROM records)")
        sql(store, "DELETE FROM ledger WHERE seq = 3")
        kept = [line for line in store.anchor.log.read_text().splitlines() if '"seq":3' not in line]
        store.anchor.log.write_text("\n".join(kept) + "\n")
        problem = _broken(store)
        assert problem.check == "checkpoint" and "entry 3 is missing" in problem.detail
    finally:
        store.close()


def test_a_store_made_before_signing_verifies_then_signs(
    store: Any, populated: dict[str, Any]
) -> None:
    """Existing stores had no key and no log: they still verify (with a note), and the next
    change creates the key and signs the head."""
    store.anchor.key_file.unlink()
    store.anchor.log.unlink()
    store.anchor._identity = None
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and report.checkpoint_seq is None
    assert any("not signed yet" in n for n in report.notes)
    svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="x"), actor=ACTOR)
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and report.checkpoint_seq == report.head_seq == 7 and not report.notes


def _spawn(store: Any, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store.anchor_writer",
            store.url,
            str(store.blobs.scratch),
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "COMMSGOV_BLOB_BACKEND": "filesystem"},  # as this module's store
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_writers_in_several_processes_keep_the_log_whole(store: Any) -> None:
    """Four processes capture at once into a fresh store: they agree on one key, no line of
    the log is torn or interleaved, every checkpoint verifies, and the latest is the head."""
    children = [_spawn(store, "captures", "12") for _ in range(4)]
    for child in children:
        _out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    lines = store.anchor.log.read_text().splitlines()
    parsed = [parse_line(line) for line in lines]
    assert None not in parsed
    checkpoints = [p for p in parsed if isinstance(p, Checkpoint)]
    assert len(checkpoints) == 48 and len({c.store for c in parsed if c is not None}) == 1
    assert sorted(c.seq for c in checkpoints) == list(range(1, 49))
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.checkpoint_seq == report.head_seq == 48


def test_a_killed_capture_leaves_a_temporary_file_the_next_writer_removes(
    store: Any, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as out:
        out.truncate(8 << 30)  # sparse: 8 GiB to read, nothing on disk
    child = _spawn(store, "attach", str(big))
    root = store.blobs.root
    for _ in range(3000):
        found = list(root.glob(".incoming-*")) if root.exists() else []
        if found and found[0].stat().st_size:
            break
        time.sleep(0.01)
    child.kill()
    child.communicate()
    (temp,) = list(root.glob(".incoming-*"))
    assert child.returncode != 0
    os.utime(temp, (1, 1))  # as if its writer had died long ago (a live one holds its lock)
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and report.temp_files == (str(temp),)
    svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="next"), actor=ACTOR)
    assert not temp.exists()
    assert svc.verify(store, actor=ACTOR).temp_files == ()


def test_a_live_writers_temporary_file_is_left_alone(store: Any) -> None:
    with store.blobs.temporary() as tmp:
        tmp.write(b"half a file")
        tmp.flush()
        os.utime(tmp.name, (1, 1))
        assert list(store.blobs.stale_temporary()) == []
        assert store.blobs.remove_stale_temporary() == []
        assert Path(tmp.name).exists()


def test_clean_removes_orphans_but_never_a_file_the_record_names(
    store: Any, populated: dict[str, Any]
) -> None:
    orphan = store.blobs.put_bytes(b"stored by an import that then failed")
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and report.orphan_blobs == (orphan.sha256,)
    # a file whose row a tamperer deleted is named by the ledger: never cleaned
    (named,) = sql(store, "SELECT sha256 FROM attachments")[0]
    dry = svc.clean_store(store, actor=ACTOR, dry_run=True)
    assert dry.orphans == (orphan.sha256,) and store.blobs.path(orphan.sha256).exists()
    done = svc.clean_store(store, actor=ACTOR)
    assert done.orphans == (orphan.sha256,) and done.orphan_bytes == orphan.size
    assert not store.blobs.path(orphan.sha256).exists()
    assert store.blobs.path(named).exists()
    assert svc.verify(store, actor=ACTOR).ok

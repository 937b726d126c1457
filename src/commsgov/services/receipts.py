"""Receipts: what a person keeps to check a record later, and the check."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import RecordRead
from commsgov.records.ledger import LedgerEntry, Receipt
from commsgov.records.models import record_hash
from commsgov.records.timestamps import utc_text
from commsgov.services import read_gate
from commsgov.services._support import clock
from commsgov.services.verification import verify
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store
from commsgov.store.repo import Visibility

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["check_receipt", "receipt"]


def receipt(store: Store, ref: str, *, actor: Actor, now: dt.datetime | None = None) -> Receipt:
    """A receipt for record ``ref`` (uid or unique prefix) against the current head (a read of
    the record: through the read gate, so only of a record ``actor`` may see)."""
    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordRead(ref, 0),
        run=lambda seen: _receipt(store, ref, seen, now),
        done=lambda made: RecordRead(made.record_uid, 0),
    )


def _receipt(
    store: Store, ref: str, visible_to: Visibility | None, now: dt.datetime | None
) -> Receipt:
    with store.read() as conn:
        found = repo.require_record(conn, ref=ref, visible_to=visible_to)
        record_id, uid = found
        state = repo.get_record_state(conn, record_id=record_id)
        entries = repo.entries_for_record(conn, uid=uid)
        head_seq, head_hash = repo.ledger_head(conn)
    last = entries[-1]
    return Receipt(
        record_uid=uid,
        record_sha256=record_hash(state),
        entry_seq=last.seq,
        entry_hash=last.entry_hash,
        head_seq=head_seq,
        head_hash=head_hash,
        issued_at=utc_text(clock(now)),
    )


#: the highest ledger position a database can hold (a 64-bit signed integer)
_MAX_SEQ = 2**63 - 1


def _position(data: dict[str, Any], name: str) -> int:
    """A ledger position of the receipt: a whole number from 1 up to what a database holds."""
    value = data[name]
    # a digit string is accepted (a receipt copied by hand); anything else names the field
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} is not a whole number")
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) < 30):
        raise ValueError(f"{name} {value[:40]!r} is not a whole number")
    number = int(value)
    if not 1 <= number <= _MAX_SEQ:
        raise ValueError(f"{name} {value} is not a ledger position (1 to {_MAX_SEQ})")
    return number


def check_receipt(store: Store, data: dict[str, Any], *, actor: Actor) -> list[str]:
    """Problems found checking a receipt against the store (empty: the receipt holds); a read
    of the record it is for (through the read gate: only of a record ``actor`` may see, or
    one disposed of)."""
    uid = str(data.get("record_uid")) if isinstance(data, dict) else "?"
    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordRead(uid[:64], 0),
        run=lambda seen: _check_receipt(store, data, actor, seen),
        done=lambda _problems: RecordRead(uid, 0),
    )


def _check_receipt(
    store: Store, data: dict[str, Any], actor: Actor, visible_to: Visibility | None
) -> list[str]:
    """Checks the entries the receipt names, the record's history, every file the record has
    (its attachments, its messages' files and the original files it came from, each rehashed),
    and that the store verifies (its other files are verify's to rehash)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InvalidFieldError("receipt", "not a commsgov receipt (not a JSON object)")
    try:
        uid = str(data["record_uid"])
        entry_seq, head_seq = _position(data, "entry_seq"), _position(data, "head_seq")
        want_record, want_entry, want_head = (
            str(data["record_sha256"]),
            str(data["entry_hash"]),
            str(data["head_hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidFieldError("receipt", f"not a commsgov receipt ({exc})") from exc
    for name, seq in (("entry_seq", entry_seq), ("head_seq", head_seq)):
        if not 0 <= seq < 1 << 63:  # (a ledger position: what the database can hold)
            raise InvalidFieldError(name, "not a position in the ledger")
    with store.read() as conn:
        if visible_to is not None and repo.resolve_record(conn, ref=uid) is not None:
            repo.require_record(conn, ref=uid, visible_to=visible_to)  # theirs, or not found
        entry = repo.get_entry(conn, seq=entry_seq)
        head = repo.get_entry(conn, seq=head_seq)
        history = [e for e in repo.entries_for_record(conn, uid=uid) if e.seq <= entry_seq]
        found = repo.resolve_record(conn, ref=uid)
        state_now = repo.get_record_state(conn, record_id=found[0]) if found else None
        current = record_hash(state_now) if state_now is not None else None
        files = _files_of(conn, uid, found[0]) if found else set()
    if entry is None or entry.entry_hash != want_entry:
        problems.append(f"ledger entry {entry_seq} is missing or no longer has the receipt's hash")
    if head is None or head.entry_hash != want_head:
        problems.append(f"ledger entry {head_seq} (the head then) no longer has the receipt's hash")
    state: dict[str, Any] = {}
    for e in history:
        payload = json.loads(e.payload)
        if e.kind == "record-captured" or payload.get("set"):
            state.update(payload.get("set") or {})
    if not history or record_hash(state) != want_record:
        problems.append("the ledger's history of the record does not give the receipt's hash")
    if current is None:
        problems.append("the record is no longer in the store (disposed of?)")
    elif current != want_record and not problems and not _entries_after(store, uid, entry_seq):
        problems.append("the record differs from the receipt and no later entry explains it")
    for digest in sorted(files):
        issue = store.blobs.check(digest)
        if issue is not None:
            problems.append(f"a file of the record is not as stored: {issue}")
    report = verify(store, actor=actor, check_blobs=False)
    if report.problem is not None:
        # (what broke may name other records: a staff member hears only that it broke)
        detail = f": {report.problem}" if visible_to is None else " (ask a records manager)"
        problems.append(f"the store does not verify{detail}")
    return problems


def _files_of(conn: Connection, uid: str, record_id: int) -> set[str]:
    """SHA-256 of every stored file of record ``uid``: its attachments, its messages' files
    (not references only) and the original files it came from."""
    state = repo.get_record_state(conn, record_id=record_id)
    files = {a["sha256"] for a in state.get("attachments", []) if a.get("sha256")}
    files |= repo.source_hashes(conn, uid=uid)
    files |= {str(x["sha256"]) for x in repo.file_links(conn, uid=uid) if x.get("sha256")}
    return files | rr.message_files(conn, record_id=record_id)


def _entries_after(store: Store, uid: str, seq: int) -> list[LedgerEntry]:
    """Ledger entries about record ``uid`` after position ``seq`` (later corrections)."""
    with store.read() as conn:
        return [e for e in repo.entries_for_record(conn, uid=uid) if e.seq > seq]

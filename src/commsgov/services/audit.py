"""The audit trail as a service: append events, search, export (CSV, JSON), verify the chain.

Every append runs inside a write transaction under the audit lock (``BEGIN IMMEDIATE`` on SQLite,
an advisory lock on PostgreSQL), so any number of workers keep one linear chain. Reading the
trail (search, export, verify) is itself an audit event.

Three kinds of writer feed it (see :mod:`commsgov.accounts.events`): the accounts' services
(sign-ins, refusals, user and token changes) with :func:`append` or :func:`record`; every ledger
entry, noted by :func:`note_ledger` in the transaction that appends it (so the ledger and the
trail never disagree); and every read of the record, through
:mod:`commsgov.services.read_gate`, with :func:`record_item`. Reads are many and concurrent:
:func:`record_item` commits them in groups (one short write transaction for the reads of every
thread waiting at that moment), and returns once its entry is committed, so a read is never
served unrecorded and SQLite's write lock is held for one insert of many rows.

Public API::

    append(conn, events, *, actor, now=None) -> list[AuditEntry]   (inside the caller's write)
    note_ledger(conn, made, *, actor, now=None) -> list[AuditEntry] (inside the ledger's write)
    record(db, event, *, actor, now=None) -> AuditEntry              (its own transaction)
    record_item(db, item, *, actor, now=None) -> AuditEntry          (grouped with others)
    search(db, filters, *, actor, limit=100, now=None) -> list[AuditEntry]
    export(db, filters, *, fmt, actor, now=None) -> str              (csv or json)
    verify(db, *, actor, now=None) -> AuditReport
    check(conn) -> AuditReport                                       (no entry; verify's part)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from commsgov.accounts.actor import Actor
from commsgov.accounts.chain import (
    OUTCOMES,
    AuditBreak,
    AuditEntry,
    AuditItem,
    audit_item,
    check_chain,
    ledger_item,
    make_audit_entry,
)
from commsgov.accounts.events import (
    AUDIT_ACTIONS,
    AuditEvent,
    AuditExported,
    AuditSearched,
    AuditVerified,
)
from commsgov.records.errors import InvalidFieldError
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock
from commsgov.store import repo_accounts as repo

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.records.events import Event
    from commsgov.records.ledger import LedgerEntry

__all__ = [
    "AuditFilter",
    "AuditReport",
    "Database",
    "append",
    "check",
    "export",
    "note_ledger",
    "parse_filter",
    "record",
    "record_item",
    "search",
    "verify",
]

#: the columns of an exported entry, in order
EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "source",
    "address",
    "user_agent",
    "action",
    "target",
    "outcome",
    "details",
    "prev_hash",
    "entry_hash",
)


class Database(Protocol):
    """What the account and audit services need of an open store (``Store`` provides it)."""

    def read(self) -> AbstractContextManager[Connection]:
        """A read-only transaction."""
        ...

    def write(self) -> AbstractContextManager[Connection]:
        """A write transaction."""
        ...


#: an entry to append: what, by whom, when
_Pending = tuple[AuditItem, Actor, dt.datetime]


def _append_items(conn: Connection, items: Sequence[_Pending]) -> list[AuditEntry]:
    """Chain and store ``items`` after the head, under the audit lock (the caller's write)."""
    repo.lock_audit(conn)
    seq, prev = repo.audit_head(conn)
    entries = []
    for item, actor, at in items:
        seq += 1
        entry = make_audit_entry(item, actor=actor, seq=seq, prev_hash=prev, at=at)
        entries.append(entry)
        prev = entry.entry_hash
    repo.insert_audit(conn, entries)
    return entries


def append(
    conn: Connection, events: Sequence[AuditEvent], *, actor: Actor, now: dt.datetime | None = None
) -> list[AuditEntry]:
    """Append events to the audit chain inside the caller's write transaction."""
    at = clock(now)
    return _append_items(conn, [(audit_item(e), actor, at) for e in events])


def note_ledger(
    conn: Connection,
    made: Sequence[tuple[Event, LedgerEntry]],
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> list[AuditEntry]:
    """Note ledger entries just appended (each with its event) in the trail, in the same
    transaction: the ledger's writers call this (:func:`commsgov.services.append_events`)."""
    at = clock(now)
    return _append_items(conn, [(ledger_item(event, entry), actor, at) for event, entry in made])


def record(
    db: Database, event: AuditEvent, *, actor: Actor, now: dt.datetime | None = None
) -> AuditEntry:
    """Append one event in a transaction of its own."""
    with db.write() as conn:
        return append(conn, [event], actor=actor, now=now)[0]


class _Slot:
    """One caller's entry waiting in a group commit, and what became of it."""

    __slots__ = ("done", "entry", "error", "pending")

    def __init__(self, pending: _Pending) -> None:
        self.pending = pending
        self.done = False
        self.entry: AuditEntry | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Appends entries for concurrent callers of one store in shared transactions.

    A caller adds its entry and waits; when no write is under way, the first waiting caller
    writes every entry then waiting in one transaction, and wakes the others. So twenty threads
    reading at once cost one short write, not twenty, and each returns only once its own entry
    is committed (or with the error that stopped the write).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cond = threading.Condition()
        self._waiting: list[_Slot] = []
        self._writing = False

    def append(self, pending: _Pending) -> AuditEntry:
        """Append one entry (grouped with those of other threads); it once committed."""
        slot = _Slot(pending)
        with self._cond:
            self._waiting.append(slot)
            while not slot.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                batch, self._waiting = self._waiting, []
                self._cond.release()
                try:
                    self._write(batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if slot.error is not None:
            raise slot.error
        assert slot.entry is not None
        return slot.entry

    def _write(self, batch: list[_Slot]) -> None:
        try:
            with self._db.write() as conn:
                entries = _append_items(conn, [s.pending for s in batch])
        except BaseException as exc:  # every waiter hears why (the store is down, ...)
            for slot in batch:
                slot.error, slot.done = exc, True
            return
        for slot, entry in zip(batch, entries, strict=True):
            slot.entry, slot.done = entry, True


_GROUP_LOCK = threading.Lock()


def _group(db: Database) -> GroupCommit:
    """The group commit of ``db`` (one per open store, kept on it)."""
    with _GROUP_LOCK:
        group = getattr(db, "audit_group", None)
        if not isinstance(group, GroupCommit):
            group = GroupCommit(db)
            setattr(db, "audit_group", group)  # noqa: B010 (Database is a protocol)
        return group


def record_item(
    db: Database, item: AuditItem, *, actor: Actor, now: dt.datetime | None = None
) -> AuditEntry:
    """Append one entry, committed with those other threads append at the same moment (see
    :class:`GroupCommit`); returns once it is committed."""
    return _group(db).append((item, actor, clock(now)))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to find: each given field must match (``target`` ending ``*``: a prefix;
    ``until`` is exclusive)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("actor", "action", "target", "outcome"):
            value = getattr(self, name)
            if value is not None and ("\x00" in value or len(value) > 400):
                raise InvalidFieldError(name, "must be text of at most 400 characters")
        if self.action is not None and self.action not in AUDIT_ACTIONS:
            known = ", ".join(sorted(AUDIT_ACTIONS))
            raise InvalidFieldError("action", f"unknown action {self.action!r} (known: {known})")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise InvalidFieldError("outcome", "must be ok, failed or refused")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidFieldError(name, "must have a time zone")
        if self.since and self.until and self.until <= self.since:
            raise InvalidFieldError("until", "must be after since")

    def to_dict(self) -> dict[str, Any]:
        """The filters given (for the audit event that records the search)."""
        found: dict[str, Any] = {}
        for name in ("actor", "action", "target", "outcome"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                found[name] = utc_text(value)
        return found

    def _query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        for name in ("actor", "action", "target", "outcome"):
            query[name] = getattr(self, name)
        query["since"] = utc_text(self.since) if self.since else None
        query["until"] = utc_text(self.until) if self.until else None
        return query


def parse_filter(
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
    zone: str = "Europe/London",
) -> AuditFilter:
    """A filter from text as the shells get it: ``since``/``until`` are ISO 8601 dates or
    date-times, read in ``zone`` when they carry no offset."""
    from commsgov.records.timestamps import parse_when

    return AuditFilter(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        since=parse_when(since, default_zone=zone, field="since") if since else None,
        until=parse_when(until, default_zone=zone, field="until") if until else None,
    )


def search(
    db: Database,
    filters: AuditFilter,
    *,
    actor: Actor,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` entries matching ``filters``; the search itself is recorded."""
    if not 1 <= limit <= 10_000:
        raise InvalidFieldError("limit", "must be between 1 and 10000")
    with db.read() as conn:
        entries = repo.search_audit(conn, **filters._query(), limit=limit)
    record(db, AuditSearched(filters.to_dict(), len(entries)), actor=actor, now=now)
    return entries


def export(
    db: Database,
    filters: AuditFilter,
    *,
    fmt: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> str:
    """Every entry matching ``filters``, oldest first, as ``csv`` or ``json`` text (``details``
    exactly as hashed, so each ``entry_hash`` can be recomputed from the export)."""
    if fmt not in {"csv", "json"}:
        raise InvalidFieldError("format", "must be csv or json")
    with db.read() as conn:
        entries = repo.search_audit(conn, **filters._query(), newest_first=False)
    record(db, AuditExported(filters.to_dict(), fmt, len(entries)), actor=actor, now=now)
    if fmt == "json":
        data = {
            "filters": filters.to_dict(),
            "count": len(entries),
            "entries": [e.to_dict() for e in entries],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        row = entry.to_dict()
        writer.writerow(["" if row[c] is None else row[c] for c in EXPORT_COLUMNS])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of recomputing the audit chain: ``ok``, entries checked, the head, or the
    first ``problem`` (and the ``seq`` of the entry where it is)."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str | None
    problem: str | None = None
    problem_seq: int | None = None


def check(conn: Connection) -> AuditReport:
    """Recompute every link of the audit chain in the caller's read transaction, and check that
    the trail notes every ledger entry since it began noting them, each with its hash (so
    entries cut from the end of the trail are missed too, as long as they noted a change).
    ``commsgov verify`` runs this beside the ledger's checks; nothing is recorded."""
    from commsgov.records.events import EVENT_KINDS
    from commsgov.store import repo as ledger_repo

    noted: dict[int, tuple[int, str]] = {}  # ledger seq -> (audit seq, ledger entry hash)
    # the ledger's head first: every entry up to it was noted in its own transaction, so the
    # trail read next holds its note even where each statement sees a newer snapshot
    ledger_head = ledger_repo.ledger_head(conn)[0]

    def entries() -> Iterator[AuditEntry]:
        for entry in repo.iter_audit(conn):
            cls = EVENT_KINDS.get(entry.action)
            if cls is not None and cls.chain == "ledger" and entry.outcome == "ok":
                details = json.loads(entry.details)
                noted[int(details["ledger_seq"])] = (entry.seq, str(details["entry_hash"]))
            yield entry

    checked, found = check_chain(entries())
    head_seq, head_hash = repo.audit_head(conn)
    if found is None and noted:
        for ledger_entry in ledger_repo.iter_ledger(conn, after=min(noted) - 1):
            if ledger_entry.seq > ledger_head:
                break
            note = noted.get(ledger_entry.seq)
            if note is None:
                found = AuditBreak(
                    head_seq, f"ledger entry {ledger_entry.seq} is not noted in the audit trail "
                    "(its audit entry deleted?)",
                )  # fmt: skip
                break
            if note[1] != ledger_entry.entry_hash:
                found = AuditBreak(
                    note[0], f"entry {note[0]}: the ledger entry {ledger_entry.seq} it notes "
                    "has another hash now",
                )  # fmt: skip
                break
    return AuditReport(
        ok=found is None,
        entries=checked,
        head_seq=head_seq,
        head_hash=head_hash if head_seq else None,
        problem=None if found is None else found.problem,
        problem_seq=None if found is None else found.seq,
    )


def verify(db: Database, *, actor: Actor, now: dt.datetime | None = None) -> AuditReport:
    """Recompute every link of the audit chain (the verification is then recorded)."""
    with db.read() as conn:
        report = check(conn)
    record(db, AuditVerified(report.entries, report.ok, report.problem), actor=actor, now=now)
    return report

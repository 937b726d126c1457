"""The audit trail as a service: append events, search, export (CSV, JSON), verify the chain.

Every append runs inside a write transaction under the audit lock (``BEGIN IMMEDIATE`` on SQLite,
an advisory lock on PostgreSQL), so any number of workers keep one linear chain. Reading the
trail (search, export, verify) is itself an audit event.

Public API::

    append(conn, events, *, actor, now=None) -> list[AuditEntry]   (inside the caller's write)
    record(db, event, *, actor, now=None) -> AuditEntry              (its own transaction)
    search(db, filters, *, actor, limit=100, now=None) -> list[AuditEntry]
    export(db, filters, *, fmt, actor, now=None) -> str              (csv or json)
    verify(db, *, actor, now=None) -> AuditReport
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from commsgov.accounts.actor import Actor
from commsgov.accounts.chain import AuditEntry, check_chain, make_audit_entry
from commsgov.accounts.events import (
    AUDIT_EVENTS,
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

__all__ = [
    "AuditFilter",
    "AuditReport",
    "Database",
    "append",
    "export",
    "parse_filter",
    "record",
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


def append(
    conn: Connection, events: Sequence[AuditEvent], *, actor: Actor, now: dt.datetime | None = None
) -> list[AuditEntry]:
    """Append events to the audit chain inside the caller's write transaction."""
    repo.lock_audit(conn)
    seq, prev = repo.audit_head(conn)
    at = clock(now)
    entries = []
    for event in events:
        seq += 1
        entry = make_audit_entry(event, actor=actor, seq=seq, prev_hash=prev, at=at)
        entries.append(entry)
        prev = entry.entry_hash
    repo.insert_audit(conn, entries)
    return entries


def record(
    db: Database, event: AuditEvent, *, actor: Actor, now: dt.datetime | None = None
) -> AuditEntry:
    """Append one event in a transaction of its own."""
    with db.write() as conn:
        return append(conn, [event], actor=actor, now=now)[0]


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
        if self.action is not None and self.action not in AUDIT_EVENTS:
            known = ", ".join(sorted(AUDIT_EVENTS))
            raise InvalidFieldError("action", f"unknown action {self.action!r} (known: {known})")
        if self.outcome is not None and self.outcome not in {"ok", "failed", "refused"}:
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


def verify(db: Database, *, actor: Actor, now: dt.datetime | None = None) -> AuditReport:
    """Recompute every link of the audit chain (the verification is then recorded)."""
    with db.read() as conn:
        checked, found = check_chain(repo.iter_audit(conn))
        head_seq, head_hash = repo.audit_head(conn)
    report = AuditReport(
        ok=found is None,
        entries=checked,
        head_seq=head_seq,
        head_hash=head_hash if head_seq else None,
        problem=None if found is None else found.problem,
        problem_seq=None if found is None else found.seq,
    )
    record(db, AuditVerified(checked, report.ok, report.problem), actor=actor, now=now)
    return report

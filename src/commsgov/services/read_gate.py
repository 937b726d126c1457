"""The one place every read of the record passes through.

Each read service (``get_record``, ``list_records``, ``search_records``, ``exceptions``,
``read_file``, ``export_records``) runs its read through :func:`read`, which builds the read's
event (:mod:`commsgov.records.events.reads`; an export is its ``records-exported`` event) with
who read, from where, when and the outcome, and hands it to the store's audit sinks. A read
that fails (a record not found, bad input, later a permission refused) is an entry too, with
its outcome, and the error goes on to the caller.

Accounts and the tamper-evident audit trail (its own hash chain in the store) come with the
HTTP API; they plug in here: a sink that appends the entry to the trail, and the permission
check before ``run``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from commsgov import errors
from commsgov.accounts.actor import Actor
from commsgov.records.events import ReadEvent, RecordsExported
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock
from commsgov.store.handle import Store

__all__ = ["AuditEntry", "AuditEvent", "read"]

#: what an audit entry records: a read event, or an export (also on the ledger)
AuditEvent = ReadEvent | RecordsExported

T = TypeVar("T")

#: the outcome of a read that failed, by the error's category
_OUTCOMES: tuple[tuple[type[errors.CommsgovError], str], ...] = (
    (errors.InvalidInput, "invalid-input"),
    (errors.NotFound, "not-found"),
    (errors.PermissionDenied, "permission-denied"),
    (errors.Unauthenticated, "unauthenticated"),
    (errors.IntegrityError, "integrity-error"),
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A read of the record: what (the event), who and from where (the actor), when, and the
    outcome (``ok``, or why it failed: ``not-found``, ``invalid-input``, ...)."""

    event: AuditEvent
    actor: Actor
    at: str
    outcome: str


def _outcome(exc: BaseException) -> str:
    for category, name in _OUTCOMES:
        if isinstance(exc, category):
            return name
    return "failed"


def read(
    store: Store,
    *,
    actor: Actor,
    attempt: AuditEvent,
    run: Callable[[], T],
    done: Callable[[T], AuditEvent],
    now: dt.datetime | None = None,
) -> T:
    """Run one read of the record for ``actor`` and record it: ``done(result)`` is the event of
    a read that succeeded, ``attempt`` the event of one that failed."""
    try:
        result = run()
    except Exception as exc:
        _emit(store, AuditEntry(attempt, actor, utc_text(clock(now)), _outcome(exc)))
        raise
    _emit(store, AuditEntry(done(result), actor, utc_text(clock(now)), "ok"))
    return result


def _emit(store: Store, entry: AuditEntry) -> None:
    for sink in store.audit_sinks:
        sink(entry)

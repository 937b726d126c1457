"""The one place every read of the record passes through (the read gate).

Each read service (``get_record``, ``list_records``, ``search_records``, ``exceptions``,
``read_file``, ``export_records``) runs its read through :func:`read`, which builds the read's
event (:mod:`commsgov.records.events.reads`; an export is its ``records-exported`` event) with
who read, from where, when and the outcome, and hands it as a :class:`ReadEntry` to the store's
audit sinks. A read that fails (a record not found, bad input, later a permission refused) is
an entry too, with its outcome, and the error goes on to the caller.

Not to be confused with :mod:`commsgov.services.audit`, the hash-chained audit trail of
sign-ins, refusals, account changes and reads of the trail itself. The two are not connected
yet (issue 13, part 2): the trail is to become a sink here, and the permission check (who may
see which records, filtered in SQL) is to run before ``run``. That needs one registry for the
read kinds and the trail's kinds (the trail's events carry their outcome in the class; a read's
outcome varies), and a read nested in another (an export reads every record it exports) to be
one audit entry rather than one write under the audit lock per record.
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

__all__ = ["ReadEntry", "ReadOrExport", "read"]

#: what a read entry records: a read event, or an export (also on the ledger)
ReadOrExport = ReadEvent | RecordsExported

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReadEntry:
    """A read of the record: what (the event), who and from where (the actor), when, and the
    outcome (``ok``, or why it failed: the error's code, ``not-found``, ``invalid-input``, ...)."""

    event: ReadOrExport
    actor: Actor
    at: str
    outcome: str


def _outcome(exc: BaseException) -> str:
    """Why a read failed: the error's code (``not-found``, ``invalid-input``, ``forbidden``, ...),
    or ``failed`` for an error outside the tree."""
    return exc.code if isinstance(exc, errors.CommsgovError) else "failed"


def read(
    store: Store,
    *,
    actor: Actor,
    attempt: ReadOrExport,
    run: Callable[[], T],
    done: Callable[[T], ReadOrExport],
    now: dt.datetime | None = None,
) -> T:
    """Run one read of the record for ``actor`` and record it: ``done(result)`` is the event of
    a read that succeeded, ``attempt`` the event of one that failed."""
    try:
        result = run()
    except Exception as exc:
        _emit(store, ReadEntry(attempt, actor, utc_text(clock(now)), _outcome(exc)))
        raise
    _emit(store, ReadEntry(done(result), actor, utc_text(clock(now)), "ok"))
    return result


def _emit(store: Store, entry: ReadEntry) -> None:
    for sink in store.audit_sinks:
        sink(entry)

"""The one place every read of the record passes through (the read gate).

Each read service (``get_record``, ``list_records``, ``search_records``, ``exceptions``,
``read_file``, ``export_records``, ``receipt``) runs its read through :func:`read`, which

1. decides what the actor may see (:func:`scope`): everything (records managers, auditors, and
   whoever runs the command line on the store), only their own records (staff: those they
   captured or took part in; the services filter inside the query), or nothing (an admin
   without a records role: refused, and recorded);
2. runs the read;
3. appends its event to the hash-chained audit trail (:mod:`commsgov.services.audit`) with who
   read, from where, when and the outcome: ``ok``, ``failed`` (not found, bad input) or
   ``refused``, with the error's code. The entry is committed before the result is handed back
   (reads of concurrent threads share one write: :func:`commsgov.services.audit.record_item`).

A read made inside another read (the records an export gathers, a receipt's record) is part of
the outer one: one entry for the whole, naming what it gave, never one locked write per record.
An export succeeds by appending its ``records-exported`` ledger entry, which the trail notes in
that transaction; only a failed export is recorded here. The store's ``audit_sinks`` (tests, a
log shipper) receive every entry as a :class:`ReadEntry` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from commsgov import errors
from commsgov.accounts.actor import Actor
from commsgov.accounts.chain import audit_item
from commsgov.accounts.errors import PermissionRefused
from commsgov.accounts.roles import record_access
from commsgov.records.events import ReadEvent, RecordsExported
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock
from commsgov.store.handle import Store
from commsgov.store.repo import Visibility

__all__ = ["ReadEntry", "ReadOrExport", "part_of_change", "read", "scope"]

#: what a read entry records: a read event, or an export (also on the ledger)
ReadOrExport = ReadEvent | RecordsExported

T = TypeVar("T")

#: whether this thread (or task) is inside a read already
_INSIDE: ContextVar[bool] = ContextVar("commsgov_read_gate_inside", default=False)


@dataclass(frozen=True, slots=True)
class ReadEntry:
    """A read of the record: what (the event), who and from where (the actor), when, and the
    outcome (``ok``, or why it failed: the error's code, ``not-found``, ``invalid-input``, ...)."""

    event: ReadOrExport
    actor: Actor
    at: str
    outcome: str


def scope(actor: Actor) -> Visibility | None:
    """Which records ``actor`` may read: ``None`` for every record, else a :class:`Visibility`
    naming whose (their captures and the records their identities took part in). An actor who
    may read none is refused (:class:`~commsgov.accounts.errors.PermissionRefused`).

    Someone at the command line (or commsgov itself) reads everything: they hold the store.

    >>> scope(Actor.cli("ann")) is None
    True
    >>> scope(Actor.http("ann", address=None, user_agent=None, user_id=7, roles=["staff"]))
    Visibility(username='ann', user_id=7)
    """
    if actor.user_id is None:
        return None
    access = record_access(actor.roles)
    if access == "all":
        return None
    if access == "own":
        return Visibility(username=actor.name, user_id=actor.user_id)
    raise PermissionRefused("records.read", "your roles do not allow reading the record")


def _outcome(exc: BaseException) -> tuple[str, str]:
    """How a read failed: ``refused`` or ``failed``, and the error's code (``not-found``,
    ``invalid-input``, ...; ``failed`` for an error outside the tree)."""
    if isinstance(exc, errors.PermissionDenied):
        return "refused", exc.code
    return "failed", exc.code if isinstance(exc, errors.CommsgovError) else "failed"


def read(
    store: Store,
    *,
    actor: Actor,
    attempt: ReadOrExport,
    run: Callable[[Visibility | None], T],
    done: Callable[[T], ReadOrExport],
    now: dt.datetime | None = None,
) -> T:
    """Run one read of the record for ``actor`` and record it: ``run(visibility)`` reads what
    the actor may see (see :func:`scope`); ``done(result)`` is the event of a read that
    succeeded, ``attempt`` the event of one that failed."""
    if _INSIDE.get():
        return run(scope(actor))  # part of the read under way, which records the whole
    token = _INSIDE.set(True)
    try:
        result = run(scope(actor))
    except Exception as exc:
        outcome, code = _outcome(exc)
        _emit(store, attempt, actor, now, outcome, code)
        raise
    finally:
        _INSIDE.reset(token)
    event = done(result)
    if event.chain == "audit":  # (an export's ledger entry is noted in the trail already)
        _emit(store, event, actor, now, "ok", None)
    else:
        _sinks(store, ReadEntry(event, actor, utc_text(clock(now)), "ok"))
    return result


@contextmanager
def part_of_change() -> Iterator[None]:
    """Reads made inside (a transfer gathering its records) belong to a change whose ledger
    entry names what it read: they apply the reader's visibility but make no entries."""
    token = _INSIDE.set(True)
    try:
        yield
    finally:
        _INSIDE.reset(token)


def _emit(
    store: Store, event: Any, actor: Actor, now: dt.datetime | None, outcome: str,
    code: str | None,
) -> None:  # fmt: skip
    from commsgov.services import audit

    at = clock(now)
    audit.record_item(store, audit_item(event, outcome=outcome, error=code), actor=actor, now=at)
    _sinks(store, ReadEntry(event, actor, utc_text(at), "ok" if code is None else code))


def _sinks(store: Store, entry: ReadEntry) -> None:
    for sink in store.audit_sinks:
        sink(entry)

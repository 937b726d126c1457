"""The ledger as a service: the one place events join the hash chain (and are noted in the
audit trail, in the same transaction: :func:`commsgov.services.audit.note_ledger`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from commsgov.accounts.actor import Actor
from commsgov.records.events import Event
from commsgov.records.ledger import LedgerEntry, make_entry
from commsgov.services._support import clock
from commsgov.store import repo

if TYPE_CHECKING:
    from sqlalchemy import Connection


__all__ = ["append_events"]


def append_events(
    conn: Connection, events: Sequence[Event], *, actor: Actor, now: dt.datetime | None = None
) -> list[LedgerEntry]:
    """Append events to the chain inside the caller's write transaction; the new entries name
    ``actor``, and the audit trail notes each (who, from where, its position and hash)."""
    from commsgov.services.audit import note_ledger

    repo.lock_ledger(conn)
    seq, prev = repo.ledger_head(conn)
    at = clock(now)
    entries = []
    for event in events:
        seq += 1
        entry = make_entry(event, seq=seq, prev_hash=prev, actor=actor.name, at=at)
        entries.append(entry)
        prev = entry.entry_hash
    repo.insert_entries(conn, entries)
    note_ledger(conn, list(zip(events, entries, strict=True)), actor=actor, now=at)
    return entries

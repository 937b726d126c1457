"""A record deleted with a ``record-disposed`` ledger entry and nothing else: no hold checked, no
review, no certificate or stub. No service does this (disposal goes through
:func:`commsgov.services.dispose`); tests use it to make the state such a deletion leaves."""

from __future__ import annotations

import datetime as dt

from commsgov.accounts.actor import Actor
from commsgov.records.events import RecordDisposed
from commsgov.services.ledger import append_events
from commsgov.store import repo
from commsgov.store.handle import Store


def delete_on_the_ledger(
    store: Store, *, uid: str, reason: str, actor: Actor, now: dt.datetime | None = None
) -> int:
    """Delete record ``uid`` and its messages, with a ledger entry saying so; its seq."""
    with store.write() as conn:
        found = repo.require_record(conn, ref=uid)
        (entry,) = append_events(
            conn, [RecordDisposed(found[1], "delete", reason)], actor=actor, now=now
        )
        repo.delete_record(conn, uid=found[1])
    return entry.seq

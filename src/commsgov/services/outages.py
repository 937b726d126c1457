"""Outages and time-bound exemptions: declared, ended and listed, each change on the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import (
    OutageEnded,
    OutageStarted,
)
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock, new_uid
from commsgov.services.ledger import append_events
from commsgov.store import repo
from commsgov.store.handle import Store

__all__ = ["Outage", "end_outage", "list_outages", "start_outage"]


@dataclass(frozen=True, slots=True)
class Outage:
    """A declared outage or time-bound exemption (``kind``), with who declared and ended it.

    While one covers a capture's time, an MMA or personal device is not a policy exception.
    """

    uid: str
    kind: str
    reason: str
    started_at_utc: str
    declared_at_utc: str
    declared_by: str
    ended_at_utc: str | None
    ended_by: str | None


def start_outage(
    store: Store,
    *,
    reason: str,
    kind: str = "outage",
    started_at: dt.datetime | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Outage:
    """Declare an outage (or an exemption) from ``started_at`` (default now); its state.

    An outage is declared when it has happened: a start after ``now`` is refused (it would
    excuse captures that have not happened yet)."""
    if not reason or not reason.strip():
        raise InvalidFieldError("reason", "say why (e.g. 'SCOTS network down: cyber-attack')")
    if kind not in ("outage", "exemption"):
        raise InvalidFieldError("kind", f"{kind!r} is not 'outage' or 'exemption'")
    now = clock(now)
    start = started_at or now
    if start.tzinfo is None:
        raise InvalidFieldError("at", "the time must be timezone-aware")
    if start > now:
        raise InvalidFieldError(
            "at",
            f"{utc_text(start)} is in the future (now {utc_text(now)}): declare an outage "
            "once it has started",
        )
    outage = Outage(
        uid=new_uid(),
        kind=kind,
        reason=reason.strip(),
        started_at_utc=utc_text(start),
        declared_at_utc=utc_text(now),
        declared_by=actor.name,
        ended_at_utc=None,
        ended_by=None,
    )
    state = dataclasses.asdict(outage)  # the ledger holds the outage's full state
    with store.write() as conn:
        append_events(conn, [OutageStarted(state)], actor=actor, now=now)
        repo.insert_outage(conn, state=state)
    return outage


def end_outage(
    store: Store,
    *,
    uid: str | None = None,
    ended_at: dt.datetime | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Outage:
    """End an open outage (the only open one when ``uid`` is not given); its new state."""
    now = clock(now)
    end = ended_at or now
    with store.write() as conn:
        open_ = repo.list_outages(conn, open_only=True)
        if uid is not None:
            open_ = [o for o in open_ if o["uid"] == uid or o["uid"].startswith(uid)]
        if not open_:
            raise NotFoundError("no open outage" + (f" {uid!r}" if uid else ""))
        if len(open_) > 1:
            raise InvalidFieldError(
                "outage",
                "several outages are open; name one: " + ", ".join(o["uid"] for o in open_),
            )
        outage = open_[0]
        end_text = utc_text(end)
        if end_text < outage["started_at_utc"]:
            raise InvalidFieldError("at", "an outage cannot end before it started")
        append_events(
            conn, [OutageEnded(outage["uid"], end_text, actor.name)], actor=actor, now=now
        )
        repo.end_outage(conn, uid=outage["uid"], ended_at_utc=end_text, ended_by=actor.name)
    return Outage(**{**outage, "ended_at_utc": end_text, "ended_by": actor.name})


def list_outages(store: Store, *, actor: Actor) -> list[Outage]:
    """Every declared outage and exemption, newest first."""
    with store.read() as conn:
        return [Outage(**row) for row in repo.list_outages(conn)]

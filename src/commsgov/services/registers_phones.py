"""The register of corporate phone requests: who asked for a SCOTS-enabled corporate phone, in
what role and why, and the decision of their budget centre liaison officer (BCLO), who must
approve any request: pending, approved or refused, by whom and when."""

from __future__ import annotations

import datetime as dt

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import PhoneRequestDecided, PhoneRequested
from commsgov.registers.errors import RegisterConflict
from commsgov.registers.model import DECISIONS, PhoneRequest, parse_day
from commsgov.services._support import clock
from commsgov.services.ledger import append_events
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

from .registers import add, day_of, new_entry, require

__all__ = ["decide_phone_request", "get_phone_request", "list_phone_requests", "request_phone"]


def request_phone(
    store: Store,
    *,
    requester: str,
    role: str,
    reason: str,
    requested_on: dt.date | str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> PhoneRequest:
    """Record a request for a corporate phone (``requested_on``: default today), pending the
    budget centre liaison officer's decision."""
    now = clock(now)
    today = day_of(None, now=now).isoformat()
    day = parse_day(requested_on, "requested_on", required=False) or today
    if day > today:
        raise InvalidFieldError("requested_on", f"{day} is in the future")
    entry = new_entry(
        PhoneRequest, actor=actor, now=now, requester=requester, role=role, reason=reason,
        requested_on=day, status="pending", decided_by=None, decided_on=None, decision_note=None,
    )  # fmt: skip
    add(store, entry, PhoneRequested(entry), actor=actor, now=now)
    return entry


def decide_phone_request(
    store: Store,
    *,
    ref: str,
    decision: str,
    decided_by: str | None = None,
    decided_on: dt.date | str | None = None,
    note: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> PhoneRequest:
    """Record the budget centre liaison officer's decision on request ``ref``: ``approved`` or
    ``refused``, by ``decided_by`` (default: whoever records it) on ``decided_on`` (default
    today). A request is decided once."""
    if decision not in ("approved", "refused"):
        raise InvalidFieldError("decision", f"{decision!r} is not approved or refused")
    now = clock(now)
    today = day_of(None, now=now).isoformat()
    day = parse_day(decided_on, "decided_on", required=False) or today
    if day > today:
        raise InvalidFieldError("decided_on", f"{day} is in the future")
    with store.write() as conn:
        entry = require(conn, PhoneRequest, ref)
        if entry.status != "pending":
            raise RegisterConflict(
                f"the request was {entry.status} by {entry.decided_by} on {entry.decided_on}"
            )
        new = PhoneRequest.of(
            {**entry.state(), "status": decision, "decided_by": decided_by or actor.name,
             "decided_on": day, "decision_note": note}
        ).check()  # fmt: skip
        event = PhoneRequestDecided(
            entry.uid, new.status, str(new.decided_by), str(new.decided_on), new.decision_note
        )
        append_events(conn, [event], actor=actor, now=now)
        rr.update_entry(
            conn, register=PhoneRequest.register, uid=entry.uid, changes=event.changes_set()
        )
    return new


def list_phone_requests(
    store: Store, *, actor: Actor, status: str | None = None
) -> list[PhoneRequest]:
    """Every corporate phone request (only those with ``status``, if given), newest first."""
    if status is not None and status not in DECISIONS:
        raise InvalidFieldError("status", f"{status!r} is not one of {', '.join(DECISIONS)}")
    with store.read() as conn:
        rows = rr.list_entries(conn, register=PhoneRequest.register)
    found = [PhoneRequest.of(s) for s in rows if status is None or s["status"] == status]
    return sorted(found, key=lambda r: (r.requested_on, r.recorded_at_utc), reverse=True)


def get_phone_request(store: Store, *, ref: str, actor: Actor) -> PhoneRequest:
    """One corporate phone request by id (or an unambiguous start of it)."""
    with store.read() as conn:
        return require(conn, PhoneRequest, ref)

"""The governance registers' shared machinery: the day a judgement is made on, adding an entry
and changing one (each a ledger event in the same transaction as its row), and the reminders a
scheduled job prints (:func:`reminders`).

Each register has its own module: ``registers_exemptions`` (transition exemptions and the
report of ended ones still in use), ``registers_organisations`` (federated organisations and
guests), ``registers_groups`` (personal-device groups), ``registers_phones`` (corporate phone
requests); ``registers_advice`` gives the advisor's answers with what the registers know.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from commsgov.accounts.actor import Actor
from commsgov.records.errors import NotFoundError
from commsgov.records.events import Event
from commsgov.records.timestamps import utc_text
from commsgov.registers import model
from commsgov.registers.judge import Reminder
from commsgov.services._support import clock, configured_zone, new_uid, resolve_pack
from commsgov.services.ledger import append_events
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = ["Reminders", "day_of", "reminders"]

E = TypeVar("E", bound=model.Entry)

#: what a register is called in messages
NAMES = {
    model.Exemption.register: "transition exemption",
    model.FederatedOrganisation.register: "organisation",
    model.DeviceGroup.register: "personal-device group",
    model.PhoneRequest.register: "corporate phone request",
}


def day_of(
    as_of: dt.date | dt.datetime | None, *, now: dt.datetime, zone: str | None = None
) -> dt.date:
    """The day a judgement is made on: ``as_of`` (a date, or the organisation's local date of a
    time), else today there. ``zone``: the organisation's time zone (default the configured one;
    the API passes its settings' so a request does not read the environment).

    >>> day_of(dt.date(2026, 7, 1), now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    datetime.date(2026, 7, 1)
    """
    if isinstance(as_of, dt.datetime):
        moment = as_of
    elif isinstance(as_of, dt.date):
        return as_of
    else:
        moment = now
    from commsgov.records.timestamps import resolve_zone

    return moment.astimezone(resolve_zone(zone or configured_zone())).date()


def new_entry(cls: type[E], *, actor: Actor, now: dt.datetime, **fields: Any) -> E:
    """A new entry of ``cls`` with a fresh id, recorded by ``actor`` now, checked."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return cls(
        uid=new_uid(), recorded_by=actor.name, recorded_at_utc=utc_text(now), **values
    ).check()


def add(
    store: Store,
    entry: model.Entry,
    event: Event,
    *,
    actor: Actor,
    now: dt.datetime,
    guard: Callable[[Connection], None] | None = None,
) -> None:
    """Store ``entry`` and append ``event`` (its ledger entry) in one transaction; ``guard``
    runs first, inside it, to refuse what the stored state forbids."""
    with store.write() as conn:
        if guard is not None:
            guard(conn)
        append_events(conn, [event], actor=actor, now=now)
        rr.insert_entry(conn, register=entry.register, state=entry.state())


def require(conn: Connection, cls: type[E], ref: str) -> E:
    """Entry ``ref`` of ``cls``'s register (its id or an unambiguous start of it)."""
    found = rr.get_entry(conn, register=cls.register, ref=ref.strip())
    if found is None:
        raise NotFoundError(f"no {NAMES.get(cls.register, cls.register)} {ref!r}")
    return cls.of(found)


def change(
    store: Store,
    cls: type[E],
    *,
    ref: str,
    changes: Mapping[str, Any],
    reason: str,
    make_event: Callable[[str, dict[str, Any], str], Event],
    actor: Actor,
    now: dt.datetime | None = None,
    check: Callable[[Connection, E], None] | None = None,
) -> E:
    """Change fields of entry ``ref`` for ``reason``: the changed entry is checked as a new one
    would be (and by ``check``, inside the transaction), then the change is one ledger event.
    Changing nothing writes nothing."""
    now = clock(now)
    why = model.clean_text(reason, "reason", limit=model.TEXT_LIMIT)
    with store.write() as conn:
        entry = require(conn, cls, ref)
        new, stored = model.changed(entry, changes)
        if check is not None:
            check(conn, new)
        if stored:
            append_events(conn, [make_event(entry.uid, stored, why)], actor=actor, now=now)
            rr.update_entry(conn, register=cls.register, uid=entry.uid, changes=stored)
    return new


@dataclass(frozen=True, slots=True)
class Reminders:
    """What is due in the registers on day ``as_of``: each item, and how many are overdue (a
    scheduled job fails when any is)."""

    as_of: str
    overdue: int
    items: tuple[Reminder, ...]


def reminders(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    soon: int = 14,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> Reminders:
    """Groups to disband (overdue, or within ``soon`` days), groups whose purpose is not
    permitted, ended transition exemptions still in use, exemptions ending within ``soon`` days,
    phone requests awaiting a decision: most urgent first."""
    from commsgov.registers.judge import reminders as judge_reminders

    from .registers_exemptions import exemptions_in_use

    now = clock(now)
    on = day_of(as_of, now=now)
    compiled = resolve_pack(pack)
    used = exemptions_in_use(store, actor=actor, as_of=on, now=now)
    horizon = (on + dt.timedelta(days=soon)).isoformat()
    with store.read() as conn:
        groups = [
            model.DeviceGroup.of(s)
            for s in rr.list_entries(conn, register=model.DeviceGroup.register)
            if s["disbanded_on"] is None
        ]
        exemptions = [
            model.Exemption.of(s)
            for s in rr.list_entries(conn, register=model.Exemption.register)
            if on.isoformat() <= s["ends_on"] <= horizon
        ]
        pending = [
            model.PhoneRequest.of(s)
            for s in rr.list_entries(conn, register=model.PhoneRequest.register)
            if s["status"] == "pending"
        ]
    items = judge_reminders(
        on=on, groups=groups, exemptions=exemptions, used=used.items, phones=pending,
        pack=compiled, soon=soon,
    )  # fmt: skip
    overdue = sum(1 for r in items if r.level == "overdue")
    return Reminders(on.isoformat(), overdue, tuple(items))

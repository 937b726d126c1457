"""The register of transition exemptions: agencies and teams permitted a time-bound transition
period, recorded, changed (extended, ended early), listed; and the report of ended ones still in
use.

*In use* after its end means either: someone it covers asked the advisor under it after it
ended, in a situation it would have changed (an ``exemption-cited`` entry, recorded by
:mod:`.registers_advice`, at most once a person a day); or one of its members captured, after it
ended, a communication by a mobile messaging app or a personal device outside any outage (a
record flagged as a policy exception): what the period had allowed, still done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import ExemptionChanged, ExemptionGranted, RecordsListed
from commsgov.records.timestamps import range_end, utc_text
from commsgov.registers.judge import CaptureAfter, InUse, in_use
from commsgov.registers.model import Exemption, ExemptionUse
from commsgov.services import read_gate
from commsgov.services._support import clock, configured_zone, resolve_pack
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

from .registers import add, change, day_of, new_entry, require

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "ExemptionView",
    "InUseReport",
    "change_exemption",
    "exemptions_in_use",
    "get_exemption",
    "grant_exemption",
    "list_exemptions",
]


@dataclass(frozen=True, slots=True)
class ExemptionView:
    """A transition exemption, and its state on day ``as_of``: ``not-started``, ``active`` or
    ``ended``."""

    entry: Exemption
    state: str
    as_of: str


@dataclass(frozen=True, slots=True)
class InUseReport:
    """The transition exemptions that had ended by day ``as_of`` and were used after their end."""

    as_of: str
    items: tuple[InUse, ...]


def _scenarios(values: Iterable[str] | None, pack: CompiledPack) -> tuple[str, ...]:
    from commsgov.policy.errors import UnknownIdError

    found = []
    for value in values or ():
        try:
            found.append(pack.scenario(value.strip()).id)
        except UnknownIdError as exc:
            raise InvalidFieldError("scenarios", str(exc)) from exc
    return tuple(dict.fromkeys(found))


def _view(entry: Exemption, on: dt.date) -> ExemptionView:
    return ExemptionView(entry, entry.state_on(on), on.isoformat())


def grant_exemption(
    store: Store,
    *,
    team: str,
    scope: str,
    starts_on: dt.date | str,
    ends_on: dt.date | str,
    approver: str,
    mandate: str,
    members: Iterable[str] = (),
    scenarios: Iterable[str] = (),
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> ExemptionView:
    """Record a transition period of an agency or team (``scenarios``: the scenario ids it
    covers, none for all; ``members``: usernames or email addresses it covers besides whoever
    names the team), from ``starts_on`` to ``ends_on`` (its last day)."""
    now = clock(now)
    entry = new_entry(
        Exemption, actor=actor, now=now, team=team, members=tuple(members), scope=scope,
        scenarios=_scenarios(scenarios, resolve_pack(pack)), starts_on=starts_on,
        ends_on=ends_on, approver=approver, mandate=mandate,
    )  # fmt: skip
    add(store, entry, ExemptionGranted(entry), actor=actor, now=now)
    return _view(entry, day_of(None, now=now))


def change_exemption(
    store: Store,
    *,
    ref: str,
    changes: Mapping[str, Any],
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> ExemptionView:
    """Change fields of exemption ``ref`` (a new last day, members, scope...) for ``reason``."""
    now = clock(now)
    changes = dict(changes)
    if "scenarios" in changes:
        changes["scenarios"] = list(_scenarios(changes["scenarios"], resolve_pack(pack)))
    entry = change(
        store, Exemption, ref=ref, changes=changes, reason=reason, make_event=ExemptionChanged,
        actor=actor, now=now,
    )  # fmt: skip
    return _view(entry, day_of(None, now=now))


def list_exemptions(
    store: Store,
    *,
    actor: Actor,
    state: str | None = None,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[ExemptionView]:
    """Every transition exemption (only those in ``state`` on the day, if given), latest first."""
    if state not in (None, "not-started", "active", "ended"):
        raise InvalidFieldError("state", f"{state!r} is not not-started, active or ended")
    on = day_of(as_of, now=clock(now))
    with store.read() as conn:
        found = [
            _view(Exemption.of(s), on) for s in rr.list_entries(conn, register=Exemption.register)
        ]
    found.sort(key=lambda v: (v.entry.ends_on, v.entry.recorded_at_utc), reverse=True)
    return [v for v in found if state is None or v.state == state]


def get_exemption(
    store: Store,
    *,
    ref: str,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ExemptionView:
    """One transition exemption by id (or an unambiguous start of it)."""
    with store.read() as conn:
        entry = require(conn, Exemption, ref)
    return _view(entry, day_of(as_of, now=clock(now)))


def exemptions_in_use(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> InUseReport:
    """The exemptions that had ended by day ``as_of`` (default today) and were still used after
    their end: cited to the advisor, or what they allowed captured by their members. Reading
    the captures is a read of the record, so it passes the read gate."""
    now = clock(now)
    on = day_of(as_of, now=now)
    zone = configured_zone()
    until = utc_text(range_end(on, zone=zone))
    with store.read() as conn:
        ended = [Exemption.of(s) for s in rr.exemptions_ended_by(conn, day=on.isoformat())]
        uses = [ExemptionUse.of(s) for s in rr.uses_of(conn, uids=[e.uid for e in ended])]
    described = f"captures after ended transition exemptions, as of {on}"

    def run(_visible: object) -> list[tuple[str, CaptureAfter]]:  # (register readers only)
        with store.read() as conn:
            return _captures(conn, ended, until=until, zone=zone)

    from commsgov.accounts.roles import record_access

    if actor.user_id is not None and record_access(actor.roles) == "none":
        # separation of duties: an admin without a records role sees the citations, not the
        # records captured under an ended period
        captures: list[tuple[str, CaptureAfter]] = []
    else:
        captures = read_gate.read(
            store,
            actor=actor,
            attempt=RecordsListed(described, ()),
            run=run,
            done=lambda found: RecordsListed(described, tuple(c.record_uid for _, c in found)),
            now=now,
        )
    return InUseReport(
        on.isoformat(), tuple(in_use(ended, on=on, citations=uses, captures=captures))
    )


def _captures(
    conn: Connection, ended: list[Exemption], *, until: str, zone: str
) -> list[tuple[str, CaptureAfter]]:
    from commsgov.records.timestamps import parse_utc_text, resolve_zone

    tz = resolve_zone(zone)
    found = []
    for entry in ended:
        if not entry.members:
            continue
        after = utc_text(range_end(entry.ends, zone=zone))
        for row in rr.captures_after(conn, members=entry.members, after_utc=after, until_utc=until):
            local = parse_utc_text(row["occurred_at_utc"]).astimezone(tz).date().isoformat()
            found.append(
                (entry.uid, CaptureAfter(row["uid"], row["captured_by"], row["occurred_at_utc"],
                                         local, row["method"]))
            )  # fmt: skip
    return found

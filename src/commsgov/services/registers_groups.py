"""The register of personal-device groups: groups made on personal devices for one of the uses
the policy permits, with their members and the day to disband them by ("the group should disband
at the earliest opportunity"). A group whose purpose the policy does not permit is flagged; one
past its day is overdue (:func:`commsgov.services.registers.reminders`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.policy.compiled import Cite
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import DeviceGroupChanged, DeviceGroupDisbanded, DeviceGroupRegistered
from commsgov.registers.errors import RegisterConflict
from commsgov.registers.judge import group_state, purpose_of
from commsgov.registers.model import TEXT_LIMIT, DeviceGroup, clean_text, parse_day
from commsgov.services._support import clock, resolve_pack
from commsgov.services.ledger import append_events
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

from .registers import add, change, day_of, new_entry, require

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "GroupView",
    "change_group",
    "disband_group",
    "get_group",
    "list_groups",
    "register_group",
]

#: the states a group can be listed by
STATES = ("open", "due", "overdue", "disbanded")


@dataclass(frozen=True, slots=True)
class GroupView:
    """A personal-device group, its state on day ``as_of`` (``open``, ``due``, ``overdue``,
    ``disbanded``), whether its purpose is one the policy permits (``permitted``; else it is
    flagged) with that use's title and the passages that permit it."""

    entry: DeviceGroup
    state: str
    permitted: bool
    purpose_title: str | None
    cite: tuple[Cite, ...]
    as_of: str


def _view(entry: DeviceGroup, on: dt.date, pack: CompiledPack) -> GroupView:
    purpose = purpose_of(entry, pack)
    return GroupView(
        entry,
        group_state(entry, on),
        purpose is not None,
        purpose.title if purpose else None,
        purpose.cite if purpose else (),
        on.isoformat(),
    )


def register_group(
    store: Store,
    *,
    name: str,
    purpose: str,
    owner: str,
    created_on: dt.date | str,
    disband_by: dt.date | str,
    members: Iterable[str] = (),
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> GroupView:
    """Record a group made on personal devices: its purpose (a permitted use's id; anything
    else is recorded and flagged), members, who runs it, when it was made and the day to
    disband it by."""
    now = clock(now)
    entry = new_entry(
        DeviceGroup, actor=actor, now=now, name=name, purpose=purpose, members=tuple(members),
        owner=owner, created_on=created_on, disband_by=disband_by, disbanded_on=None,
    )  # fmt: skip
    add(store, entry, DeviceGroupRegistered(entry), actor=actor, now=now)
    return _view(entry, day_of(None, now=now), resolve_pack(pack))


def change_group(
    store: Store,
    *,
    ref: str,
    changes: Mapping[str, Any],
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> GroupView:
    """Change fields of group ``ref`` (members, purpose, the day to disband it by) for
    ``reason`` (disbanding is :func:`disband_group`)."""
    if "disbanded_on" in changes:
        raise InvalidFieldError("disbanded_on", "disband the group instead (it is its own act)")
    now = clock(now)
    entry = change(
        store, DeviceGroup, ref=ref, changes=changes, reason=reason,
        make_event=DeviceGroupChanged, actor=actor, now=now,
    )  # fmt: skip
    return _view(entry, day_of(None, now=now), resolve_pack(pack))


def disband_group(
    store: Store,
    *,
    ref: str,
    reason: str,
    disbanded_on: dt.date | str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> GroupView:
    """Record that group ``ref`` was disbanded on ``disbanded_on`` (default today), and how."""
    now = clock(now)
    today = day_of(None, now=now)
    day = parse_day(disbanded_on, "disbanded_on", required=False) or today.isoformat()
    why = clean_text(reason, "reason", limit=TEXT_LIMIT)
    if day > today.isoformat():
        raise InvalidFieldError("disbanded_on", f"{day} is in the future")
    with store.write() as conn:
        entry = require(conn, DeviceGroup, ref)
        if entry.disbanded_on is not None:
            raise RegisterConflict(f"{entry.name} was disbanded on {entry.disbanded_on} already")
        new = DeviceGroup.of({**entry.state(), "disbanded_on": day}).check()
        append_events(conn, [DeviceGroupDisbanded(entry.uid, day, why)], actor=actor, now=now)
        rr.update_entry(
            conn, register=DeviceGroup.register, uid=entry.uid, changes={"disbanded_on": day}
        )
    return _view(new, today, resolve_pack(pack))


def list_groups(
    store: Store,
    *,
    actor: Actor,
    state: str | None = None,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> list[GroupView]:
    """Every personal-device group (only those in ``state`` on the day, if given: ``open``,
    ``due``, ``overdue`` or ``disbanded``), by the day to disband them by."""
    if state is not None and state not in STATES:
        raise InvalidFieldError("state", f"{state!r} is not one of {', '.join(STATES)}")
    on = day_of(as_of, now=clock(now))
    compiled = resolve_pack(pack)
    with store.read() as conn:
        if state == "overdue":  # the report a scheduled job runs: asked of the database
            yesterday = (on - dt.timedelta(days=1)).isoformat()
            rows = rr.groups_due(conn, by=yesterday)
        else:
            rows = rr.list_entries(conn, register=DeviceGroup.register)
    found = [_view(DeviceGroup.of(s), on, compiled) for s in rows]
    found = [v for v in found if state is None or v.state == state]
    return sorted(found, key=lambda v: (v.entry.disband_by, v.entry.name))


def get_group(
    store: Store,
    *,
    ref: str,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> GroupView:
    """One personal-device group by id (or an unambiguous start of it)."""
    with store.read() as conn:
        entry = require(conn, DeviceGroup, ref)
    return _view(entry, day_of(as_of, now=clock(now)), resolve_pack(pack))

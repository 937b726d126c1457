"""Retention schedules from the pack, and what happens to an item of a channel and when (no
database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commsgov.policy.compiled import Cite
from commsgov.records.errors import InvalidFieldError
from commsgov.retention import (
    Item,
    Outcome,
    Schedule,
    Step,
    UnknownScheduleError,
    decide,
    due_at,
    find_schedule,
    paused_holds,
    schedules_from_pack,
    staff_advice,
    trigger_time,
)
from commsgov.services._support import iso, resolve_pack

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = ["OutcomeView", "ScheduleView", "WhenAnswer", "load_schedules", "when"]


@dataclass(frozen=True, slots=True)
class OutcomeView:
    """What happens to an item and when (:class:`commsgov.retention.Outcome`, times as ISO text),
    with each principle that decided it and the moves (to an archive) that happen meanwhile."""

    action: str | None
    at: str | None
    retained_until: str | None
    retained_indefinitely: bool
    winner: str | None
    held_by: tuple[str, ...]
    steps: tuple[Step, ...]
    moves: tuple[str, ...]

    @classmethod
    def of(cls, outcome: Outcome) -> OutcomeView:
        """The view of an outcome."""
        return cls(
            action=outcome.action,
            at=iso(outcome.at),
            retained_until=iso(outcome.retained_until),
            retained_indefinitely=outcome.retained_indefinitely,
            winner=outcome.winner,
            held_by=outcome.held_by,
            steps=outcome.steps,
            moves=tuple(s.describe() for s in outcome.moves),
        )


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A retention schedule as it is shown: period, trigger, action, mandate and sources."""

    id: str
    title: str
    period: str | None
    trigger: str
    action: str
    mandate: str
    citations: tuple[Cite, ...]

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleView:
        """The view of a schedule."""
        return cls(
            id=schedule.id,
            title=schedule.title,
            period=str(schedule.period) if schedule.period else None,
            trigger=schedule.trigger,
            action=schedule.action,
            mandate=schedule.mandate,
            citations=citations_of(schedule),
        )


@dataclass(frozen=True, slots=True)
class WhenAnswer:
    """What happens to an item of a channel or record class, and when, in a sentence for staff
    (``advice``) and in detail, with the passages of the policy that ground it."""

    channel: str
    record_class: str
    title: str
    action: str
    period: str | None
    trigger: str
    trigger_at: str | None
    due: str | None
    due_date: str | None
    overdue: bool
    paused: bool
    held_by: tuple[str, ...]
    advice: str
    mandate: str
    notes: tuple[str, ...]
    citations: tuple[Cite, ...]
    outcome: OutcomeView


def load_schedules(pack: CompiledPack | None = None) -> dict[str, Schedule]:
    """The pack's retention schedules by record class id (compiled with the pack: no YAML)."""
    return schedules_from_pack(resolve_pack(pack).retention)


def _schedule_for(name: str, schedules: dict[str, Schedule], pack: CompiledPack) -> Schedule:
    """A schedule by record class id, channel id, or any channel name the pack knows."""
    try:
        return find_schedule(schedules, name)
    except UnknownScheduleError:
        pass
    from commsgov.policy.errors import UnknownIdError

    try:
        channel = pack.channel(name)
    except UnknownIdError as exc:
        raise UnknownScheduleError(
            f"no retention schedule for {name!r} (record classes: {', '.join(sorted(schedules))})"
        ) from exc
    try:
        return find_schedule(schedules, channel.id)
    except UnknownScheduleError as exc:
        raise UnknownScheduleError(
            f"no retention schedule for {name!r} (channel {channel.id}); record classes: "
            f"{', '.join(sorted(schedules))}"
        ) from exc


def citations_of(schedule: Schedule) -> tuple[Cite, ...]:
    """A schedule's passages of the policy, as citations."""
    return tuple(Cite(d, q) for d, q in schedule.citations)


def when(
    *,
    channel: str,
    created: dt.datetime,
    modified: dt.datetime | None = None,
    closed: dt.datetime | None = None,
    event: dt.datetime | None = None,
    pack: CompiledPack | None = None,
    as_of: dt.date | dt.datetime | None = None,
) -> WhenAnswer:
    """What happens to an item of ``channel`` (a channel name or record class) and when,
    told as of ``as_of`` (a day, or the day of an instant where the item was created; default
    today there).

    ``closed`` and ``event`` are the dates schedules triggered by ``closed`` or ``event`` count
    from (no due date until they are known).
    """
    compiled = resolve_pack(pack)
    schedules = load_schedules(compiled)
    schedule = _schedule_for(channel, schedules, compiled)
    for name, value in (("modified", modified), ("closed", closed), ("event", event)):
        if value is not None and value < created:
            raise InvalidFieldError(name, "cannot precede the creation")
    item = Item(
        "query", schedule.id, created=created, modified=modified, closed=closed, event=event
    )
    outcome = decide(item, schedules=schedules, holds=paused_holds(schedules.values()))
    due = due_at(item, schedule=schedule)
    start = trigger_time(item, schedule=schedule)
    if isinstance(as_of, dt.datetime):
        today = as_of.astimezone(created.tzinfo).date()
    else:
        today = as_of or dt.datetime.now(created.tzinfo).date()
    return WhenAnswer(
        channel=schedule.channel or schedule.id,
        record_class=schedule.id,
        title=schedule.title,
        action=schedule.action,
        period=str(schedule.period) if schedule.period else None,
        trigger=schedule.trigger,
        trigger_at=iso(start),
        due=iso(due),
        due_date=due.date().isoformat() if due else None,
        overdue=bool(due and due.date() < today),
        paused=schedule.paused or bool(outcome.held_by),
        held_by=outcome.held_by,
        advice=staff_advice(
            schedule=schedule, outcome=outcome, label=schedule.label, today=today, due=due
        ),
        mandate=schedule.mandate,
        notes=schedule.notes,
        citations=citations_of(schedule),
        outcome=OutcomeView.of(outcome),
    )

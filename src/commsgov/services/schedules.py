"""Retention schedules from the pack, and what happens to an item of a channel and when (no
database)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from commsgov.records.errors import InvalidFieldError
from commsgov.retention import (
    Item,
    Outcome,
    Schedule,
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

__all__ = ["load_schedules", "when"]


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


def citations_of(schedule: Schedule) -> list[dict[str, str]]:
    return [{"document": d, "quote": q} for d, q in schedule.citations]


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return {
        "action": outcome.action,
        "at": iso(outcome.at),
        "retained_until": iso(outcome.retained_until),
        "retained_indefinitely": outcome.retained_indefinitely,
        "winner": outcome.winner,
        "held_by": list(outcome.held_by),
        "steps": [s.to_dict() for s in outcome.steps],
        "moves": [s.describe() for s in outcome.moves],
    }


def when(
    *,
    channel: str,
    created: dt.datetime,
    modified: dt.datetime | None = None,
    closed: dt.datetime | None = None,
    event: dt.datetime | None = None,
    pack: CompiledPack | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What happens to an item of ``channel`` (a channel name or record class) and when.

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
    today = today or dt.datetime.now(created.tzinfo).date()
    return {
        "channel": schedule.channel or schedule.id,
        "record_class": schedule.id,
        "title": schedule.title,
        "action": schedule.action,
        "period": str(schedule.period) if schedule.period else None,
        "trigger": schedule.trigger,
        "trigger_at": iso(start),
        "due": iso(due),
        "due_date": due.date().isoformat() if due else None,
        "overdue": bool(due and due.date() < today),
        "paused": schedule.paused or bool(outcome.held_by),
        "held_by": list(outcome.held_by),
        "advice": staff_advice(
            schedule=schedule,
            outcome=outcome,
            label=schedule.label,
            today=today,
            due=due,
        ),
        "mandate": schedule.mandate,
        "notes": list(schedule.notes),
        "citations": citations_of(schedule),
        "outcome": outcome_dict(outcome),
    }

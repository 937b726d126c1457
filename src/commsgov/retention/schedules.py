"""Schedules, items and triggers: when an item's retention period starts and ends.

A :class:`Schedule` is the pure form of a pack's ``retention`` entry; an :class:`Item` is anything
a schedule can apply to (a captured record, a Teams chat a member of staff asks about).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .dates import Period, add_period, parse_period
from .errors import MissingTriggerError, UnknownScheduleError

__all__ = [
    "ACTIONS",
    "TRIGGERS",
    "Item",
    "Schedule",
    "disposal_date",
    "due_at",
    "find_schedule",
    "schedules_from_pack",
    "trigger_time",
]

Trigger = Literal["created", "last-modified", "event", "closed"]
Action = Literal["delete", "review", "transfer", "move-to-archive"]
TRIGGERS: tuple[str, ...] = ("created", "last-modified", "event", "closed")
ACTIONS: tuple[str, ...] = ("delete", "review", "transfer", "move-to-archive")


@dataclass(frozen=True, slots=True)
class Schedule:
    """How long one record class is kept, what happens at the end, and on whose authority.

    ``period`` ``None`` means "until review": no date is computed, a reviewer decides.
    ``citations`` are ``(document, quote)`` pairs from the policy pack; ``label`` is what staff
    call an item of this record class ("Teams chat").
    """

    id: str
    action: str
    period: Period | None = None
    trigger: str = "created"
    title: str = ""
    channel: str | None = None
    paused: bool = False
    mandate: str = ""
    notes: tuple[str, ...] = ()
    citations: tuple[tuple[str, str], ...] = ()
    label: str | None = None

    @property
    def retains(self) -> bool:
        """Whether the schedule keeps items for its period (review/transfer) or only deletes.

        ``delete`` is a delete-only setting and ``move-to-archive`` only moves items, so
        neither protects anything from deletion; ``review`` and ``transfer`` keep the item
        until a reviewer or the archive has dealt with it.
        """
        return self.action in ("review", "transfer")

    @classmethod
    def of(cls, data: Any) -> Schedule:
        """Build from a pack's ``RetentionSchedule``, a compiled pack's ``RetentionInfo``, or any
        object or mapping with the same fields.

        >>> Schedule.of({"id": "teams-chat", "period": "P5D", "action": "delete"}).period
        Period(years=0, months=0, weeks=0, days=5)
        """
        get = data.get if isinstance(data, Mapping) else lambda k, d=None: getattr(data, k, d)
        period = get("period")
        cites = tuple(
            (str(c["document"]), str(c["quote"]))
            if isinstance(c, Mapping)
            else (str(c.document), str(c.quote))
            for c in (get("cite") or ())
        )
        return cls(
            id=str(get("id")),
            action=str(get("action")),
            period=parse_period(period) if period else None,
            trigger=str(get("trigger") or "created"),
            title=str(get("title") or ""),
            channel=get("channel"),
            paused=bool(get("paused", False)),
            mandate=str(get("mandate") or ""),
            notes=tuple(get("notes") or ()),
            citations=tuple((d, " ".join(q.split())) for d, q in cites),
            label=get("label"),
        )


def schedules_from_pack(retention: Iterable[Any]) -> dict[str, Schedule]:
    """The pack's retention schedules by id (pass ``compiled_pack.retention``).

    >>> s = schedules_from_pack([{"id": "email", "period": "P6M", "action": "move-to-archive"}])
    >>> sorted(s), str(s["email"].period)
    (['email'], 'P6M')
    """
    found: dict[str, Schedule] = {}
    for entry in retention:
        schedule = Schedule.of(entry)
        found[schedule.id] = schedule
    return found


def find_schedule(schedules: Mapping[str, Schedule], name: str) -> Schedule:
    """A schedule by id, or the only schedule of a channel; raises UnknownScheduleError.

    >>> find_schedule({"a": Schedule("a", "delete", channel="c")}, "c").id
    'a'
    """
    if name in schedules:
        return schedules[name]
    by_channel = [s for s in schedules.values() if s.channel == name]
    if by_channel:
        return by_channel[0]
    raise UnknownScheduleError(
        f"no retention schedule for {name!r} (record classes: {', '.join(sorted(schedules))})"
    )


@dataclass(frozen=True, slots=True)
class Item:
    """Something a schedule applies to: a record, a message thread, a document.

    All times are time-zone aware. ``record_class`` is a schedule id (``teams-chat``,
    ``captured-record``...). ``participants``, ``method``, ``outage`` and ``text`` are what
    holds are scoped by.
    """

    uid: str
    record_class: str
    created: dt.datetime
    modified: dt.datetime | None = None
    closed: dt.datetime | None = None
    event: dt.datetime | None = None
    method: str | None = None
    participants: tuple[str, ...] = ()
    outage: str | None = None
    text: str = field(default="", repr=False)


def trigger_time(item: Item, *, schedule: Schedule) -> dt.datetime | None:
    """When the item's retention period starts under ``schedule`` (``None``: not yet).

    ``created`` counts from creation; ``last-modified`` from the last change (creation if never
    changed); ``event`` and ``closed`` from that event, and have not started until it happens.

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    >>> doc = Item("x", "teams-chat-document", created=t, modified=t.replace(month=3))
    >>> trigger_time(doc, schedule=Schedule("d", "delete", trigger="last-modified")).month
    3
    """
    trigger = schedule.trigger
    if trigger == "created":
        return item.created
    if trigger == "last-modified":
        return max(item.created, item.modified) if item.modified is not None else item.created
    if trigger == "closed":
        return item.closed
    if trigger == "event":
        return item.event
    raise MissingTriggerError(f"schedule {schedule.id}: unknown trigger {trigger!r}")


def due_at(item: Item, *, schedule: Schedule) -> dt.datetime | None:
    """When the schedule's action falls due for ``item`` (``None``: until review, or not started).

    >>> import datetime as dt
    >>> chat = Item("c", "teams-chat", created=dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
    >>> due_at(chat, schedule=Schedule("teams-chat", "delete", period=Period(days=5))).isoformat()
    '2026-11-29T10:00:00+00:00'
    """
    if schedule.period is None:
        return None
    start = trigger_time(item, schedule=schedule)
    if start is None:
        return None
    return add_period(start, schedule.period)


def disposal_date(item: Item, *, schedule: Schedule, today: dt.date) -> dt.date | None:
    """The local date the schedule's action happens: its due date, or ``today`` when overdue.

    >>> import datetime as dt
    >>> chat = Item("c", "teams-chat", created=dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
    >>> s = Schedule("teams-chat", "delete", period=Period(days=5))
    >>> disposal_date(chat, schedule=s, today=dt.date(2026, 11, 24))
    datetime.date(2026, 11, 29)
    >>> disposal_date(chat, schedule=s, today=dt.date(2027, 1, 1))
    datetime.date(2027, 1, 1)
    """
    due = due_at(item, schedule=schedule)
    if due is None:
        return None
    return max(due.date(), today)

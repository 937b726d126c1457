"""Retention: schedules, date maths, holds, conflict resolution and disposition (pure).

No I/O, no database, no framework: the store and the command line call into these functions.

- :mod:`~commsgov.retention.dates`: ISO 8601 periods added at local wall time (29 February
  and month ends clamp to the month's last day).
- :mod:`~commsgov.retention.schedules`: :class:`Schedule`, :class:`Item`, triggers, due dates.
- :mod:`~commsgov.retention.holds`: named holds with a mandate and a scope; lifting is an act.
- :mod:`~commsgov.retention.conflict`: Microsoft Purview's four principles of retention.
- :mod:`~commsgov.retention.disposition`: one item's outcome, the review state machine, advice.
"""

from __future__ import annotations

from .conflict import PRINCIPLES, Outcome, Setting, Step, resolve
from .dates import Period, add_period, parse_period
from .disposition import (
    DECISIONS,
    STATUSES,
    decide,
    review_transition,
    schedule_setting,
    staff_advice,
)
from .errors import (
    HoldError,
    InvalidPeriodError,
    MissingTriggerError,
    RetentionError,
    ReviewError,
    UnknownScheduleError,
)
from .holds import Hold, HoldScope, holds_on, paused_holds
from .schedules import (
    Item,
    Schedule,
    disposal_date,
    due_at,
    find_schedule,
    schedules_from_pack,
    trigger_time,
)

__all__ = [
    "DECISIONS",
    "PRINCIPLES",
    "STATUSES",
    "Hold",
    "HoldError",
    "HoldScope",
    "InvalidPeriodError",
    "Item",
    "MissingTriggerError",
    "Outcome",
    "Period",
    "RetentionError",
    "ReviewError",
    "Schedule",
    "Setting",
    "Step",
    "UnknownScheduleError",
    "add_period",
    "decide",
    "disposal_date",
    "due_at",
    "find_schedule",
    "holds_on",
    "parse_period",
    "paused_holds",
    "resolve",
    "review_transition",
    "schedule_setting",
    "schedules_from_pack",
    "staff_advice",
    "trigger_time",
]

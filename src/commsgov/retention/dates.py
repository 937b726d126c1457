"""Calendar-correct, time-zone aware date maths for retention periods.

The rule, written down once (``docs/retention.md`` repeats it):

1. A period is an ISO 8601 duration with whole years, months, weeks and days (``P3Y``, ``P6M``,
   ``P2W``, ``P5D``, ``P1Y6M``). Times (``T...``), fractions and negative periods are refused.
2. The period is added to the *local wall time* of the trigger, in the trigger's own time zone:
   an item created at 09:30 in Edinburgh is due at 09:30 Edinburgh time, whether or not summer
   time changed in between.
3. Years and months move the calendar month; when the target month is shorter than the
   day of the month, the day is clamped to the month's last day: 29 February + ``P1Y`` is
   28 February, 31 January + ``P1M`` is 28 (or 29) February, 31 August + ``P6M`` is 28/29
   February. Weeks and days are then added as calendar days.
4. A wall time that does not exist (the spring-forward gap) moves forward to the first instant
   after the gap; a wall time that happens twice (autumn fall-back) is the first of the two.
5. A due time never precedes its trigger, and a later trigger never gives an earlier due *date*
   (clamping can give two triggers on the 30th and 31st the same last day of the month, so
   their times of day may cross).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import InvalidPeriodError

__all__ = ["Period", "add_period", "parse_period"]

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar period: whole years, months, weeks and days."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __str__(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")]
        text = "".join(f"{n}{unit}" for n, unit in parts if n)
        return f"P{text or '0D'}"

    @property
    def total_months(self) -> int:
        """Years and months as a count of months."""
        return self.years * 12 + self.months

    @property
    def total_days(self) -> int:
        """Weeks and days as a count of days."""
        return self.weeks * 7 + self.days


def parse_period(text: str) -> Period:
    """Parse an ISO 8601 duration of years, months, weeks and days.

    >>> parse_period("P3Y"), str(parse_period("P1Y6M"))
    (Period(years=3, months=0, weeks=0, days=0), 'P1Y6M')
    >>> parse_period("PT5H")
    Traceback (most recent call last):
    ...
    commsgov.retention.errors.InvalidPeriodError: 'PT5H' is not a period of whole years, ...
    """
    found = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if found is None or text.strip().upper() == "P":
        raise InvalidPeriodError(
            f"{text!r} is not a period of whole years, months, weeks or days (e.g. P3Y, P6M, P5D)"
        )
    years, months, weeks, days = (int(g) if g else 0 for g in found.groups())
    return Period(years, months, weeks, days)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if year < dt.MINYEAR or year > dt.MAXYEAR:
        raise InvalidPeriodError(f"adding {months} months to {day} leaves the calendar")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def _resolve_wall(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The instant of local wall time ``wall`` (naive) in ``tz`` (rule 4 of the module doc)."""
    first = wall.replace(tzinfo=tz, fold=0)
    # A wall time exists when it survives a round trip through UTC.
    if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap: the first instant after it is the transition itself, between the readings of
    # the wall time with the offset after (too early) and before (too late) the transition.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    high = first.astimezone(dt.UTC)
    after = high.astimezone(tz).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.astimezone(tz)


def add_period(start: dt.datetime, period: Period | str) -> dt.datetime:
    """The instant ``period`` after ``start``, at the same local wall time in its zone.

    ``start`` must be time-zone aware; the result is in the same zone.

    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> london = ZoneInfo("Europe/London")
    >>> add_period(dt.datetime(2024, 2, 29, 9, 30, tzinfo=london), "P1Y").isoformat()
    '2025-02-28T09:30:00+00:00'
    >>> add_period(dt.datetime(2026, 3, 1, 9, 30, tzinfo=london), "P1M").isoformat()
    '2026-04-01T09:30:00+01:00'
    >>> add_period(dt.datetime(2026, 8, 31, 17, 0, tzinfo=london), "P6M").date()
    datetime.date(2027, 2, 28)
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidPeriodError(f"{start.isoformat()} has no time zone; retention dates need one")
    if isinstance(period, str):
        period = parse_period(period)
    tz = start.tzinfo
    wall = start.replace(tzinfo=None)
    day = _add_months(wall.date(), period.total_months) if period.total_months else wall.date()
    try:
        day = day + dt.timedelta(days=period.total_days)
    except OverflowError as exc:
        raise InvalidPeriodError(f"adding {period} to {start.date()} leaves the calendar") from exc
    target = dt.datetime.combine(day, wall.time())
    due = _resolve_wall(target, tz)
    # compare instants, not wall times (same-zone comparison ignores ``fold``)
    if due.astimezone(dt.UTC) < start.astimezone(dt.UTC):
        return start
    return due

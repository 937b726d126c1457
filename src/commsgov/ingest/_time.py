"""Local wall-clock times to aware datetimes, flagging clock changes (private helpers)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commsgov.ingest.errors import ParseError

_UTC = dt.UTC


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``, or a :class:`ParseError` naming it.

    >>> zone("Europe/London").key
    'Europe/London'
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # (OSError: a name too long for a file name, found by schemathesis)
        raise ParseError(f"unknown time zone {name[:80]!r}", file="--tz") from exc


_DAY_END = dt.timedelta(hours=23, minutes=59, seconds=59)


def regular_midnight(year: int, month: int, day: int, tz: dt.tzinfo) -> tuple[dt.datetime, bool]:
    """Midnight of a day in ``tz``, and whether the offset stays the same all day (nearly
    always: then a wall-clock time that day is that midnight plus a timedelta, which costs a
    sixth of building the datetime from its fields). ValueError for a day that does not exist.

    >>> midnight, regular = regular_midnight(2026, 3, 28, ZoneInfo("Europe/London"))
    >>> midnight.isoformat(), regular
    ('2026-03-28T00:00:00+00:00', True)
    >>> regular_midnight(2026, 3, 29, ZoneInfo("Europe/London"))[1]
    False
    """
    start = dt.datetime(year, month, day, tzinfo=tz)
    end = start + _DAY_END
    return start, start.utcoffset() == end.utcoffset() and start.dst() == end.dst()


@lru_cache(maxsize=4096)
def _day_is_regular(tz: dt.tzinfo, day: dt.date) -> bool:
    """True when the offset of ``tz`` does not change during ``day`` (nearly always)."""
    return regular_midnight(day.year, day.month, day.day, tz)[1]


def localise(
    naive: dt.datetime, tz: dt.tzinfo, *, after: dt.datetime | None = None
) -> tuple[dt.datetime, str | None]:
    """Attach ``tz`` to a wall-clock time; return it with ``dst-ambiguous``/``dst-nonexistent``.

    ``after`` (the previous message's time) picks the later reading of an ambiguous time when
    the earlier one would go back in time.

    >>> tz = ZoneInfo("Europe/London")
    >>> localise(dt.datetime(2026, 3, 29, 1, 30), tz)[1]
    'dst-nonexistent'
    >>> when, flag = localise(dt.datetime(2026, 10, 25, 1, 30), tz)
    >>> when.isoformat(), flag
    ('2026-10-25T01:30:00+01:00', 'dst-ambiguous')
    """
    aware = naive.replace(tzinfo=tz)
    if _day_is_regular(tz, naive.date()):
        return aware, None
    later = naive.replace(tzinfo=tz, fold=1)
    if aware.utcoffset() != later.utcoffset():
        back = aware.astimezone(_UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:
            return aware, "dst-nonexistent"
        if after is not None and aware.astimezone(_UTC) < after.astimezone(_UTC):
            return later, "dst-ambiguous"
        return aware, "dst-ambiguous"
    return aware, None


def from_epoch(seconds: float, tz: dt.tzinfo) -> dt.datetime:
    """An instant given in seconds since 1970 (UTC), shown in ``tz``.

    >>> from_epoch(0, ZoneInfo("Europe/London")).isoformat()
    '1970-01-01T01:00:00+01:00'
    """
    return dt.datetime.fromtimestamp(seconds, tz)

"""Timezone-aware timestamps: the original zone is kept beside UTC.

Stored UTC text is fixed width (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), so it sorts as time does on any
database, and it hashes identically everywhere.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commsgov.records.errors import InvalidFieldError

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_text(when: dt.datetime) -> str:
    """``when`` (timezone-aware) in UTC as fixed-width ISO text.

    >>> utc_text(dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    '2026-03-01T08:30:00.000000Z'
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    utc = when.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


_ONE_DAY = dt.timedelta(days=1)


class UtcTexts:
    """:func:`utc_text` for many times at once, from each time's local ISO text (which a writer
    has anyway): with a whole-hour offset a time's minutes, seconds and microseconds are the
    same in UTC, so only the date and hour need working out, once per local day and offset.

    ``hours`` maps a local date and hour with its offset (``"2026-06-01T10+01:00"``) to the UTC
    date and hour (``"2026-06-01T09"``): a hot loop looks there first and calls :meth:`text`
    when it is not there. Other offsets (``+05:30``, a zone's local mean time) go to
    :func:`utc_text`.

    >>> texts = UtcTexts()
    >>> when = dt.datetime(2026, 6, 1, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    >>> texts.text(when, when.isoformat()) == utc_text(when)
    True
    >>> texts.text(when, when.isoformat()), texts.hours
    ('2026-05-31T23:30:00.000000Z', {'2026-06-01T00+01:00': '2026-05-31T23'})
    """

    __slots__ = ("_days", "hours")

    #: how many hours and days are remembered (a chat of a century has a million hours)
    LIMIT = 100_000

    def __init__(self) -> None:
        self.hours: dict[str, str] = {}
        # local date and offset -> (the UTC date before, the same, after; the offset in hours)
        self._days: dict[str, tuple[str, str, str, int]] = {}

    def text(self, when: dt.datetime, local: str) -> str:
        """``utc_text(when)``; ``local`` is ``when.isoformat()``."""
        offset = local[-6:]
        if offset[0] not in "+-" or offset[3:] != ":00" or len(local) not in (25, 32):
            return utc_text(when)  # (naive times are refused there)
        key = local[:10] + offset
        day = self._days.get(key)
        if day is None:
            try:
                date = dt.date.fromisoformat(local[:10])
                day = (str(date - _ONE_DAY), local[:10], str(date + _ONE_DAY), int(offset[:3]))
            except (ValueError, OverflowError):  # the first or last day a date can be
                return utc_text(when)
            if len(self._days) < self.LIMIT:
                self._days[key] = day
        hour = int(local[11:13]) - day[3]
        date_text = day[1]
        if hour < 0:
            hour, date_text = hour + 24, day[0]
        elif hour > 23:
            hour, date_text = hour - 24, day[2]
        head = f"{date_text}T{hour:02d}"
        if len(self.hours) < self.LIMIT:
            self.hours[local[:13] + offset] = head
        return f"{head}{local[13:19]}.000000Z" if len(local) == 25 else f"{head}{local[13:26]}Z"


def zone_name(when: dt.datetime) -> str:
    """The original zone of ``when``: an IANA name when known, else the UTC offset ``+HH:MM``.

    >>> zone_name(dt.datetime(2026, 7, 1, tzinfo=ZoneInfo("Europe/London")))
    'Europe/London'
    >>> zone_name(dt.datetime(2026, 7, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    '-05:00'
    """
    tz = when.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = when.utcoffset()
    if offset is None:
        raise ValueError("timestamp must be timezone-aware")
    if offset == dt.timedelta(0) and tz is dt.UTC:
        return "UTC"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def local_text(when: dt.datetime) -> str:
    """``when`` as ISO text in its original zone, with its offset.

    >>> local_text(dt.datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")))
    '2026-07-01T10:00:00+01:00'
    """
    return when.isoformat()


def gap_problem(when: dt.datetime) -> str | None:
    """``None`` when a clock in ``when``'s zone could show its wall time; else why not (it falls
    in the gap when the clocks went forward), with the two readings it could mean.

    >>> print(gap_problem(dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London"))))
    2026-03-29 01:30 did not exist in Europe/London (the clocks went forward from UTC+00:00 to \
UTC+01:00); give the time with its offset, e.g. 2026-03-29T01:30+00:00 or 2026-03-29T01:30+01:00
    >>> gap_problem(dt.datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/London"))) is None
    True
    """
    zone = when.tzinfo
    if zone is None or isinstance(zone, dt.timezone):
        return None  # a fixed offset has no gaps
    back = when.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) == when.replace(tzinfo=None):
        return None
    wall = when.replace(tzinfo=None)
    before, after = (when.replace(fold=f).strftime("%z") for f in (0, 1))
    before, after = (f"{o[:3]}:{o[3:]}" for o in (before, after))
    return (
        f"{wall:%Y-%m-%d %H:%M} did not exist in {zone_name(when)} (the clocks went forward from "
        f"UTC{before} to UTC{after}); give the time with its offset, e.g. "
        f"{wall:%Y-%m-%dT%H:%M}{before} or {wall:%Y-%m-%dT%H:%M}{after}"
    )


def parse_utc_text(text: str) -> dt.datetime:
    """Inverse of :func:`utc_text`.

    >>> parse_utc_text('2026-03-01T08:30:00.000000Z').isoformat()
    '2026-03-01T08:30:00+00:00'
    """
    return dt.datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=dt.UTC)


def resolve_zone(name: str, *, field: str = "timezone") -> dt.tzinfo:
    """A zone from an IANA name, ``UTC`` or an offset like ``+01:00``; raises InvalidFieldError."""
    if name.upper() in {"UTC", "Z"}:
        return dt.UTC
    if name[:1] in "+-" and len(name) == 6 and name[3] == ":":
        try:
            hours, minutes = int(name[1:3]), int(name[4:6])
        except ValueError:
            pass
        else:
            delta = dt.timedelta(hours=hours, minutes=minutes)
            return dt.timezone(delta if name[0] == "+" else -delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # (OSError: a name too long for a file name, found by schemathesis)
        raise InvalidFieldError(field, f"unknown time zone {name[:80]!r}") from exc


def parse_when(
    text: str,
    *,
    default_zone: str = "Europe/London",
    field: str = "at",
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Parse an ISO 8601 date-time; without an offset it is read in ``default_zone``.

    Raises :class:`InvalidFieldError` naming ``field`` for impossible or future timestamps.

    >>> parse_when("2026-03-01 09:30", default_zone="Europe/London").isoformat()
    '2026-03-01T09:30:00+00:00'
    >>> parse_when("2026-02-30T10:00Z")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: at: '2026-02-30T10:00Z' is not a valid date ...
    """
    raw = text.strip()
    if not raw:
        raise InvalidFieldError(field, "a date and time is required")
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        when = dt.datetime.fromisoformat(candidate)
    except ValueError as exc:
        raise InvalidFieldError(field, f"{raw!r} is not a valid date and time ({exc})") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=resolve_zone(default_zone))
    if now is not None and when > now + dt.timedelta(minutes=5):
        raise InvalidFieldError(field, f"{raw!r} is in the future")
    return when


def parse_moment(text: str, *, default_zone: str, field: str) -> dt.date | dt.datetime:
    """A date as typed: a bare ISO date stays a date (a whole day), anything else is a date and
    time (:func:`parse_when`). What a bare date means depends on where it is used: see
    :func:`range_start` and :func:`range_end`.

    >>> parse_moment("2026-11-20", default_zone="UTC", field="until")
    datetime.date(2026, 11, 20)
    >>> parse_moment("2026-11-20 10:00", default_zone="UTC", field="until").hour
    10
    >>> parse_moment("2026-02-30", default_zone="UTC", field="until")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: until: '2026-02-30' is not a valid date ...
    """
    raw = text.strip()
    if len(raw) == 10 and raw[4:5] == "-":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidFieldError(field, f"{raw!r} is not a valid date ({exc})") from exc
    return parse_when(raw, default_zone=default_zone, field=field)


def read_instant(text: str, *, zone: str, field: str) -> dt.datetime:
    """A date and time as typed, in ``zone``: read there when it carries no offset (a bare date
    is its midnight there), and shown there when it does.

    >>> read_instant("2026-07-01T09:00Z", zone="Europe/London", field="at").isoformat()
    '2026-07-01T10:00:00+01:00'
    """
    return parse_when(text, default_zone=zone, field=field).astimezone(resolve_zone(zone))


def read_moment(text: str, *, zone: str, field: str) -> dt.date | dt.datetime:
    """A date (kept a date: what a whole day means is for its user to say) or a date and time
    in ``zone`` (:func:`read_instant`).

    >>> read_moment("2026-07-01", zone="UTC", field="as_of")
    datetime.date(2026, 7, 1)
    """
    moment = parse_moment(text, default_zone=zone, field=field)
    if isinstance(moment, dt.datetime):
        return moment.astimezone(resolve_zone(zone))
    return moment


def range_start(value: dt.date | dt.datetime, *, zone: str) -> dt.datetime:
    """The first instant a range "from ``value``" includes: a bare date starts at its first
    moment in ``zone``; a date and time is itself.

    >>> range_start(dt.date(2026, 7, 1), zone="Europe/London").isoformat()
    '2026-07-01T00:00:00+01:00'
    """
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0), tzinfo=resolve_zone(zone))


def range_end(value: dt.date | dt.datetime, *, zone: str) -> dt.datetime:
    """The last instant a range "until ``value``" (or a judgement "as of ``value``") includes:
    a bare date is the whole of that day in ``zone`` (up to its last microsecond); a date and
    time is itself. One rule for every shell and every command.

    >>> range_end(dt.date(2026, 11, 20), zone="Europe/London").isoformat()
    '2026-11-20T23:59:59.999999+00:00'
    >>> range_end(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), zone="UTC").hour
    9
    """
    if isinstance(value, dt.datetime):
        return value
    next_day = dt.datetime.combine(
        value + dt.timedelta(days=1), dt.time(0), tzinfo=resolve_zone(zone)
    )
    return next_day - dt.timedelta(microseconds=1)

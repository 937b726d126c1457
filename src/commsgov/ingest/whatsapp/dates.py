"""Dates and times as WhatsApp writes them: day/month order, two-digit years, clocks."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import TypeVar

from commsgov.ingest.errors import AmbiguousDateOrderError
from commsgov.ingest.model import DateOrder
from commsgov.ingest.whatsapp.errors import WhatsAppError
from commsgov.ingest.whatsapp.layouts import _MARKER_STRIP, _MARKERS, _TIME


def _order_candidates(dates: Iterable[tuple[str, str, str]]) -> list[DateOrder]:
    """The date orders consistent with every date string of the file."""
    dates = list(dates)
    if dates and all(len(a) >= 3 for a, _, _ in dates):
        return ["ymd"]
    # every date is valid when every year is, every (day, month) is in a leap year, and each
    # 29 February is in a leap year: the same as building every date, with far fewer built
    try:
        for year in {c for _, _, c in dates}:
            dt.date(_year(year), 1, 1)
    except ValueError:
        return []
    pairs = {(a, b) for a, b, _ in dates}
    orders: list[DateOrder] = []
    for order in ("dmy", "mdy"):
        try:
            for a, b in pairs:
                when = _to_date(a, b, "00", order)  # 2000: a leap year
                if when.month == 2 and when.day == 29:
                    for x, y, c in dates:
                        if (x, y) == (a, b):
                            _to_date(a, b, c, order)
        except ValueError:
            continue
        orders.append(order)
    return orders


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) <= 2 else year


def _to_date(a: str, b: str, c: str, order: DateOrder) -> dt.date:
    if order == "dmy":
        return dt.date(_year(c), int(b), int(a))
    if order == "mdy":
        return dt.date(_year(c), int(a), int(b))
    return dt.date(_year(a), int(b), int(c))


def decide_date_order(
    dates: list[tuple[str, str, str]], *, file: str = "<input>", dot_separated: bool = False
) -> DateOrder:
    """Decide day/month order from every date string of a file (in file order).

    Any first field over 12 proves d/m/y, any second field over 12 proves m/d/y; when neither
    does, day first when dates are written with dots (``12.03.24``: German, Russian, Finnish...),
    else the only order under which the dates never go backwards; otherwise the file is
    ambiguous.

    >>> decide_date_order([("3", "4", "24"), ("3", "14", "24")])
    'mdy'
    >>> decide_date_order([("01", "02", "2024"), ("02", "02", "2024"), ("01", "03", "2024")])
    'dmy'
    """
    orders = _order_candidates(dates)
    if len(orders) == 1:
        return orders[0]
    if orders and dot_separated:
        return "dmy"  # every locale that writes dates with dots puts the day first
    if not orders:
        raise WhatsAppError(
            "the dates fit neither day/month/year nor month/day/year order", file=file
        )
    monotonic = []
    for order in orders:
        days = [_to_date(a, b, c, order) for a, b, c in dates]
        if all(x <= y for x, y in itertools.pairwise(days)):
            monotonic.append(order)
    if len(monotonic) == 1:
        return monotonic[0]
    raise AmbiguousDateOrderError(
        "cannot tell whether dates are day/month/year or month/day/year "
        "(every day and month is 12 or less); pass --date-order dmy or --date-order mdy",
        file=file,
    )


def unreadable_date(
    dates: Iterable[tuple[str, str, str]], order: DateOrder
) -> tuple[str, str, str] | None:
    """The first date (as written, in file order) that cannot be a date in ``order``: proof
    that an order someone asked for is not the file's; None when every date can be.

    >>> unreadable_date([("12", "03", "24"), ("13", "03", "24")], "mdy")
    ('13', '03', '24')
    >>> unreadable_date([("12", "03", "24")], "mdy") is None
    True
    """
    for a, b, c in dates:
        if (len(a) >= 3) != (order == "ymd"):
            return a, b, c
        try:
            _to_date(a, b, c, order)
        except ValueError:
            return a, b, c
    return None


def clock_reader() -> Callable[[bytes], _Clock | None]:
    """A reader of times as written (``10:00``, ``8:04:08 AM``, ``00:08 a. m.``, ``午後3:00``):
    hour, minute, second, seconds since midnight and those as a timedelta, or None for a time
    that does not exist. Each marker is looked up once.

    >>> read = clock_reader()
    >>> read(b"00:08 a. m.")[:3], read(b"12:30 PM")[:3], read(b"13:00 PM")
    ((0, 8, 0), (12, 30, 0), None)
    """
    markers: dict[str, bool | None] = {}

    def clock_of(raw: bytes) -> _Clock | None:
        text = raw.decode()
        m = _TIME.fullmatch(text)
        if m is None:
            return None
        pre, h, mi, sec, ampm = m.groups()
        hour, minute, second = int(h), int(mi), int(sec) if sec else 0
        marker = ampm or pre
        if marker is not None:
            try:
                pm = markers[marker]
            except KeyError:
                pm = markers[marker] = _MARKERS.get(marker.translate(_MARKER_STRIP).lower())
            # (0 as well as 12: some phones write midnight "00:08 a. m.")
            if pm is None or hour > 12:
                return None
            hour = hour % 12 + (12 if pm else 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        total = hour * 3600 + minute * 60 + second
        return hour, minute, second, total, dt.timedelta(seconds=total)

    return clock_of


def _rolls_over(before: str, after: str) -> bool:
    """Whether two-digit years go into a new century (``98`` -> ``01``), not just back."""
    return len(before) <= 2 and len(after) <= 2 and int(before) >= 90 and int(after) <= 10


#: a date: year, month, day, its midnight in seconds since 1970 as if UTC, and its midnight in
#: the zone (None on a day when the zone's offset changes: those times are read with care)
_Day = tuple[int, int, int, int, dt.datetime | None]
#: a time: hour, minute, second, seconds since midnight, and those as a timedelta
_Clock = tuple[int, int, int, int, dt.timedelta]

_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(dict[_K, _V]):
    """A dict that fills itself: a missing ``memo[key]`` is computed once (so ``map`` looks up
    a whole list at C speed and calls Python only for keys not seen before)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[_K], _V]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self._make(key)
        return value

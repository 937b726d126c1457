"""The date rule: calendar months clamp to the month's end, wall time is kept in the item's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.retention import InvalidPeriodError, Period, add_period, parse_period

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def at(*args: int, tz: dt.tzinfo = LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        # 29 February: a year later is 28 February; four years later is 29 February again
        (at(2024, 2, 29, 9), "P1Y", at(2025, 2, 28, 9)),
        (at(2024, 2, 29, 9), "P4Y", at(2028, 2, 29, 9)),
        (at(2024, 2, 29, 9), "P3Y", at(2027, 2, 28, 9)),
        # month ends clamp
        (at(2026, 1, 31, 12), "P1M", at(2026, 2, 28, 12)),
        (at(2028, 1, 31, 12), "P1M", at(2028, 2, 29, 12)),
        (at(2026, 8, 31, 12), "P6M", at(2027, 2, 28, 12)),
        (at(2026, 3, 31, 12), "P1M", at(2026, 4, 30, 12)),
        # months first, then days
        (at(2026, 1, 31, 12), "P1M1D", at(2026, 3, 1, 12)),
        (at(2026, 11, 24, 10), "P5D", at(2026, 11, 29, 10)),
        (at(2026, 11, 24, 10), "P2W", at(2026, 12, 8, 10)),
        # across summer time: same wall time, different UTC offset
        (at(2026, 3, 1, 9, 30), "P1M", at(2026, 4, 1, 9, 30)),
        (at(2026, 10, 1, 9, 30), "P1M", at(2026, 11, 1, 9, 30)),
    ],
)
def test_documented_rule(start: dt.datetime, period: str, expected: dt.datetime) -> None:
    assert add_period(start, period) == expected


def test_wall_time_kept_across_summer_time() -> None:
    due = add_period(at(2026, 3, 1, 9, 30), "P1M")
    assert due.utcoffset() == dt.timedelta(hours=1)
    assert due.astimezone(UTC).hour == 8


def test_spring_forward_gap_moves_to_end_of_gap() -> None:
    # 01:30 on 29 March 2026 does not exist in London: the first instant after the gap
    due = add_period(at(2026, 3, 28, 1, 30), "P1D")
    assert due.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).hour == 2


def test_fall_back_picks_first_occurrence_but_never_before_trigger() -> None:
    due = add_period(at(2026, 10, 24, 1, 30), "P1D")
    assert due.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)
    assert add_period(second, "P0D").astimezone(UTC) == second.astimezone(UTC)


def test_naive_datetime_refused() -> None:
    with pytest.raises(InvalidPeriodError, match="no time zone"):
        add_period(dt.datetime(2026, 1, 1), "P1D")


@pytest.mark.parametrize("text", ["P", "PT5H", "P1.5Y", "-P1Y", "3Y", "", "P1Y2"])
def test_bad_periods_refused(text: str) -> None:
    with pytest.raises(InvalidPeriodError):
        parse_period(text)


def test_period_text_round_trip() -> None:
    assert str(parse_period("P1Y6M2W3D")) == "P1Y6M2W3D"
    assert parse_period("p5d") == Period(days=5)


zones = st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")])
instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=zones
)
periods = st.builds(
    Period,
    years=st.integers(0, 10),
    months=st.integers(0, 30),
    weeks=st.integers(0, 10),
    days=st.integers(0, 400),
)


@given(instants, periods)
def test_due_never_precedes_its_trigger(start: dt.datetime, period: Period) -> None:
    assert add_period(start, period).astimezone(UTC) >= start.astimezone(UTC)


@given(instants, instants, periods)
def test_monotonic_in_local_wall_time(a: dt.datetime, b: dt.datetime, period: Period) -> None:
    b = b.astimezone(a.tzinfo)
    if a.replace(tzinfo=None) > b.replace(tzinfo=None):
        a, b = b, a
    # by date: clamping to a month's last day can put a later trigger's time of day earlier
    assert add_period(a, period).date() <= add_period(b, period).date()


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)), periods)
def test_monotonic_in_utc(naive: dt.datetime, period: Period) -> None:
    a = naive.replace(tzinfo=UTC)
    b = a + dt.timedelta(hours=7)
    assert add_period(a, period).date() <= add_period(b, period).date()
    if not period.total_months:
        assert add_period(a, period) <= add_period(b, period)


@given(st.integers(1990, 2090), st.integers(1, 12), st.integers(0, 40))
def test_feb_29_and_month_end_rule(year: int, month: int, years: int) -> None:
    import calendar

    last = calendar.monthrange(year, month)[1]
    start = dt.datetime(year, month, last, 12, tzinfo=UTC)
    due = add_period(start, Period(years=years))
    assert due.month == month
    assert due.day == min(last, calendar.monthrange(year + years, month)[1])


@given(instants, periods)
def test_keeps_wall_clock_unless_it_does_not_exist(start: dt.datetime, period: Period) -> None:
    due = add_period(start, period)
    assert due.tzinfo is start.tzinfo
    if due.time() != start.time():
        # only when the target wall time fell in a spring-forward gap
        target = due.replace(
            hour=start.hour,
            minute=start.minute,
            second=start.second,
            microsecond=start.microsecond,
            tzinfo=None,
        )
        tz = start.tzinfo
        assert tz is not None
        back = target.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        assert back != target

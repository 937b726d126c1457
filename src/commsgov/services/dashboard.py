"""The records manager's dashboard: captures per channel per week, policy exceptions per month,
and what falls due per month by action, as counts (the web page draws them and lists them in
tables). Counts only: no record's content is read, so nothing here is a read of the record.

Weeks start on Monday and months on the 1st, in UTC, as the store keeps its times.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from commsgov.accounts.actor import Actor
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

__all__ = ["Chart", "Dashboard", "Series", "dashboard"]


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: its name and a count for each of the chart's periods."""

    name: str
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Counts over periods (``periods``: their first days), one :class:`Series` each."""

    title: str
    period: str
    periods: tuple[str, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The three charts, as of ``as_of`` (UTC)."""

    as_of: str
    captures: Chart
    exceptions: Chart
    due: Chart


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month(day: dt.date, shift: int = 0) -> dt.date:
    n = day.year * 12 + day.month - 1 + shift
    return dt.date(n // 12, n % 12 + 1, 1)


def _day(utc: str) -> dt.date:
    return dt.date.fromisoformat(utc[:10])


def _chart(title: str, period: str, periods: list[dt.date], found: Counter[tuple[str, dt.date]],
           names: list[str]) -> Chart:  # fmt: skip
    series = tuple(Series(name, tuple(found[(name, p)] for p in periods)) for name in names)
    return Chart(title, period, tuple(p.isoformat() for p in periods), series)


def dashboard(
    store: Store, *, actor: Actor, weeks: int = 12, months: int = 12,
    now: dt.datetime | None = None,
) -> Dashboard:  # fmt: skip
    """Captures per channel over the last ``weeks`` weeks, policy exceptions over the last
    ``months`` months, and items falling due over the next ``months`` months by action."""
    del actor  # (counts only: who may see them is the permission table's answer)
    now = clock(now)
    today = now.astimezone(dt.UTC).date()
    week_list = [_week(today) - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    past = [_month(today, -n) for n in range(months - 1, -1, -1)]
    ahead = [_month(today, n) for n in range(months)]
    start = dt.datetime.combine(week_list[0], dt.time(), dt.UTC)
    with store.read() as conn:
        captured = repo.capture_times(conn, since_utc=utc_text(start))
        exceptions = repo.exception_times(
            conn, since_utc=utc_text(dt.datetime.combine(past[0], dt.time(), dt.UTC))
        )
        due = rr.due_times(
            conn,
            since_utc=utc_text(dt.datetime.combine(ahead[0], dt.time(), dt.UTC)),
            until_utc=utc_text(dt.datetime.combine(_month(today, months), dt.time(), dt.UTC)),
        )
    by_week = Counter((method, _week(_day(at))) for method, at in captured)
    by_month = Counter(("exceptions", _month(_day(at))) for at in exceptions)
    due_by = Counter((action, _month(_day(at))) for at, action in due)
    return Dashboard(
        as_of=utc_text(now),
        captures=_chart(
            "Captures per channel per week",
            "week",
            week_list,
            by_week,
            sorted({m for m, _at in captured}),
        ),
        exceptions=_chart("Policy exceptions per month", "month", past, by_month, ["exceptions"]),
        due=_chart(
            "Items falling due per month, by action",
            "month",
            ahead,
            due_by,
            sorted({a for _at, a in due}),
        ),
    )

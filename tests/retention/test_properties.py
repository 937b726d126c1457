"""Properties of the retention core (hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from commsgov.retention import (
    Hold,
    HoldScope,
    Item,
    Period,
    Schedule,
    Setting,
    decide,
    due_at,
    resolve,
    trigger_time,
)

UTC = dt.UTC
zones = st.sampled_from([UTC, ZoneInfo("Europe/London"), ZoneInfo("Pacific/Chatham")])
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2060, 1, 1), timezones=zones
)
periods = st.one_of(
    st.none(),
    st.builds(
        Period,
        years=st.integers(0, 8),
        months=st.integers(0, 24),
        weeks=st.integers(0, 4),
        days=st.integers(0, 60),
    ),
)
schedules = st.builds(
    Schedule,
    id=st.just("cls"),
    action=st.sampled_from(["delete", "review", "transfer", "move-to-archive"]),
    period=periods,
    trigger=st.sampled_from(["created", "last-modified", "event", "closed"]),
    paused=st.booleans(),
)


@st.composite
def items(draw: st.DrawFn) -> Item:
    created = draw(instants)
    later = st.one_of(st.none(), st.timedeltas(dt.timedelta(0), dt.timedelta(days=3000)))
    mods = [draw(later) for _ in range(3)]
    return Item(
        "r1",
        "cls",
        created=created,
        modified=created + mods[0] if mods[0] is not None else None,
        closed=created + mods[1] if mods[1] is not None else None,
        event=created + mods[2] if mods[2] is not None else None,
        participants=tuple(draw(st.lists(st.sampled_from(["ann", "bob", "cat"]), max_size=2))),
    )


settings = st.builds(
    Setting,
    source=st.sampled_from(["a", "b", "c", "d"]),
    retain=st.booleans(),
    ends=st.one_of(st.none(), instants),
    action=st.sampled_from([None, "delete", "review", "transfer", "move-to-archive"]),
    scope=st.sampled_from(["explicit", "scoped", "org-wide"]),
)
T0 = dt.datetime(2000, 1, 1, tzinfo=UTC)


@given(st.lists(settings, max_size=6), st.lists(st.booleans(), min_size=1, max_size=3), instants)
def test_no_held_item_is_ever_disposed_of(
    found: list[Setting], lifted: list[bool], as_of: dt.datetime
) -> None:
    holds = [
        Hold(f"h{i}", f"Hold {i}", "mandate", HoldScope(record_uids=frozenset({"r1"})), "ann", T0)
        for i in range(len(lifted))
    ]
    holds = [
        h.lift(by="bob", at=as_of, reason="done") if gone else h
        for h, gone in zip(holds, lifted, strict=True)
    ]
    outcome = resolve(found, holds=holds, at=None)
    if not all(lifted):
        assert outcome.held_by
        assert not outcome.disposable
        assert not outcome.due(dt.datetime.max.replace(tzinfo=UTC))


@given(items(), schedules)
def test_due_dates_never_precede_their_trigger(item: Item, schedule: Schedule) -> None:
    due = due_at(item, schedule=schedule)
    start = trigger_time(item, schedule=schedule)
    if due is not None:
        assert start is not None
        assert due.astimezone(UTC) >= start.astimezone(UTC) >= item.created.astimezone(UTC)


@given(items(), schedules, st.lists(settings, max_size=3))
def test_applying_the_same_schedule_twice_changes_nothing(
    item: Item, schedule: Schedule, extra: list[Setting]
) -> None:
    once = decide(item, schedules={"cls": schedule}, explicit=extra)
    from commsgov.retention import schedule_setting

    twice = decide(
        item, schedules={"cls": schedule}, explicit=[*extra, schedule_setting(item, schedule)]
    )
    assert (once.action, once.at, once.retained_until, once.held_by) == (
        twice.action,
        twice.at,
        twice.retained_until,
        twice.held_by,
    )


@given(st.lists(settings, min_size=1, max_size=6), st.randoms())
def test_resolution_is_deterministic_whatever_the_order(found: list[Setting], rnd: object) -> None:
    shuffled = list(found)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = resolve(found), resolve(shuffled)
    assert (a.action, a.at, a.retained_until) == (b.action, b.at, b.retained_until)


@given(st.lists(settings, min_size=1, max_size=6))
def test_disposal_never_before_retention_ends(found: list[Setting]) -> None:
    out = resolve(found)
    if out.at is not None and out.retained_until is not None:
        assert out.at >= out.retained_until
    if out.retained_indefinitely:
        assert out.at is None

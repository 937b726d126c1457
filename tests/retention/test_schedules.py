"""Schedules from the bundled pack, triggers, and the documents' rules as golden cases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commsgov.jsonable import jsonable
from commsgov.retention import (
    Item,
    Period,
    Schedule,
    UnknownScheduleError,
    decide,
    disposal_date,
    due_at,
    find_schedule,
    paused_holds,
    trigger_time,
)
from commsgov.services import load_schedules, when

LONDON = ZoneInfo("Europe/London")
T = dt.datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)


def test_bundled_pack_carries_the_documents_rules() -> None:
    s = load_schedules()
    assert {k: (str(v.period) if v.period else None, v.trigger, v.action, v.paused)
            for k, v in s.items()} == {
        "teams-channel": ("P3Y", "created", "delete", False),
        "teams-chat": ("P5D", "created", "delete", False),
        "teams-meeting-chat": ("P5D", "created", "delete", False),
        "teams-chat-document": ("P2Y", "last-modified", "delete", True),
        "email": ("P6M", "created", "move-to-archive", False),
        "captured-record": (None, "created", "review", False),
    }  # fmt: skip
    for schedule in s.values():
        assert schedule.citations and schedule.mandate


@pytest.mark.parametrize(
    ("record_class", "created", "modified", "action", "due"),
    [
        # "remain available for up to three years, after which they will automatically be deleted"
        ("teams-channel", T, None, "delete", dt.datetime(2029, 3, 2, 9, 30, tzinfo=LONDON)),
        # "remain available for up to five days"
        ("teams-chat", T, None, "delete", dt.datetime(2026, 3, 7, 9, 30, tzinfo=LONDON)),
        ("teams-meeting-chat", T, None, "delete", dt.datetime(2026, 3, 7, 9, 30, tzinfo=LONDON)),
        # "two years after the last update date" (and paused)
        ("teams-chat-document", T, T.replace(month=6), None,
         dt.datetime(2028, 6, 2, 9, 30, tzinfo=LONDON)),
        # "older than six months will automatically be moved to your online archive mailbox"
        ("email", T, None, None, dt.datetime(2026, 9, 2, 9, 30, tzinfo=LONDON)),
        # "retained only as long as required": until review, no date
        ("captured-record", T, None, "review", None),
    ],
)  # fmt: skip
def test_golden_rule_per_record_class(
    record_class: str,
    created: dt.datetime,
    modified: dt.datetime | None,
    action: str | None,
    due: dt.datetime | None,
) -> None:
    schedules = load_schedules()
    item = Item("x", record_class, created=created, modified=modified)
    assert due_at(item, schedule=schedules[record_class]) == due
    outcome = decide(item, schedules=schedules, holds=paused_holds(schedules.values()))
    if record_class == "teams-chat-document":
        assert outcome.held_by and not outcome.disposable
    else:
        assert outcome.action == action


def test_event_and_closed_triggers_wait_for_their_date() -> None:
    s = Schedule("case", "review", Period(years=7), trigger="closed")
    open_case = Item("c", "case", created=T)
    assert trigger_time(open_case, schedule=s) is None and due_at(open_case, schedule=s) is None
    closed = Item("c", "case", created=T, closed=T.replace(year=2027))
    assert due_at(closed, schedule=s) == T.replace(year=2034)
    e = Schedule("ev", "transfer", Period(years=1), trigger="event")
    assert due_at(Item("e", "ev", created=T, event=T), schedule=e) == T.replace(year=2027)
    assert disposal_date(Item("e", "ev", created=T), schedule=e, today=T.date()) is None


def test_find_schedule_by_id_or_channel() -> None:
    s = load_schedules()
    assert find_schedule(s, "teams-chat").id == "teams-chat"
    with pytest.raises(UnknownScheduleError, match="record classes"):
        find_schedule(s, "fax")


def test_when_service_reports_due_and_citations() -> None:
    out = jsonable(when(channel="teams-chat", created=T, as_of=T.date()))
    assert out["due"] == "2026-03-07T09:30:00+00:00" and out["paused"] is False
    assert out["advice"].startswith("This Teams chat is deleted on Saturday 7 March 2026")
    doc = jsonable(when(channel="teams-chat-document", created=T, modified=T, as_of=T.date()))
    assert doc["paused"] is True and "paused" in doc["advice"]

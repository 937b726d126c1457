"""Holds: scope matching, mandates, lifting as its own act, the standing pause."""

from __future__ import annotations

import datetime as dt

import pytest

from commsgov.retention import (
    Hold,
    HoldError,
    HoldScope,
    Item,
    Period,
    Schedule,
    decide,
    paused_holds,
)

T = dt.datetime(2026, 3, 10, 14, tzinfo=dt.UTC)
ITEM = Item(
    "rec1",
    "captured-record",
    created=T,
    method="whatsapp",
    participants=("Ann Smith", "+44 7700 900123"),
    outage="out1",
    text="Decision on the Covid-19 testing contract",
)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (HoldScope(record_uids=frozenset({"rec1"})), True),
        (HoldScope(record_uids=frozenset({"rec2"})), False),
        (HoldScope(participants=frozenset({"ANN  smith"})), True),
        (HoldScope(participants=frozenset({"Bob"})), False),
        (HoldScope(methods=frozenset({"whatsapp", "signal"})), True),
        (HoldScope(methods=frozenset({"signal"})), False),
        (HoldScope(date_from=T - dt.timedelta(days=1), date_to=T), True),
        (HoldScope(date_from=T + dt.timedelta(seconds=1)), False),
        (HoldScope(outages=frozenset({"out1"})), True),
        (HoldScope(search="covid contract"), True),
        (HoldScope(search="covid vaccine"), False),
        (HoldScope(record_classes=frozenset({"captured-record"})), True),
        # criteria of different kinds must all match
        (HoldScope(methods=frozenset({"whatsapp"}), participants=frozenset({"Bob"})), False),
    ],
)
def test_scope_matching(scope: HoldScope, expected: bool) -> None:
    assert scope.matches(ITEM) is expected


def test_hold_needs_name_mandate_scope() -> None:
    with pytest.raises(HoldError, match="name"):
        Hold("h", " ", "m", HoldScope(search="x"), "ann", T)
    with pytest.raises(HoldError, match="mandate"):
        Hold("h", "FOI 2026/0123", "", HoldScope(search="x"), "ann", T)
    with pytest.raises(HoldError, match="scope"):
        Hold("h", "FOI 2026/0123", "FOI (Scotland) Act 2002", HoldScope(), "ann", T)


def test_lift_is_its_own_act() -> None:
    hold = Hold("h", "FOI 2026/0123", "FOI (Scotland) Act 2002", HoldScope(search="x"), "ann", T)
    lifted = hold.lift(by="bob", at=T + dt.timedelta(days=20), reason="request answered")
    assert (lifted.lifted_by, lifted.lift_reason) == ("bob", "request answered")
    assert hold.active(T + dt.timedelta(days=1)) and not lifted.active()
    assert lifted.active(T + dt.timedelta(days=1))  # it was in force before the lift
    with pytest.raises(HoldError, match="already lifted"):
        lifted.lift(by="bob", at=T, reason="again")
    with pytest.raises(HoldError, match="why"):
        hold.lift(by="bob", at=T, reason=" ")


def test_standing_pause_is_a_hold_that_only_the_pack_lifts() -> None:
    doc = Schedule("teams-chat-document", "delete", Period(years=2), "last-modified", paused=True)
    (pause,) = paused_holds([doc, Schedule("teams-chat", "delete", Period(days=5))])
    item = Item("d", "teams-chat-document", created=T, modified=T)
    out = decide(item, schedules={doc.id: doc}, holds=[pause])
    assert out.held_by == (pause.name,) and not out.due(T.replace(year=2040))
    with pytest.raises(HoldError, match="standing"):
        pause.lift(by="ann", at=T, reason="x")

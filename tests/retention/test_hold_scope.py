"""A hold holds what it names (SQLite and PostgreSQL): channels resolved as capture resolves
them, unknown ones and reversed ranges refused, a warning when it covers nothing, participants
matched however their names are spaced, punctuated or ordered, in SQL as in Python."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.errors import InvalidInput, NotFound
from commsgov.records import Participant, RecordDraft
from commsgov.records.events import HoldPlaced
from commsgov.retention import HoldScope
from commsgov.retention.holds import participant_matches
from commsgov.services.dispositions import item_of
from commsgov.store import repo_retention as rr

#: who acts in these tests
ACTOR = Actor.cli("tester")
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _capture(store: Any, *, method: str = "email", who: tuple[Participant, ...] = ()) -> str:
    draft = RecordDraft(method=method, occurred_at=T0, summary="x", participants=who)
    return svc.capture(store, draft, actor=ACTOR, now=NOW).uid


def _place(store: Any, **scope: Any) -> Any:
    return svc.place_hold(
        store, name="FOI 2026/0123", mandate="FOISA", scope=HoldScope(**scope), now=NOW,
        actor=ACTOR,
    )  # fmt: skip


def test_a_hold_on_sms_holds_what_capture_stored_as_sms(store: Any) -> None:
    """The attack: `hold place --method sms` stored `sms`, capture stored `corporate-phone`;
    the hold covered nothing and dispose destroyed the records it named."""
    uid = _capture(store, method="sms")
    assert svc.get_record(store, uid, actor=ACTOR).method == "corporate-phone"
    svc.review(store, uids=[uid], decision="destroy", reason="r", now=NOW, actor=ACTOR)
    hold = _place(store, methods=frozenset({"SMS"}))
    assert hold.scope.methods == ("corporate-phone",) and hold.covers == (uid,)
    assert hold.warning is None
    out = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert out.destroyed == () and [k.uid for k in out.skipped] == [uid]


def test_a_hold_placed_before_channels_were_resolved_still_holds(store: Any) -> None:
    """A hold an earlier version stored with the literal `sms`: when in doubt, it keeps."""
    uid = _capture(store, method="sms")
    svc.review(store, uids=[uid], decision="destroy", reason="r", now=NOW, actor=ACTOR)
    stored = rr.scope_to_json(HoldScope(methods=frozenset({"sms"})))
    row = {"uid": "0" * 32, "name": "old", "mandate": "m", "scope": stored, "placed_by": "ann",
           "placed_at_utc": "2026-11-24T12:00:00.000000Z"}  # fmt: skip
    event = HoldPlaced(row["uid"], "old", "m", json.loads(stored), "ann", row["placed_at_utc"])
    with store.write() as conn:  # as place_hold did before it resolved channels
        svc.append_events(conn, [event], actor=ACTOR, now=NOW)
        rr.insert_hold(conn, row=row)
    assert svc.verify(store, actor=ACTOR).ok
    assert [h.covers for h in svc.list_holds(store, actor=ACTOR)] == [1]
    out = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert out.destroyed == () and [k.uid for k in out.skipped] == [uid]


def test_what_a_hold_cannot_name_is_refused(store: Any) -> None:
    with pytest.raises(InvalidInput, match="Did you mean whatsapp") as info:
        _place(store, methods=frozenset({"whatsap"}))
    assert info.value.field == "method"
    with pytest.raises(InvalidInput, match=r"ends .* before it starts") as info:
        _place(store, date_from=NOW, date_to=T0)
    assert info.value.field == "to"
    with pytest.raises(NotFound):
        _place(store, record_uids=frozenset({"f" * 32}))
    with pytest.raises(InvalidInput, match="no outage"):
        _place(store, outages=frozenset({"nope"}))
    with pytest.raises(InvalidInput, match="record classes"):
        _place(store, record_classes=frozenset({"no-such-class"}))
    assert svc.list_holds(store, actor=ACTOR) == []
    assert svc.verify(store, actor=ACTOR).entries == 0


def test_a_hold_that_covers_nothing_says_so_loudly(store: Any) -> None:
    _capture(store, method="email")
    hold = _place(store, methods=frozenset({"signal"}))
    assert hold.covers == () and hold.warning is not None
    assert "covers no record" in hold.warning and "signal" in hold.warning
    # prefixes of record ids are completed, so a hold names the record in full
    uid = _capture(store, method="signal")
    assert _place(store, record_uids=frozenset({uid[:8]})).scope.record_uids == (uid,)


@pytest.mark.parametrize(
    ("held", "stored"),
    [
        ("Ann Smith", "Ann  Smith"),
        ("Ann Smith", "Smith, Ann"),
        ("ann smith", "SMITH, Ann"),
        ("Smith", "Dr Ann Smith"),
        ("O'Neil", "Mary O’Neil"),
        ("élodie martin", "ÉLODIE MARTIN"),
        ("+44 7700 900123", "07700900123"),
        ("07700 900123", "+447700900123"),
    ],
)
def test_participants_match_however_the_name_is_written(store: Any, held: str, stored: str) -> None:
    uid = _capture(store, who=(Participant(stored),))
    other = _capture(store, who=(Participant("Bob Jones", number="+44 7700 900999"),))
    hold = _place(store, participants=frozenset({held}))
    assert hold.covers == (uid,), (held, stored, other)


def test_sql_and_python_agree_on_participants(store: Any) -> None:
    """Random names (spacing, punctuation, order, case, accents, numbers) on both databases:
    the SQL predicate the due sweep uses keeps exactly what the core's rule keeps."""
    rng = random.Random(11)
    first = ["Ann", "ann", "ÁNN", "Bob", "Zoë", "Mary-Jane", "O'Neil", "Li"]
    last = ["Smith", "SMITH", "Jones", "Ó Súilleabháin", "van der Berg", "Ng"]
    numbers = [None, "+44 7700 900123", "07700 900124", "(0131) 244 0000", "12345"]

    def name() -> str:
        a, b = rng.choice(first), rng.choice(last)
        form = rng.randrange(4)
        return [f"{a} {b}", f"{b}, {a}", f"{a}  {b}", f" {a}\t{b}."][form]

    uids = {}
    for _ in range(30):
        who = tuple(
            Participant(name(), number=rng.choice(numbers)) for _ in range(rng.randint(1, 3))
        )
        uids[_capture(store, who=who)] = who
    svc.sync(store, now=NOW, actor=ACTOR)
    values = [name() for _ in range(25)] + ["Smith", "ann", "0131 2440000", "7700900123",
                                            "12345", "Zoe", "zoë", "o'neil"]  # fmt: skip
    items = {u: item_of(_row(svc.get_record(store, u, actor=ACTOR)), "x") for u in uids}
    with store.read() as conn:
        for value in values:
            scope = HoldScope(participants=frozenset({value}))
            in_sql = set(rr.uids_matching(conn, scope=scope))
            pure = {uid for uid, item in items.items() if scope.matches(item)}
            assert in_sql == pure, value
            # and the rule itself, on the participants' own strings
            for uid, who in uids.items():
                strings = [s for p in who for s in (p.name, p.number) if s]
                assert participant_matches(value, strings) == (uid in pure), (value, who)


def _row(view: Any) -> dict[str, Any]:
    return {
        "uid": view.uid,
        "occurred_at_utc": view.occurred_at_utc,
        "occurred_zone": view.occurred_zone,
        "method": view.method,
        "outage_uid": view.outage_uid,
        "participants": [{"name": p.name, "number": p.number} for p in view.participants],
    }

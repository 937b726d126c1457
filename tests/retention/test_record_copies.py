"""The due sweep reads ``retention_items`` alone: each item keeps copies of the record columns
holds decide on (method, time, outage, participants). The copies are written when the item is
made, kept in step by every change to the record (a correction, a merged correction), compared
with the record by ``verify``, and the sweep over them holds what a hold names, as the core's
rule does (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import MessageDraft, Participant, RecordDraft
from commsgov.retention import HoldScope
from commsgov.retention.holds import participant_matches
from commsgov.store import repo_retention as rr

#: who acts in these tests
ACTOR = Actor.cli("tester")
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
COPIES = ", ".join(rr.RECORD_COPIES)


def _sql(store: Any, statement: str, **params: Any) -> Any:
    from sqlalchemy import text

    with store.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def _capture(store: Any, *, who: tuple[Participant, ...], method: str = "teams-chat") -> str:
    draft = RecordDraft(method=method, occurred_at=T0, summary="x", participants=who)
    return svc.capture(store, draft, actor=ACTOR, now=NOW).uid


def _copies_match(store: Any) -> int:
    """How many items were compared; fails if any copy differs from its record."""
    records = {
        r[0]: tuple(r[1:]) for r in _sql(store, f"SELECT uid, {COPIES} FROM records")
    }  # fmt: skip
    items = {
        r[0]: tuple(r[1:]) for r in _sql(store, f"SELECT record_uid, {COPIES} FROM retention_items")
    }  # fmt: skip
    assert set(items) == set(records)
    for uid, copy in items.items():
        assert copy == records[uid], uid
    return len(items)


def _due(store: Any) -> dict[str, Any]:
    return dict(jsonable(svc.due(store, as_of=NOW, now=NOW, actor=ACTOR)))


def test_every_write_path_leaves_the_copies_in_step(store: Any) -> None:
    """Capture, a conversation import and a capture during an outage: the items sync makes
    (one INSERT ... SELECT for the pack's kept-until-review default) copy the record's values."""
    svc.start_outage(store, reason="SCOTS down", started_at=T0 - dt.timedelta(hours=1),
                     actor=ACTOR, now=T0)  # fmt: skip
    _capture(store, who=(Participant("Ann Smith", number="+44 7700 900123"),), method="email")
    svc.store_conversation(
        store,
        record=RecordDraft(method="whatsapp", occurred_at=T0, conversation_key="grp",
                           participants=(Participant("Bob"),)),
        messages=[MessageDraft(T0, "Bob", "hello")],
        actor=ACTOR, now=NOW,
    )  # fmt: skip
    svc.sync(store, now=NOW, actor=ACTOR)
    assert _sql(store, "SELECT count(*) FROM retention_items WHERE outage_uid IS NOT NULL")[0][0]
    assert _copies_match(store) == 2
    assert svc.verify(store, actor=ACTOR).ok


def test_sync_says_how_many_items_it_added(store: Any) -> None:
    """The kept-until-review default adds its items in one INSERT ... SELECT: the count is its
    rows on both backends (PostgreSQL's driver gave -1 once its cursor closed)."""
    _capture(store, who=(Participant("Ann Smith"),))
    _capture(store, who=(Participant("Bob"),), method="email")
    assert svc.sync(store, now=NOW, actor=ACTOR) == 2
    assert svc.sync(store, now=NOW, actor=ACTOR) == 0
    _capture(store, who=(Participant("Cy"),), method="signal")
    assert svc.sync(store, now=NOW, actor=ACTOR) == 1
    assert _sql(store, "SELECT count(*) FROM retention_items") == [(3,)]


def test_items_given_a_computed_due_date_copy_the_record_too(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack whose default schedule has a period: sync computes each due date in Python and
    writes the copies with it (the other path of sync)."""
    import dataclasses

    from commsgov.retention.schedules import Period
    from commsgov.services import dispositions, load_schedules

    schedules = load_schedules()
    dated = dataclasses.replace(schedules["captured-record"], period=Period(days=30))
    monkeypatch.setattr(
        dispositions, "load_schedules", lambda pack=None: {**schedules, "captured-record": dated}
    )
    _capture(store, who=(Participant("Ann Smith"),), method="signal")
    _capture(store, who=(Participant("Bob", number="07700 900123"),), method="email")
    assert svc.sync(store, now=NOW, actor=ACTOR) == 2
    assert _sql(store, "SELECT count(*) FROM retention_items WHERE due_at_utc IS NULL") == [(0,)]
    assert _copies_match(store) == 2
    held = _due(store)
    assert held["total"] == 2 and held["held"] == 0


@pytest.mark.parametrize(
    ("scope", "changes"),
    [
        (
            {"participants": frozenset({"Ann Smith"})},
            {"participants": [Participant("Smith,  ann")]},
        ),
        ({"methods": frozenset({"signal"})}, {"method": "signal"}),
    ],
    ids=["participants", "method"],
)
def test_a_corrected_record_is_held_by_what_it_now_names(
    store: Any, scope: dict[str, Any], changes: dict[str, Any]
) -> None:
    """The attack: copies left as they were when the item was made would let the sweep list
    (and a clerk destroy) a record a hold names since its correction."""
    uids = [_capture(store, who=(Participant("Bob Jones"),)) for _ in range(2)]
    svc.classify(store, uids=uids, record_class="teams-chat", reason="copies", now=NOW,
                 actor=ACTOR)  # fmt: skip
    svc.place_hold(store, name="FOI", mandate="FOISA", scope=HoldScope(**scope), now=NOW,
                   actor=ACTOR)  # fmt: skip
    before = _due(store)
    assert (before["held"], sorted(i["record_uid"] for i in before["items"])) == (0, sorted(uids))
    svc.correct_record(store, uid=uids[0], changes=changes, reason="misread", now=NOW,
                       actor=ACTOR)  # fmt: skip
    after = _due(store)
    assert after["held"] == 1 and [i["record_uid"] for i in after["items"]] == [uids[1]]
    _copies_match(store)
    assert svc.verify(store, actor=ACTOR).ok


def test_a_merged_correction_refreshes_the_copies(store: Any, tmp_path: Path) -> None:
    """A kit's record merged, given its disposition, then corrected on the kit and merged again:
    the item's copies follow the record."""
    folder = tmp_path / "kit"
    folder.mkdir()
    offline = svc.open_store(f"sqlite:///{folder}/offline.db", blob_dir=folder / "blobs")
    uid = _capture(offline, who=(Participant("Bob Jones"),), method="email")
    key = svc.store_identity(offline, actor=ACTOR).public_key
    path = folder / "offline.db"
    svc.merge_offline(store, path, actor=ACTOR, public_key=key, now=NOW)
    svc.sync(store, now=NOW, actor=ACTOR)
    svc.correct_record(offline, uid=uid, changes={"participants": [Participant("Ann Smith")],
                       "method": "signal"}, reason="misread", now=NOW, actor=ACTOR)  # fmt: skip
    svc.merge_offline(store, path, actor=ACTOR, now=NOW)
    ((method, participants),) = _sql(
        store, "SELECT method, participants FROM retention_items WHERE record_uid = :u", u=uid
    )
    assert method == "signal" and "Ann Smith" in participants
    _copies_match(store)
    assert svc.verify(store, actor=ACTOR).ok
    offline.close()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("method", "'email'"),
        ("method", "NULL"),
        ("occurred_at_utc", "'2001-01-01T00:00:00.000000Z'"),
        ("outage_uid", "'0123456789abcdef0123456789abcdef'"),
        ("participants", "'[]'"),
        ("participants", "NULL"),
    ],
)
def test_verify_reports_a_copy_out_of_step(store: Any, column: str, value: str) -> None:
    """Rewriting a copy (to take a record out of a hold's reach) is caught, naming the record
    and the column; the records themselves are untouched."""
    uid = _capture(store, who=(Participant("Ann Smith"),), method="signal")
    svc.sync(store, now=NOW, actor=ACTOR)
    assert svc.verify(store, actor=ACTOR).ok
    assert _sql(store, f"UPDATE retention_items SET {column} = {value}") == 1
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok and report.problem is not None
    assert (report.problem.check, report.problem.record_uid) == ("retention", uid)
    assert f"copy of {column} differs" in report.problem.detail


def test_the_sweep_over_the_copies_agrees_with_the_core(store: Any) -> None:
    """Random names (spacing, punctuation, order, case, accents, numbers): the due sweep, which
    reads the items' copies, leaves out exactly what the core's rule holds."""
    rng = random.Random(13)
    first = ["Ann", "ann", "ÁNN", "Bob", "Zoë", "Mary-Jane", "O'Neil"]
    last = ["Smith", "SMITH", "Jones", "Ó Súilleabháin", "van der Berg"]
    numbers = [None, "+44 7700 900123", "07700 900124", "(0131) 244 0000"]

    def name() -> str:
        a, b = rng.choice(first), rng.choice(last)
        return [f"{a} {b}", f"{b}, {a}", f"{a}  {b}", f" {a}\t{b}."][rng.randrange(4)]

    people = {}
    for _ in range(20):
        who = tuple(Participant(name(), number=rng.choice(numbers)) for _ in range(2))
        people[_capture(store, who=who)] = who
    svc.classify(store, uids=list(people), record_class="teams-chat", reason="copies", now=NOW,
                 actor=ACTOR)  # fmt: skip
    cutoff = "2026-11-24T12:00:00.000000Z"
    for value in [name() for _ in range(12)] + ["Smith", "ann", "0131 2440000", "zoe"]:
        scope = HoldScope(participants=frozenset({value}))
        with store.read() as conn:
            listed = {r["record_uid"] for r in rr.due_items(conn, as_of=cutoff, held=[scope])}
            ((action, unheld, held),) = rr.due_summary(conn, as_of=cutoff, held=[scope])
        pure = {
            uid
            for uid, who in people.items()
            if participant_matches(value, [s for p in who for s in (p.name, p.number) if s])
        }
        assert listed == set(people) - pure, value
        assert (action, unheld, held) == ("delete", len(people) - len(pure), len(pure)), value

"""Retention on the store (SQLite and PostgreSQL): holds, sweep, review, destruction, transfer."""

from __future__ import annotations

import contextlib
import datetime as dt
import tarfile
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as ret
from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import MessageDraft, Participant, RecordDraft
from commsgov.retention import HoldScope, ReviewError

#: who acts in these tests
ACTOR = Actor.cli("tester")

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _sql(store: Any, statement: str, **params: Any) -> Any:
    from sqlalchemy import text

    with store.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def _capture(
    store: Any,
    *,
    summary: str,
    who: str = "Ann Smith",
    method: str = "email",
    at: dt.datetime = T0,
    attach: list[Path] | None = None,
) -> str:
    draft = RecordDraft(
        method=method, occurred_at=at, summary=summary, participants=(Participant(who),)
    )
    return svc.capture(store, draft, actor=Actor.cli("ann"), attach=attach or [], now=NOW).uid


def _chat(store: Any, key: str, n: int = 5) -> str:
    draft = RecordDraft(
        method="whatsapp",
        occurred_at=T0,
        conversation_key=key,
        subject=f"Group {key}",
        participants=(Participant("Bob"),),
    )
    msgs = [
        MessageDraft(T0 + dt.timedelta(minutes=i), "Bob", f"covid update {i}") for i in range(n)
    ]
    return svc.store_conversation(
        store, record=draft, messages=msgs, actor=Actor.cli("imp"), now=NOW
    ).record_uid


def _verify_ok(store: Any) -> None:
    report = svc.verify(store, actor=ACTOR)
    assert report.problem is None, str(report.problem)
    assert not report.orphan_blobs


def test_captured_records_wait_for_review(store: Any) -> None:
    uid = _capture(store, summary="budget decision")
    report = jsonable(ret.due(store, as_of=NOW + dt.timedelta(days=3650), now=NOW, actor=ACTOR))
    assert report["total"] == 0 and report["synced"] in (1, -1)
    info = jsonable(ret.explain(store, uid, now=NOW, actor=ACTOR))
    assert info["record_class"] == "captured-record"
    assert info["outcome"]["retained_indefinitely"] is True
    assert info["schedule"]["citations"][0]["document"] == "000_9dc585f751727391.txt"


def test_review_extend_sets_a_date_then_destroy_with_certificate(
    store: Any, tmp_path: Path
) -> None:
    file = tmp_path / "minutes.txt"
    file.write_text("minutes\n")
    uid = _capture(store, summary="budget decision", attach=[file])
    keep = _capture(store, summary="another")
    review_on = NOW + dt.timedelta(days=30)
    (res,) = jsonable(
        ret.review(
            store,
            uids=[uid],
            decision="extend",
            reason="review in a month",
            until=review_on,
            actor=Actor.cli("rita"),
            now=NOW,
        )
    )
    assert res["status"] == "scheduled" and res["due"].startswith("2026-12-24")
    assert jsonable(ret.due(store, as_of=NOW, now=NOW, actor=ACTOR))["total"] == 0
    report = jsonable(ret.due(store, as_of=review_on, now=NOW, actor=ACTOR))
    assert report["due"] == [{"action": "review", "count": 1}]
    # nothing is destroyed without an approved review
    assert jsonable(ret.dispose(store, as_of=review_on, now=NOW, actor=ACTOR))["destroyed"] == []
    ret.review(
        store,
        all_due=True,
        as_of=review_on,
        decision="destroy",
        reason="no value",
        actor=Actor.cli("rita"),
        now=NOW,
    )
    out = jsonable(ret.dispose(store, as_of=review_on, actor=Actor.cli("clerk"), now=NOW))
    assert [d["uid"] for d in out["destroyed"]] == [uid]
    _verify_ok(store)
    assert _sql(store, "SELECT count(*) FROM records WHERE uid = :u", u=uid)[0][0] == 0
    assert _sql(store, "SELECT count(*) FROM blobs")[0][0] == 0
    stub = jsonable(ret.explain(store, uid, now=NOW, actor=ACTOR))
    assert stub["status"] == "destroyed"
    assert stub["certificate"]["approved_by"] == ["rita"]
    assert stub["certificate"]["executed_by"] == "clerk"
    assert stub["stub"]["record_sha256"] and stub["stub"]["participants"][0]["name"] == "Ann Smith"
    assert "summary" not in stub["stub"] and "content" not in stub["stub"]
    # the content is gone from the ledger too: only hashes remain there
    payloads = [
        r[0] for r in _sql(store, "SELECT payload FROM ledger WHERE record_uid = :u", u=uid)
    ]
    assert payloads and not any("budget decision" in p for p in payloads)
    assert stub["stub"]["redacted_entries"] == 1
    assert jsonable(ret.explain(store, keep, now=NOW, actor=ACTOR))["status"] == "scheduled"


def test_redaction_of_a_live_record_is_tampering(store: Any) -> None:
    from commsgov.records.verify import redaction_payload

    uid = _capture(store, summary="secret")
    _sql(
        store,
        "UPDATE ledger SET payload = :p WHERE record_uid = :u",
        p=redaction_payload(uid, disposed_seq=99),
        u=uid,
    )
    report = svc.verify(store, actor=ACTOR)
    assert report.problem is not None
    assert "redacted" in str(report.problem) or "content" in str(report.problem)


def test_two_stage_review(store: Any) -> None:
    uid = _capture(store, summary="x")
    ret.review(
        store, uids=[uid], decision="destroy", reason="r", stages_required=2, now=NOW, actor=ACTOR
    )
    assert jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))["destroyed"] == []
    with pytest.raises(ReviewError):
        ret.review(store, uids=[uid], decision="destroy", reason="r", stage=3, now=NOW, actor=ACTOR)
    ret.review(
        store,
        uids=[uid],
        decision="destroy",
        reason="agree",
        stage=2,
        actor=Actor.cli("sam"),
        now=NOW,
    )
    assert len(jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))["destroyed"]) == 1
    _verify_ok(store)


def test_delete_schedule_without_review_and_holds(store: Any) -> None:
    a = _capture(store, summary="chat a", who="Ann Smith", method="teams-chat")
    b = _capture(store, summary="chat b", who="Bob Jones", method="teams-chat")
    c = _chat(store, "grp")
    ret.classify(
        store,
        uids=[a, b, c],
        record_class="teams-chat",
        reason="Teams chat copies",
        now=NOW,
        actor=ACTOR,
    )
    hold = jsonable(
        ret.place_hold(
            store,
            name="Covid-19 Inquiry",
            mandate="Inquiries Act 2005 s.21",
            scope=HoldScope(participants=frozenset({"ann smith"})),
            actor=Actor.cli("legal"),
            now=NOW,
        )
    )
    assert hold["covers"] == [a]
    search = jsonable(
        ret.place_hold(
            store,
            name="FOI 2026/0123",
            mandate="FOISA request",
            scope=HoldScope(search="covid"),
            actor=Actor.cli("foi"),
            now=NOW,
        )
    )
    assert search["covers"] == [c]
    report = jsonable(ret.due(store, as_of=NOW, now=NOW, actor=ACTOR))
    assert report["due"] == [{"action": "delete", "count": 1}] and report["held"] == 2
    info = jsonable(ret.explain(store, a, now=NOW, actor=ACTOR))
    assert info["outcome"]["held_by"] == ["Covid-19 Inquiry"]
    # a record class given to the record itself is explicit (principle 3)
    assert info["settings"] == ["schedule teams-chat (explicit): delete-only at 2026-01-15"]
    assert info["outcome"]["steps"][0]["principle"] == 0
    out = jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))
    assert [d["uid"] for d in out["destroyed"]] == [b]
    lifted = jsonable(
        ret.lift_hold(
            store,
            ref="Covid-19 Inquiry",
            reason="inquiry closed",
            actor=Actor.cli("legal"),
            now=NOW,
        )
    )
    assert lifted["recomputed"][0]["uid"] == a
    assert jsonable(ret.due(store, as_of=NOW, now=NOW, actor=ACTOR))["total"] == 1
    assert [
        d["uid"] for d in jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))["destroyed"]
    ] == [a]
    assert [h["name"] for h in jsonable(ret.list_holds(store, actor=ACTOR))] == ["FOI 2026/0123"]
    _verify_ok(store)
    kinds = [r[0] for r in _sql(store, "SELECT kind FROM ledger ORDER BY seq")]
    for kind in (
        "hold-placed",
        "hold-lifted",
        "retention-classified",
        "record-disposed",
        "destruction-certified",
    ):
        assert kind in kinds


def test_transfer_build_and_confirm(store: Any, tmp_path: Path) -> None:
    import bagit

    from commsgov.adapters.bagit import file_sha256

    file = tmp_path / "note.txt"
    file.write_text("attached note\n")
    uid = _capture(store, summary="decision to transfer", attach=[file])
    chat = _chat(store, "t1")
    ret.review(
        store,
        uids=[uid, chat],
        decision="transfer",
        reason="historical value",
        actor=Actor.cli("rita"),
        now=NOW,
    )
    built = jsonable(
        ret.build_transfer(
            store, out_dir=tmp_path / "out", consignment="SG-2026-001", now=NOW, actor=ACTOR
        )
    )
    assert sorted(built["records"]) == sorted([uid, chat])
    bag = bagit.Bag(built["bag"])
    bag.validate()
    assert bag.info["Source-Organization"] == "Scottish Government"
    assert bag.info["Consignment-Identifier"] == "SG-2026-001"
    assert "sha256" in bag.algorithms
    assert (Path(built["bag"]) / "tagmanifest-sha256.txt").exists()
    meta = (Path(built["bag"]) / "data" / "metadata.csv").read_text()
    assert "closure_status" in meta.splitlines()[0] and "Ann Smith" in meta
    assert (Path(built["bag"]) / "data" / "records" / uid / "transcript.html").exists()
    digest = Path(built["checksum_file"]).read_text().split()[0]
    assert digest == built["package_sha256"] == file_sha256(Path(built["package"]))
    with tarfile.open(built["package"]) as tar:
        assert "SG-2026-001/bag-info.txt" in tar.getnames()
    # awaiting accession: content still here, not due, not destroyable
    assert (
        jsonable(ret.explain(store, uid, now=NOW, actor=ACTOR))["status"]
        == "transferred-awaiting-accession"
    )
    assert jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))["destroyed"] == []
    ret.confirm_transfer(
        store, consignment="SG-2026-001", accession="NRS/ACC/1", now=NOW, actor=ACTOR
    )
    stub = jsonable(ret.explain(store, uid, now=NOW, actor=ACTOR))
    assert stub["status"] == "transferred"
    assert stub["certificate"]["consignment"] == "SG-2026-001"
    _verify_ok(store)
    with pytest.raises(ReviewError, match="already"):
        ret.confirm_transfer(store, consignment="SG-2026-001", now=NOW, actor=ACTOR)


def test_held_item_cannot_be_approved(store: Any) -> None:
    uid = _capture(store, summary="x")
    ret.place_hold(
        store,
        name="FOI 1",
        mandate="FOISA",
        scope=HoldScope(record_uids=frozenset({uid})),
        now=NOW,
        actor=ACTOR,
    )
    with pytest.raises(ReviewError, match="hold"):
        ret.review(store, uids=[uid], decision="destroy", reason="r", now=NOW, actor=ACTOR)


def test_hold_placed_after_approval_still_stops_destruction(store: Any) -> None:
    uid = _capture(store, summary="x", method="whatsapp")
    ret.review(store, uids=[uid], decision="destroy", reason="r", now=NOW, actor=ACTOR)
    ret.place_hold(
        store,
        name="Inquiry",
        mandate="s.21",
        scope=HoldScope(methods=frozenset({"whatsapp"})),
        now=NOW,
        actor=ACTOR,
    )
    out = jsonable(ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR))
    assert out["destroyed"] == [] and out["skipped"][0]["uid"] == uid


def test_sql_scope_agrees_with_pure_scope(store: Any) -> None:
    from commsgov.retention import Item
    from commsgov.services.dispositions import item_of
    from commsgov.store import repo_retention as rr

    uids = [
        _capture(store, summary="one", who="Ann Smith", method="email"),
        _capture(store, summary="two", who="Bob", method="whatsapp", at=T0 + dt.timedelta(days=40)),
    ]
    ret.sync(store, now=NOW, actor=ACTOR)
    scopes = [
        HoldScope(participants=frozenset({"ANN SMITH"})),
        HoldScope(methods=frozenset({"whatsapp"})),
        HoldScope(date_from=T0 + dt.timedelta(days=1)),
        HoldScope(date_to=T0),
        HoldScope(record_uids=frozenset({uids[0]})),
        HoldScope(record_classes=frozenset({"captured-record"}), methods=frozenset({"email"})),
    ]
    with store.read() as conn:
        for scope in scopes:
            sql_side = set(rr.uids_matching(conn, scope=scope))
            pure = set()
            for uid in uids:
                state = jsonable(svc.get_record(store, uid, actor=ACTOR))
                item: Item = item_of(state, "captured-record")
                if scope.matches(item):
                    pure.add(uid)
            assert sql_side == pure, scope


def test_confirm_keeps_a_record_held_after_the_bag_was_built(store: Any, tmp_path: Path) -> None:
    a = _capture(store, summary="first", who="Ann Smith")
    b = _capture(store, summary="second", who="Bob Jones")
    ret.review(store, uids=[a, b], decision="transfer", reason="value", now=NOW, actor=ACTOR)
    ret.build_transfer(store, out_dir=tmp_path, consignment="C1", now=NOW, actor=ACTOR)
    ret.place_hold(
        store,
        name="Inquiry",
        mandate="s.21",
        scope=HoldScope(participants=frozenset({"Bob Jones"})),
        now=NOW,
        actor=ACTOR,
    )
    first = jsonable(ret.confirm_transfer(store, consignment="C1", now=NOW, actor=ACTOR))
    assert first["records"] == [a] and first["kept_held"] == [b]
    assert first["status"] == "partly-disposed"
    ret.lift_hold(store, ref="Inquiry", reason="closed", now=NOW, actor=ACTOR)
    second = jsonable(ret.confirm_transfer(store, consignment="C1", now=NOW, actor=ACTOR))
    assert second["records"] == [b] and second["status"] == "accessioned"
    _verify_ok(store)


def test_no_held_record_is_ever_destroyed(sqlite_url: str, tmp_path: Path) -> None:
    """Random records, holds, reviews and lifts; after each dispose, no held record is gone."""
    import random

    from commsgov.retention import HoldError

    store = svc.open_store(sqlite_url, blob_dir=tmp_path / "blobs")
    rng = random.Random(6)
    people = ["Ann", "Bob", "Cat", "Dan"]
    methods = ["email", "whatsapp", "teams-chat"]
    uids = [
        _capture(store, summary=f"r{i}", who=rng.choice(people), method=rng.choice(methods),
                 at=T0 + dt.timedelta(days=rng.randint(0, 300)))
        for i in range(30)
    ]  # fmt: skip
    ret.classify(
        store, uids=uids[:15], record_class="teams-chat", reason="copies", now=NOW, actor=ACTOR
    )
    holds: list[str] = []
    for round_ in range(12):
        choice = rng.random()
        if choice < 0.4:
            scope = rng.choice(
                [
                    HoldScope(participants=frozenset({rng.choice(people)})),
                    HoldScope(methods=frozenset({rng.choice(methods)})),
                    HoldScope(record_uids=frozenset(rng.sample(uids, 3))),
                    HoldScope(date_from=T0 + dt.timedelta(days=rng.randint(0, 300))),
                ]
            )
            holds.append(jsonable(ret.place_hold(store, name=f"H{round_}", mandate="m", scope=scope,
                                        now=NOW, actor=ACTOR))["uid"])  # fmt: skip
        elif choice < 0.6 and holds:
            with contextlib.suppress(HoldError):
                ret.lift_hold(
                    store,
                    ref=holds.pop(rng.randrange(len(holds))),
                    reason="x",
                    now=NOW,
                    actor=ACTOR,
                )
        else:
            for uid in rng.sample(uids, 5):
                with contextlib.suppress(ReviewError):  # held, or already destroyed
                    ret.review(
                        store, uids=[uid], decision="destroy", reason="r", now=NOW, actor=ACTOR
                    )
        with store.read() as conn:
            from commsgov.store import repo_retention as rr

            scopes = [rr.scope_from_json(h["scope"]) for h in rr.list_holds(conn, active_only=True)]
            live = [u for u in uids if rr.get_item(conn, uid=u)["status"] != "destroyed"]
            held_before = rr.held_uids(conn, uids=live, held=scopes)
        ret.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
        with store.read() as conn:
            for uid in held_before:
                assert rr.get_item(conn, uid=uid)["status"] != "destroyed", uid
    _verify_ok(store)
    store.close()

"""Retention state is part of the record: holds, lifts, scopes, record classes, reviews and
approvals written or erased by SQL are caught by ``verify``, and ``dispose`` acts only on what
the ledger proves (SQLite and PostgreSQL). Each test is an attack issue 11 found working."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import Participant, RecordDraft, entry_hash, sha256_hex
from commsgov.retention import HoldScope
from commsgov.services.proof import LedgerProofError

#: who acts in these tests
ACTOR = Actor.cli("tester")
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _sql(store: Any, statement: str, **params: Any) -> Any:
    from sqlalchemy import text

    with store.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def _capture(store: Any, summary: str, *, method: str = "whatsapp", who: str = "Ann Smith") -> str:
    draft = RecordDraft(
        method=method, occurred_at=T0, summary=summary, participants=(Participant(who),)
    )
    return svc.capture(store, draft, actor=Actor.cli("ann"), now=NOW).uid


def _exists(store: Any, uid: str) -> bool:
    return bool(_sql(store, "SELECT count(*) FROM records WHERE uid = :u", u=uid)[0][0])


def _problem(store: Any) -> Any:
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok, "verify should have found the tampering"
    return report.problem


@pytest.fixture
def held(store: Any) -> dict[str, str]:
    """A record approved for destruction, then put under a hold on its channel."""
    uid = _capture(store, "approved, then held")
    svc.review(store, uids=[uid], decision="destroy", reason="no value", now=NOW, actor=ACTOR)
    hold = svc.place_hold(
        store,
        name="Covid-19 Inquiry",
        mandate="Inquiries Act 2005 s.21",
        scope=HoldScope(methods=frozenset({"whatsapp"})),
        now=NOW,
        actor=ACTOR,
    )
    assert hold.covers == (uid,)
    assert svc.verify(store, actor=ACTOR).ok
    return {"uid": uid, "hold": hold.uid}


@pytest.mark.parametrize(
    ("attack", "statement"),
    [
        ("hold row deleted", "DELETE FROM retention_holds"),
        (
            "hold lifted in the table",
            "UPDATE retention_holds SET lifted_at_utc = '2026-11-24T12:00:00.000000Z', "
            "lifted_by = 'nobody', lift_reason = 'x'",
        ),
        ("scope emptied", 'UPDATE retention_holds SET scope = \'{"record_uids":["none"]}\''),
    ],
)
def test_a_hold_erased_by_sql_still_holds(
    store: Any, held: dict[str, str], attack: str, statement: str
) -> None:
    _sql(store, statement)
    assert _problem(store).check == "hold", attack
    out = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert out.destroyed == () and [k.uid for k in out.skipped] == [held["uid"]]
    assert _exists(store, held["uid"])


def test_approval_written_by_sql_is_refused_and_reported(store: Any) -> None:
    uid = _capture(store, "never reviewed")
    svc.sync(store, now=NOW, actor=ACTOR)
    _sql(store, "UPDATE retention_items SET status = 'approved-destroy', review_stage = 1")
    problem = _problem(store)
    assert (problem.check, problem.record_uid) == ("retention", uid)
    assert "approved-destroy" in problem.detail
    out = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert out.destroyed == () and [r.uid for r in out.refused] == [uid]
    assert "no such approval" in out.refused[0].reason
    assert _exists(store, uid)
    # nor can a review launder it: a second stage on a state SQL wrote is refused
    _sql(store, "UPDATE retention_items SET status = 'awaiting-second-stage'")
    with pytest.raises(LedgerProofError, match="the ledger scheduled"):
        svc.review(store, uids=[uid], decision="destroy", reason="r", stage=2, now=NOW, actor=ACTOR)


def test_a_fake_review_row_with_its_approval_is_caught(store: Any) -> None:
    uid = _capture(store, "never reviewed")
    svc.sync(store, now=NOW, actor=ACTOR)
    _sql(
        store,
        "INSERT INTO retention_reviews (record_uid, stage, decision, reviewer, reason, until_utc, "
        "decided_at_utc, entry_seq) VALUES (:u, 1, 'destroy', 'rita', 'fake', NULL, "
        "'2026-11-24T12:00:00.000000Z', 1)",
        u=uid,
    )
    _sql(store, "UPDATE retention_items SET status = 'approved-destroy', review_stage = 1")
    assert _problem(store).check == "review"
    assert [r.uid for r in svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR).refused] == [uid]
    assert _exists(store, uid)


def test_a_record_class_changed_by_sql_deletes_nothing(store: Any) -> None:
    """A class whose schedule deletes without review, and a due date in the past, written onto
    a record kept until review."""
    uid = _capture(store, "kept until review")
    svc.sync(store, now=NOW, actor=ACTOR)
    _sql(
        store,
        "UPDATE retention_items SET record_class = 'teams-chat', action = 'delete', "
        "due_at_utc = '2026-01-15T09:00:00.000000Z'",
    )
    problem = _problem(store)
    assert problem.check == "retention" and "teams-chat" in problem.detail
    out = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert out.destroyed == () and [r.uid for r in out.refused] == [uid]
    assert "captured-record" in out.refused[0].reason
    assert _exists(store, uid)


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM retention_reviews",
        "UPDATE retention_reviews SET reviewer = 'someone else'",
        "UPDATE retention_reviews SET decision = 'extend'",
    ],
)
def test_review_decisions_edited_by_sql_are_caught(store: Any, statement: str) -> None:
    uid = _capture(store, "reviewed")
    svc.review(store, uids=[uid], decision="defer", reason="not yet", now=NOW, actor=ACTOR)
    assert svc.verify(store, actor=ACTOR).ok
    _sql(store, statement)
    assert _problem(store).check == "review"


def test_an_extension_removed_by_sql_is_caught(store: Any) -> None:
    uid = _capture(store, "extended")
    svc.review(store, uids=[uid], decision="extend", reason="keep a year",
               until=NOW + dt.timedelta(days=365), now=NOW, actor=ACTOR)  # fmt: skip
    assert svc.verify(store, actor=ACTOR).ok
    _sql(store, "UPDATE retention_items SET explicit = NULL")
    problem = _problem(store)
    assert (problem.check, problem.record_uid) == ("retention", uid)


def test_certificates_name_their_decision_and_cannot_be_edited(store: Any) -> None:
    uid = _capture(store, "to destroy")
    (reviewed,) = svc.review(
        store, uids=[uid], decision="destroy", reason="no value", now=NOW, actor=ACTOR
    )
    (done,) = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR).destroyed
    info = jsonable(svc.explain(store, uid, now=NOW, actor=ACTOR))
    review_hash = _sql(store, "SELECT entry_hash FROM ledger WHERE seq = :s", s=reviewed.entry_seq)
    assert info["certificate"]["decision"] == [
        {"seq": reviewed.entry_seq, "kind": "review-decided", "entry_hash": review_hash[0][0]}
    ]
    assert info["certificate_sha256"] == done.certificate_sha256
    assert svc.verify(store, actor=ACTOR).ok
    certificate = json.loads(_sql(store, "SELECT certificate FROM retention_stubs")[0][0])
    certificate["approved_by"] = ["the minister"]
    _sql(store, "UPDATE retention_stubs SET certificate = :c", c=json.dumps(certificate))
    problem = _problem(store)
    assert problem.check == "retention" and "certificate" in problem.detail


def test_a_schedule_deletion_names_the_class_that_scheduled_it(store: Any) -> None:
    uid = _capture(store, "a chat copy", method="teams-chat")
    (classified,) = svc.classify(
        store, uids=[uid], record_class="teams-chat", reason="copy", now=NOW, actor=ACTOR
    )
    (done,) = svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR).destroyed
    assert done.uid == uid
    decision = jsonable(svc.explain(store, uid, now=NOW, actor=ACTOR))["certificate"]["decision"]
    assert [(d["seq"], d["kind"]) for d in decision] == [
        (classified.entry_seq, "retention-classified")
    ]
    assert svc.verify(store, actor=ACTOR).ok


def test_a_hold_deleted_from_the_ledger_too_stops_every_disposal(
    store: Any, held: dict[str, str]
) -> None:
    """The hold's row and its ledger entry: a gap in the chain (or, were it the last entry,
    a chain that no longer reaches its signed head). Nothing is disposed of."""
    _capture(store, "captured after the hold", method="email")
    seq = _sql(store, "SELECT seq FROM ledger WHERE kind = 'hold-placed'")[0][0]
    _sql(store, "DELETE FROM retention_holds")
    _sql(store, "DELETE FROM ledger WHERE seq = :s", s=seq)
    with pytest.raises(LedgerProofError, match="gap"):
        svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert _exists(store, held["uid"])
    assert _problem(store).check == "chain"


def test_a_hold_rewritten_on_the_ledger_stops_every_disposal(
    store: Any, held: dict[str, str]
) -> None:
    """Its scope emptied in its entry and every later hash recomputed: the signed head
    no longer matches."""
    seq = _sql(store, "SELECT seq FROM ledger WHERE kind = 'hold-placed'")[0][0]
    rows = _sql(store, "SELECT seq, at, actor, kind, record_uid, payload FROM ledger "
                       "WHERE seq >= :s ORDER BY seq", s=seq)  # fmt: skip
    prev = _sql(store, "SELECT entry_hash FROM ledger WHERE seq = :s", s=seq - 1)[0][0]
    for s, at, actor, kind, record_uid, payload in rows:
        payload = payload.replace('"whatsapp"', '"none"')
        content = sha256_hex(payload)
        digest = entry_hash(seq=s, at=at, actor=actor, kind=kind, record_uid=record_uid,
                            content_sha256=content, prev_hash=prev)  # fmt: skip
        _sql(store, "UPDATE ledger SET payload = :p, content_sha256 = :c, prev_hash = :v, "
                    "entry_hash = :h WHERE seq = :s", p=payload, c=content, v=prev, h=digest,
             s=s)  # fmt: skip
        prev = digest
    _sql(store, "UPDATE retention_holds SET scope = replace(scope, '\"whatsapp\"', '\"none\"')")
    with pytest.raises(LedgerProofError, match="rewritten"):
        svc.dispose(store, as_of=NOW, now=NOW, actor=ACTOR)
    assert _exists(store, held["uid"])
    assert _problem(store).check == "checkpoint"


def test_a_transfer_list_edited_by_sql_disposes_only_what_the_ledger_lists(
    store: Any, tmp_path: Path
) -> None:
    a = _capture(store, "for the archive")
    b = _capture(store, "not for the archive", who="Bob Jones")
    svc.review(store, uids=[a], decision="transfer", reason="value", now=NOW, actor=ACTOR)
    svc.build_transfer(store, out_dir=tmp_path, consignment="C1", now=NOW, actor=ACTOR)
    svc.sync(store, now=NOW, actor=ACTOR)
    _sql(store, "UPDATE retention_transfers SET record_uids = :l", l=json.dumps([a, b]))
    _sql(store, "UPDATE retention_items SET status = 'transferred-awaiting-accession' "
                "WHERE record_uid = :u", u=b)  # fmt: skip
    assert _problem(store).check in ("transfer", "retention")
    out = svc.confirm_transfer(store, consignment="C1", now=NOW, actor=ACTOR)
    assert out.records == (a,) and out.refused == (b,)
    assert _exists(store, b) and not _exists(store, a)

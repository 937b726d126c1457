"""The registers through the services, on SQLite and PostgreSQL: every change is one ledger
entry that ``verify`` replays against the tables; the advisor's answers change while an
exemption runs and revert after it ends; ended exemptions still in use are reported; the
organisation register is unambiguous; groups and phone requests keep their rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from commsgov.accounts.actor import Actor
from commsgov.errors import Conflict
from commsgov.policy.advice import Advice
from commsgov.records import RecordDraft
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.services import capture, verify
from commsgov.services import registers as reg
from commsgov.services import registers_advice as advice
from commsgov.services import registers_exemptions as exemptions
from commsgov.services import registers_groups as groups
from commsgov.services import registers_organisations as orgs
from commsgov.services import registers_phones as phones

ANN = Actor.cli("ann")  # records manager
BOB = Actor.cli("bob")  # a member of the Marine Directorate's exemption
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 7, 3, 10, 0, tzinfo=dt.UTC)


def _kinds(store: Any) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT kind FROM ledger ORDER BY seq"))]


def _grant(store: Any, **fields: Any) -> exemptions.ExemptionView:
    values: dict[str, Any] = dict(
        team="Marine Directorate", scope="multi-agency response", starts_on="2026-01-01",
        ends_on="2026-06-30", approver="DG Corporate", mandate="Letter 2026/01",
        members=["bob"], scenarios=["multi-agency-response"],
    )  # fmt: skip
    values.update(fields)
    return exemptions.grant_exemption(store, actor=ANN, now=T0, **values)


def _one(result: object) -> Advice:
    assert isinstance(result, Advice)
    return result


def test_an_exemption_changes_advice_while_it_runs_and_reverts_after(store: Any) -> None:
    granted = _grant(store)
    assert granted.state == "active"
    asked = dict(scenario="multi-agency-response", channel="whatsapp")
    during = _one(advice.advise_for(store, advice.Asking.of(BOB, now=T0), **asked))  # type: ignore[arg-type]
    assert during.verdict == "conditional"
    assert [(r.uid, r.effect) for r in during.registers] == [(granted.entry.uid, "applied")]
    # someone outside the team, naming no team, gets the policy's own answer
    other = _one(advice.advise_for(store, advice.Asking.of(Actor.cli("cy"), now=T0), **asked))  # type: ignore[arg-type]
    assert other.verdict == "not-allowed" and not other.registers
    # naming the team is enough, whoever asks
    cy = advice.Asking.of(Actor.cli("cy"), team="marine directorate", now=T0)
    named = _one(advice.advise_for(store, cy, **asked))  # type: ignore[arg-type]
    assert named.verdict == "conditional"
    after = _one(advice.advise_for(store, advice.Asking.of(BOB, now=AFTER), **asked))  # type: ignore[arg-type]
    assert after.verdict == "not-allowed"
    assert after.registers[0].effect == "ended"
    # as of a day inside the period, the answer is the period's again (nothing reads the clock)
    then = advice.Asking.of(BOB, now=AFTER, as_of=dt.date(2026, 6, 30))
    back = _one(advice.advise_for(store, then, **asked))  # type: ignore[arg-type]
    assert back.verdict == "conditional"
    assert verify(store, actor=ANN).ok


def test_citations_after_the_end_make_it_in_use_once_a_person_a_day(store: Any) -> None:
    granted = _grant(store)
    asked = dict(scenario="multi-agency-response", channel="signal")
    assert exemptions.exemptions_in_use(store, actor=ANN, now=AFTER).items == ()
    for _ in range(3):  # asked three times the same day: one citation
        advice.advise_for(store, advice.Asking.of(BOB, now=AFTER), **asked)  # type: ignore[arg-type]
    advice.advise_for(store, advice.Asking.of(BOB, now=AFTER + dt.timedelta(days=1)), **asked)  # type: ignore[arg-type]
    # an allowed channel is not changed by the ended exemption: no citation
    advice.advise_for(store, advice.Asking.of(BOB, now=AFTER), scenario="multi-agency-response",
                      channel="email")  # fmt: skip
    assert _kinds(store).count("exemption-cited") == 2
    report = exemptions.exemptions_in_use(store, actor=ANN, now=AFTER + dt.timedelta(days=2))
    (item,) = report.items
    assert item.uid == granted.entry.uid
    assert [(c.cited_by, c.cited_on, c.channel) for c in item.citations] == [
        ("bob", "2026-07-03", "signal"), ("bob", "2026-07-04", "signal"),
    ]  # fmt: skip
    # the report as of a day before the citations shows nothing in use
    assert exemptions.exemptions_in_use(store, actor=ANN, as_of=dt.date(2026, 7, 1),
                                        now=AFTER).items == ()  # fmt: skip
    assert verify(store, actor=ANN).ok


def test_captures_by_members_after_the_end_make_it_in_use(store: Any) -> None:
    granted = _grant(store)
    whatsapp = RecordDraft(method="whatsapp", occurred_at=AFTER - dt.timedelta(hours=1),
                           summary="Agreed the line with Police Scotland")  # fmt: skip
    kept = capture(store, whatsapp, actor=BOB, now=AFTER)
    assert kept.policy_exception is not None
    # within the period, or by someone else, or by corporate email: not a use after its end
    capture(store, RecordDraft(method="whatsapp", occurred_at=T0, summary="during"),
            actor=BOB, now=AFTER)  # fmt: skip
    capture(store, RecordDraft(method="whatsapp", occurred_at=AFTER - dt.timedelta(hours=2),
                               summary="not a member"), actor=ANN, now=AFTER)  # fmt: skip
    capture(store, RecordDraft(method="email", occurred_at=AFTER - dt.timedelta(hours=2),
                               summary="corporate"), actor=BOB, now=AFTER)  # fmt: skip
    seen: list[Any] = []
    store.audit_sinks.append(seen.append)
    (item,) = exemptions.exemptions_in_use(store, actor=ANN, now=AFTER).items
    assert item.uid == granted.entry.uid and item.citations == ()
    assert [c.record_uid for c in item.captures] == [kept.uid]
    # reading the captures is a read of the record: it passed the read gate
    assert seen and seen[-1].event.uids == (kept.uid,)


def test_changes_are_ledger_entries_and_verify_replays_them(store: Any) -> None:
    granted = _grant(store)
    uid = granted.entry.uid
    changed = exemptions.change_exemption(
        store, ref=uid[:8], changes={"ends_on": "2026-12-31"}, reason="extended by DG",
        actor=ANN, now=T0,
    )  # fmt: skip
    assert changed.entry.ends_on == "2026-12-31"
    # changing nothing writes nothing
    exemptions.change_exemption(store, ref=uid, changes={"ends_on": "2026-12-31"},
                                reason="again", actor=ANN, now=T0)  # fmt: skip
    with pytest.raises(InvalidFieldError) as info:
        exemptions.change_exemption(store, ref=uid, changes={"scenarios": ["no-such"]},
                                    reason="typo", actor=ANN, now=T0)  # fmt: skip
    assert info.value.field == "scenarios"
    assert _kinds(store) == ["exemption-granted", "exemption-changed"]
    report = verify(store, actor=ANN)
    assert report.ok and report.registers == 1
    # a change made behind the ledger's back is found
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE register_exemptions SET ends_on = '2027-12-31'"))
    broken = verify(store, actor=ANN)
    assert not broken.ok and broken.problem is not None
    assert broken.problem.check == "register"
    assert "ends_on" in broken.problem.detail and uid in broken.problem.detail


def test_a_row_without_its_event_is_found(store: Any) -> None:
    phones.request_phone(store, requester="Cat", role="PS", reason="on call", actor=ANN, now=T0)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM register_phone_requests"))
    problem = verify(store, actor=ANN).problem
    assert problem is not None and "in the ledger but not in the table" in problem.detail


def test_organisations_are_unambiguous_and_answer_double_star_cells(store: Any) -> None:
    sds = orgs.register_organisation(
        store, organisation="Skills Development Scotland", domains=["sds.co.uk"],
        federated_since="2025-01-01", ifix_ref="IF-1001", actor=ANN, now=T0,
    )  # fmt: skip
    assert sds.federated and not sds.guest_access
    with pytest.raises(Conflict, match=r"sds\.co\.uk"):
        orgs.register_organisation(store, organisation="SDS Ltd", domains=["SDS.co.uk"],
                                   guests_since="2026-01-01", actor=ANN, now=T0)  # fmt: skip
    with pytest.raises(Conflict, match="registered already"):
        orgs.register_organisation(store, organisation="skills development scotland",
                                   domains=["sds.example"], guests_since="2026-01-01",
                                   actor=ANN, now=T0)  # fmt: skip
    chat = dict(scenario="external-day-to-day", channel="teams-chat")
    at_sds = advice.Asking.of(ANN, named="ann@sds.co.uk", now=T0)
    allowed = _one(advice.advise_for(store, at_sds, **chat))  # type: ignore[arg-type]
    assert allowed.verdict == "allowed"
    assert allowed.registers[0].uid == sds.entry.uid
    elsewhere = advice.Asking.of(ANN, named="x@other.org", now=T0)
    unknown = _one(advice.advise_for(store, elsewhere, **chat))  # type: ignore[arg-type]
    assert unknown.verdict == "conditional" and not unknown.registers
    # federation withdrawn: the answer goes back to conditional, naming the entry
    orgs.change_organisation(store, ref=sds.entry.uid, changes={"ended_on": "2026-03-01"},
                             reason="contract ended", actor=ANN, now=T0)  # fmt: skip
    ended = _one(advice.advise_for(store, at_sds, **chat))  # type: ignore[arg-type]
    assert ended.verdict == "conditional" and ended.registers[0].effect == "does-not-cover"
    assert verify(store, actor=ANN).ok


def test_ask_names_the_organisation_a_question_mentions(store: Any) -> None:
    sds = orgs.register_organisation(
        store, organisation="Skills Development Scotland", domains=["sds.co.uk"],
        federated_since="2025-01-01", actor=ANN, now=T0,
    )  # fmt: skip
    question = "Can I use Teams chat with our contact at Skills Development Scotland?"
    answer = advice.ask_for(store, advice.Asking.of(ANN, now=T0), question)
    assert answer.verdict == "allowed"
    assert [r.uid for r in answer.registers] == [sds.entry.uid]
    plain = advice.ask_for(store, advice.Asking.of(ANN, now=T0),
                           "Can I use Teams chat with our contact at Acme?")  # fmt: skip
    assert plain.verdict != "allowed" and not plain.registers


def test_groups_are_flagged_overdue_and_disbanded_once(store: Any) -> None:
    late = groups.register_group(
        store, name="Home late", purpose="travelling-home-late", owner="ann",
        created_on="2026-02-01", disband_by="2026-02-20", members=["ann", "bob"], actor=ANN,
        now=T0,
    )  # fmt: skip
    project = groups.register_group(
        store, name="Project chat", purpose="project updates", owner="bob",
        created_on="2026-03-01", disband_by="2026-06-01", actor=ANN, now=T0,
    )  # fmt: skip
    assert late.permitted and late.state == "overdue"
    assert not project.permitted and project.purpose_title is None
    overdue = groups.list_groups(store, actor=ANN, state="overdue", now=T0)
    assert [g.entry.name for g in overdue] == ["Home late"]
    due = reg.reminders(store, actor=ANN, now=T0)
    assert due.overdue == 1
    assert [(r.level, r.name) for r in due.items] == [("overdue", "Home late"),
                                                      ("flagged", "Project chat")]  # fmt: skip
    done = groups.disband_group(store, ref=late.entry.uid, reason="deleted by the owner",
                                actor=ANN, now=T0)  # fmt: skip
    assert done.state == "disbanded" and done.entry.disbanded_on == "2026-03-02"
    with pytest.raises(Conflict):
        groups.disband_group(store, ref=late.entry.uid, reason="again", actor=ANN, now=T0)
    with pytest.raises(InvalidFieldError):
        groups.change_group(store, ref=project.entry.uid, changes={"disbanded_on": "2026-03-01"},
                            reason="sneaky", actor=ANN, now=T0)  # fmt: skip
    assert reg.reminders(store, actor=ANN, now=T0).overdue == 0
    assert verify(store, actor=ANN).ok


def test_a_phone_request_is_decided_once_by_the_bclo(store: Any) -> None:
    asked = phones.request_phone(store, requester="Cat Brown", role="Private secretary",
                                 reason="on call for the minister", actor=ANN, now=T0)  # fmt: skip
    assert asked.status == "pending" and asked.requested_on == "2026-03-02"
    assert [r.uid for r in phones.list_phone_requests(store, actor=ANN, status="pending")] == [
        asked.uid
    ]
    decided = phones.decide_phone_request(store, ref=asked.uid, decision="refused",
                                          decided_by="Dee Green (BCLO)", note="role-based: no",
                                          actor=ANN, now=T0)  # fmt: skip
    assert (decided.status, decided.decided_by, decided.decided_on) == (
        "refused", "Dee Green (BCLO)", "2026-03-02",
    )  # fmt: skip
    with pytest.raises(Conflict, match="refused by Dee Green"):
        phones.decide_phone_request(store, ref=asked.uid, decision="approved", actor=ANN, now=T0)
    with pytest.raises(InvalidFieldError):
        phones.decide_phone_request(store, ref=asked.uid, decision="maybe", actor=ANN, now=T0)
    with pytest.raises(NotFoundError):
        phones.get_phone_request(store, ref="nope", actor=ANN)
    assert _kinds(store) == ["phone-requested", "phone-request-decided"]
    assert verify(store, actor=ANN).ok


def test_nothing_is_half_written_when_a_change_is_refused(store: Any) -> None:
    with pytest.raises(InvalidFieldError):
        _grant(store, ends_on="2025-01-01")
    with pytest.raises(InvalidFieldError):
        groups.register_group(store, name="x", purpose="wellbeing-check", owner="ann",
                              created_on="2026-03-01", disband_by="2026-02-01", actor=ANN,
                              now=T0)  # fmt: skip
    assert _kinds(store) == []
    assert exemptions.list_exemptions(store, actor=ANN, now=T0) == []


def test_advice_never_answers_from_registers_older_than_the_ledger(
    store: Any, database_url: str, tmp_path: Any
) -> None:
    """The advisor keeps the registers between requests (keyed by the ledger's head): another
    worker's change (a second store on the same database) shows in the very next answer."""
    from commsgov.store.handle import open_store

    other = open_store(database_url, blob_dir=tmp_path / "other-blobs", migrate=False)
    try:
        asked = dict(scenario="multi-agency-response", channel="whatsapp")
        before = _one(advice.advise_for(store, advice.Asking.of(BOB, now=T0), **asked))  # type: ignore[arg-type]
        assert before.verdict == "not-allowed" and not before.registers
        kept = store.memo[advice.__name__]
        again = _one(advice.advise_for(store, advice.Asking.of(BOB, now=T0), **asked))  # type: ignore[arg-type]
        assert again == before and store.memo[advice.__name__] is kept  # nothing changed: kept
        granted = _grant(other)  # "another worker"
        during = _one(advice.advise_for(store, advice.Asking.of(BOB, now=T0), **asked))  # type: ignore[arg-type]
        assert during.verdict == "conditional"
        assert [r.uid for r in during.registers] == [granted.entry.uid]
        exemptions.change_exemption(other, ref=granted.entry.uid, changes={"members": ["cy"]},
                                    reason="moved team", actor=ANN, now=T0)  # fmt: skip
        after = _one(advice.advise_for(store, advice.Asking.of(BOB, now=T0), **asked))  # type: ignore[arg-type]
        assert after.verdict == "not-allowed" and not after.registers
        sds = orgs.register_organisation(
            other, organisation="Skills Development Scotland", domains=["sds.co.uk"],
            federated_since="2025-01-01", ifix_ref="IF-1001", actor=ANN, now=T0,
        )  # fmt: skip
        chat = dict(scenario="external-day-to-day", channel="teams-chat")
        at_sds = advice.Asking.of(ANN, named="ann@sds.co.uk", now=T0)
        named = _one(advice.advise_for(store, at_sds, **chat))  # type: ignore[arg-type]
        assert named.verdict == "allowed" and named.registers[0].uid == sds.entry.uid
    finally:
        other.close()


def test_a_member_by_email_is_found_whatever_is_kept(store: Any) -> None:
    """The asker's email addresses are read when an exemption could name them."""
    from commsgov.services import users

    users.add_user(store, username="dee", roles=["staff"], actor=ANN,
                   password="a long enough password", emails=["dee@gov.scot"])  # fmt: skip
    with store.engine.connect() as conn:
        user_id = conn.execute(text("SELECT id FROM users WHERE username = 'dee'")).scalar_one()
    dee = Actor(name="dee", via="cli", user_id=user_id)
    asked = dict(scenario="multi-agency-response", channel="whatsapp")
    asking = advice.Asking.of(dee, now=T0)
    assert _one(advice.advise_for(store, asking, **asked)).verdict == "not-allowed"  # type: ignore[arg-type]
    _grant(store, members=["DEE@gov.scot"])
    assert _one(advice.advise_for(store, asking, **asked)).verdict == "conditional"  # type: ignore[arg-type]


def test_day_of_judges_in_the_zone_given_else_the_configured_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 23:30 UTC on 1 July is already 2 July in Auckland; the API passes its settings' zone
    late = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setenv("COMMSGOV_TIMEZONE", "Europe/London")
    assert reg.day_of(None, now=late) == dt.date(2026, 7, 2)  # 00:30 BST
    assert reg.day_of(None, now=late, zone="UTC") == dt.date(2026, 7, 1)
    assert reg.day_of(late, now=T0, zone="Pacific/Auckland") == dt.date(2026, 7, 2)
    assert reg.day_of(dt.date(2026, 1, 5), now=late, zone="UTC") == dt.date(2026, 1, 5)
    monkeypatch.setenv("COMMSGOV_TIMEZONE", "UTC")
    assert reg.day_of(None, now=late) == dt.date(2026, 7, 1)


def test_ask_judges_the_day_in_the_zone_it_is_given(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the exemption ends on 30 June; 23:30 UTC that day is already 1 July in London. The API
    # and the pages pass their settings' zone, not the environment's.
    monkeypatch.setenv("COMMSGOV_TIMEZONE", "UTC")
    granted = _grant(store)
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    question = "our multi-agency flood response with Police Scotland, can we use WhatsApp?"
    utc = advice.ask_for(store, advice.Asking.of(BOB, now=late, zone="UTC"), question)
    london = advice.ask_for(store, advice.Asking.of(BOB, now=late, zone="Europe/London"), question)
    assert (utc.scenario, utc.channel) == ("multi-agency-response", "whatsapp")
    assert [(r.uid, r.effect) for r in utc.registers] == [(granted.entry.uid, "applied")]
    assert [(r.uid, r.effect) for r in london.registers] == [(granted.entry.uid, "ended")]
    assert (utc.verdict, london.verdict) == ("conditional", "not-allowed")

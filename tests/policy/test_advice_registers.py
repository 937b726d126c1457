"""What the registers change in an answer, decided by the pure core from plain data (a
:class:`Context`): a transition period turns a refused channel into the outage rule with its
capture duty while it runs and not after; a federated organisation turns a ``**`` cell allowed;
a meeting you host needs neither federation nor guest access. Each such answer names the entry."""

from __future__ import annotations

import datetime as dt

import pytest

from commsgov.policy.advice import (
    Advice,
    Context,
    Organisation,
    TransitionPeriod,
    advise,
)
from commsgov.policy.cache import compiled_pack

PACK = compiled_pack()
MARINE = TransitionPeriod(
    "ex1", "Marine Directorate", "multi-agency response", ("multi-agency-response",),
    dt.date(2026, 1, 1), dt.date(2026, 6, 30), "DG Corporate", "Letter 2026/01",
)  # fmt: skip
SDS = Organisation(
    "org1", "Skills Development Scotland", ("sds.co.uk",), dt.date(2025, 3, 1), None, "IF-1001"
)
CAPTURE = PACK.rules["outage_capture"].text
TRANSITION = PACK.rules["transition"].text


def one(**kwargs: object) -> Advice:
    result = advise(**kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Advice)
    return result


def during(day: dt.date, *periods: TransitionPeriod) -> Context:
    return Context(on=day, exemptions=periods)


def test_an_active_transition_period_follows_the_outage_rule_with_the_capture_duty() -> None:
    before = one(scenario="multi-agency-response", channel="whatsapp")
    during_it = one(scenario="multi-agency-response", channel="whatsapp",
                    context=during(dt.date(2026, 3, 1), MARINE))  # fmt: skip
    assert before.verdict == "not-allowed" and not before.registers
    assert during_it.verdict == "conditional"
    assert during_it.conditions == (TRANSITION,)
    assert CAPTURE in during_it.duties
    assert [(r.uid, r.effect) for r in during_it.registers] == [("ex1", "applied")]
    assert any("Marine Directorate" in r and "Letter 2026/01" in r for r in during_it.reasons)
    # the grounds are the policy's own words on transition periods
    quotes = [c.quote for c in during_it.citations]
    assert any(q.startswith("During this transition period") for q in quotes)


def test_the_answer_reverts_the_day_after_the_period_ends() -> None:
    last = one(scenario="multi-agency-response", channel="signal",
               context=during(dt.date(2026, 6, 30), MARINE))  # fmt: skip
    after = one(scenario="multi-agency-response", channel="signal",
                context=during(dt.date(2026, 7, 1), MARINE))  # fmt: skip
    plain = one(scenario="multi-agency-response", channel="signal")
    assert last.verdict == "conditional"
    assert after.verdict == plain.verdict == "not-allowed"
    assert after.conditions == plain.conditions and after.duties == plain.duties
    assert after.alternatives == plain.alternatives
    assert [(r.uid, r.effect) for r in after.registers] == [("ex1", "ended")]
    assert any("ended on 2026-06-30" in r for r in after.reasons)


def test_a_period_not_started_or_for_another_scenario_changes_nothing_but_is_named() -> None:
    early = one(scenario="multi-agency-response", channel="whatsapp",
                context=during(dt.date(2025, 12, 31), MARINE))  # fmt: skip
    elsewhere = one(scenario="logistics", channel="whatsapp",
                    context=during(dt.date(2026, 3, 1), MARINE))  # fmt: skip
    assert early.verdict == elsewhere.verdict == "not-allowed"
    assert early.registers[0].effect == "not-started"
    assert elsewhere.registers[0].effect == "does-not-cover"
    # a period naming no scenario covers them all
    everywhere = TransitionPeriod("ex2", "Resilience", "all work", (), dt.date(2026, 1, 1),
                                  dt.date(2026, 12, 31), "DG", "Minute 4")  # fmt: skip
    anywhere = one(scenario="logistics", channel="whatsapp",
                   context=during(dt.date(2026, 3, 1), everywhere))  # fmt: skip
    assert anywhere.verdict == "conditional"


def test_a_transition_period_does_not_touch_an_allowed_channel() -> None:
    email = one(scenario="multi-agency-response", channel="email",
                context=during(dt.date(2026, 3, 1), MARINE))  # fmt: skip
    assert email.verdict == "allowed" and not email.registers


@pytest.mark.parametrize(
    ("channel", "access"), [("teams-chat", "federation"), ("teams-channel", "guest-access")]
)
def test_a_double_star_cell_is_allowed_for_an_organisation_set_up_for_it(
    channel: str, access: str
) -> None:
    guests = Organisation("org2", "NHS Lothian", ("nhs.scot",), None, dt.date(2025, 1, 1), None)
    org = SDS if access == "federation" else guests
    context = Context(on=dt.date(2026, 3, 1), organisation=org, named="someone@" + org.domains[0])
    answer = one(scenario="external-day-to-day", channel=channel, context=context)
    assert answer.verdict == "allowed" and not answer.conditions
    assert [(r.register, r.uid, r.effect) for r in answer.registers] == [
        ("federated-organisations", org.uid, "applied")
    ]
    # ... and not for the other set-up: federation does not give guest access, nor the reverse
    other = "teams-channel" if channel == "teams-chat" else "teams-chat"
    refused = one(scenario="external-day-to-day", channel=other, context=context)
    assert refused.verdict == "conditional"
    assert refused.registers[0].effect == "does-not-cover"
    request = "guest_access_request" if other == "teams-channel" else "federation_request"
    assert PACK.rules[request].text in refused.conditions


def test_an_organisation_not_in_the_register_is_told_how_to_request_federation() -> None:
    answer = one(scenario="external-day-to-day", channel="teams-chat",
                 context=Context(on=dt.date(2026, 3, 1), named="ann@example.org"))  # fmt: skip
    assert answer.verdict == "conditional" and not answer.registers
    assert "ann@example.org is not in the register" in answer.reasons[-1]
    assert PACK.rules["federation_request"].text in answer.conditions
    quotes = [c.quote for c in answer.citations]
    assert "To add other organisations, you can log an iFix call to have them federated and " \
           "added to Teams." in quotes  # fmt: skip


def test_federation_has_its_dates() -> None:
    later = Organisation("o3", "Later Ltd", ("later.example",), dt.date(2026, 5, 1), None, None)
    ended = Organisation("o4", "Gone Ltd", ("gone.example",), dt.date(2024, 1, 1), None, None,
                         ended=dt.date(2026, 2, 1))  # fmt: skip
    for org, words in ((later, "only from 2026-05-01"), (ended, "ended on 2026-02-01")):
        answer = one(
            scenario="external-day-to-day",
            channel="teams-chat",
            context=Context(on=dt.date(2026, 3, 1), organisation=org, named=org.name),
        )
        assert answer.verdict == "conditional"
        assert any(words in r for r in answer.reasons), answer.reasons


def test_a_teams_meeting_you_host_needs_neither_federation_nor_guest_access() -> None:
    for channel in ("teams-chat", "teams-channel"):
        answer = one(scenario="external-day-to-day", channel=channel, hosted_meeting=True)
        assert answer.verdict == "allowed" and not answer.conditions
        quotes = [c.quote for c in answer.citations]
        assert ("Federation is not required for external organisations to attend a MS Teams "
                "meeting you host or to take part in teams or channels.") in quotes  # fmt: skip
    # hosting changes nothing for a channel that needs no set-up, nor for an app
    assert one(scenario="external-day-to-day", channel="whatsapp",
               hosted_meeting=True).verdict == "not-allowed"  # fmt: skip


def test_the_json_form_names_the_entries() -> None:
    answer = one(scenario="multi-agency-response", channel="whatsapp",
                 context=during(dt.date(2026, 3, 1), MARINE))  # fmt: skip
    data = answer.to_dict()
    assert data["registers"] == [{
        "register": "transition-exemptions", "uid": "ex1", "effect": "applied",
        "label": "Marine Directorate: transition period (multi-agency response), 2026-01-01 to"
                 " 2026-06-30",
    }]  # fmt: skip
    assert one(scenario="logistics", channel="sms").to_dict()["registers"] == []

"""The decision engine's semantics, each rule of the documents tested."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov import Advice, AdviceSet, advise
from commsgov.policy.cache import compiled_pack
from commsgov.policy.errors import UnknownIdError
from commsgov.policy.validate import normalise_text

PACK = compiled_pack()
COLUMNS = PACK.columns
MMAS = ["whatsapp", "signal", "telegram", "viber", "wechat", "wickr", "snapchat", "other-mma"]
STARRED = {s.id for s in PACK.scenarios.values() if "*" in s.marks}
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack" / "pack.yaml"


def one(**kwargs: object) -> Advice:
    result = advise(**kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Advice)
    return result


def quotes(advice: Advice) -> list[str]:
    return [c.quote for c in advice.citations]


@pytest.mark.parametrize("scenario", list(PACK.scenarios))
@pytest.mark.parametrize("column", COLUMNS)
def test_matrix_cells(scenario: str, column: str) -> None:
    cell = PACK.scenarios[scenario].cells[column]
    advice = one(scenario=scenario, channel=column)
    expected = {"Y": "allowed", "N": "not-allowed", "Y**": "conditional"}[cell]
    assert advice.verdict == expected
    assert advice.cell == cell
    assert advice.citations, "every answer cites its source"
    if expected == "not-allowed":
        assert advice.alternatives
        assert column not in advice.alternatives
        assert all(PACK.scenarios[scenario].cells.get(a, "Y").startswith("Y")
                   for a in advice.alternatives)  # fmt: skip


@pytest.mark.parametrize("channel", ["teams-chat", "teams-channel"])
def test_double_star_cell_is_conditional_until_federated(channel: str) -> None:
    conditional = one(scenario="external-day-to-day", channel=channel)
    assert conditional.verdict == "conditional"
    assert conditional.conditions
    assert any("**See guidance on federation" in q for q in quotes(conditional))
    federated = one(scenario="external-day-to-day", channel=channel, external=True, federated=True)
    assert federated.verdict == "allowed"
    assert not federated.conditions


def test_teams_chat_condition_names_federation_and_channel_names_guest_access() -> None:
    chat = one(scenario="external-day-to-day", channel="teams-chat")
    assert "federated" in chat.conditions[0]
    channel = one(scenario="external-day-to-day", channel="teams-channel")
    assert "guest access" in channel.conditions[0]
    assert any("Federation is not required" in q for q in quotes(channel))


def test_external_people_in_a_plain_y_teams_chat_need_federation() -> None:
    assert one(scenario="urgent-work-comms", channel="teams-chat").verdict == "allowed"
    external = one(scenario="urgent-work-comms", channel="teams-chat", external=True)
    assert external.verdict == "conditional"
    assert one(scenario="urgent-work-comms", channel="email", external=True).verdict == "allowed"


@pytest.mark.parametrize("scenario", list(PACK.scenarios))
def test_personal_phone_only_in_starred_scenarios(scenario: str) -> None:
    advice = one(scenario=scenario, channel="personal-phone")
    if scenario in STARRED:
        assert advice.verdict == "allowed"
        assert any(q.startswith("* Personal devices will be permitted") for q in quotes(advice))
        assert any("return to corporate devices" in d for d in advice.duties)
        assert any("disband" in d for d in advice.duties)
    else:
        assert advice.verdict == "not-allowed"
        assert "corporate-phone" in advice.alternatives


def test_corporate_phone_on_a_personal_device_is_the_personal_phone() -> None:
    advice = one(scenario="logistics", channel="corporate-phone", device="personal")
    assert advice.channel == "personal-phone"
    assert advice.verdict == "allowed"
    assert one(scenario="internal-day-to-day", channel="sms", device="personal").verdict == (
        "not-allowed"
    )


def test_corporate_app_on_personal_device_is_not_allowed() -> None:
    advice = one(scenario="internal-day-to-day", channel="email", device="personal")
    assert advice.verdict == "not-allowed"
    assert one(scenario="internal-day-to-day", channel="email", device="personal",
               outage=True).verdict == "conditional"  # fmt: skip


@pytest.mark.parametrize("app", MMAS)
@pytest.mark.parametrize("scenario", ["internal-day-to-day", "logistics", "working-abroad"])
def test_mmas_banned_in_normal_conditions(app: str, scenario: str) -> None:
    advice = one(scenario=scenario, channel=app)
    assert advice.verdict == "not-allowed"
    assert "The use of MMAs for everyday government work is not permitted." in quotes(advice)
    assert any("breach of the IT Code of Conduct" in q for q in quotes(advice))
    assert advice.alternatives and not set(advice.alternatives) & set(MMAS)


@pytest.mark.parametrize("app", MMAS)
def test_mmas_conditional_during_outage_with_capture_duty(app: str) -> None:
    advice = one(scenario="urgent-work-comms", channel=app, outage=True)
    assert advice.verdict == "conditional"
    assert any("limited time" in c for c in advice.conditions)
    assert any("time- and date-stamped" in d and "method" in d for d in advice.duties)
    assert any(q.startswith("In these circumstances, all communications should be captured")
               for q in quotes(advice))  # fmt: skip


def test_transition_exemption_follows_the_outage_requirements() -> None:
    advice = one(scenario="multi-agency-response", channel="whatsapp", exemption=True)
    assert advice.verdict == "conditional"
    assert any("transition period" in c for c in advice.conditions)
    assert any("time- and date-stamped" in d for d in advice.duties)


def test_mma_names_and_aliases_resolve() -> None:
    assert one(scenario="logistics", channel="WhatsApp Business").channel == "whatsapp"
    assert one(scenario="logistics", channel="Threema").channel == "other-mma"
    assert one(scenario="logistics", channel="some brand new app").channel == "other-mma"
    assert one(scenario="logistics", channel="Teams Chat").channel == "teams-chat"


def test_social_media_points_to_the_social_media_policy() -> None:
    advice = one(scenario="logistics", channel="facebook messenger")
    assert advice.channel == "social-media"
    assert any("social media policy" in c for c in advice.conditions)


def test_working_abroad_attaches_travel_guidance() -> None:
    advice = one(scenario="working-abroad", channel="email")
    assert advice.verdict == "allowed"
    assert any("International travel guidance" in d for d in advice.duties)
    at_risk = one(scenario="working-abroad", channel="email", abroad=True, country_risk="at-risk")
    assert at_risk.verdict == "conditional"
    assert any("at risk" in c for c in at_risk.conditions)
    secure = one(scenario="working-abroad", channel="email", abroad=True, country_risk="secure")
    assert secure.verdict == "allowed"
    elsewhere = one(scenario="international-visits", channel="email", abroad=True)
    assert any("International travel guidance" in d for d in elsewhere.duties)
    home = one(scenario="international-visits", channel="email")
    assert not any("International travel guidance" in d for d in home.duties)


def test_channel_duties() -> None:
    chat = one(scenario="internal-day-to-day", channel="teams-chat")
    assert any("five days" in d for d in chat.duties)
    assert any("eRDM" in d for d in chat.duties)
    assert any("three years" in d for d in one(scenario="internal-day-to-day",
                                                 channel="teams-channel").duties)  # fmt: skip
    assert any("2 GB" in d for d in one(scenario="internal-day-to-day", channel="email").duties)
    face = one(scenario="internal-day-to-day", channel="face-to-face")
    assert any("Minute formal meetings" in d for d in face.duties)


def test_role_cites_who_the_policy_covers() -> None:
    advice = one(scenario="internal-day-to-day", channel="email", role="spad")
    assert any("Special adviser" in r for r in advice.reasons)
    assert any("special advisers" in q for q in quotes(advice))
    with pytest.raises(UnknownIdError):
        advise(scenario="internal-day-to-day", channel="email", role="astronaut")


def test_all_channels_without_a_channel() -> None:
    result = advise(scenario="logistics")
    assert isinstance(result, AdviceSet)
    assert set(result.channels) == set(PACK.channels)
    data = result.to_dict()
    assert data["scenario"] == "logistics"
    assert data["channels"]["whatsapp"]["verdict"] == "not-allowed"
    assert data["channels"]["personal-phone"]["verdict"] == "allowed"


def test_unknown_ids_suggest() -> None:
    with pytest.raises(UnknownIdError) as caught:
        advise(scenario="logistic", channel="email")
    assert caught.value.suggestions == ["logistics"]
    with pytest.raises(UnknownIdError) as caught:
        advise(scenario="logistics", channel="emial")
    assert "email" in caught.value.suggestions


def test_to_dict_is_a_fresh_copy() -> None:
    advice = one(scenario="logistics", channel="email")
    first = advice.to_dict()
    first["duties"].append("tampered")
    assert "tampered" not in advice.to_dict()["duties"]


def test_every_answer_cites_only_real_passages() -> None:
    from commsgov.policy.loader import bundled_pack_path

    sources = bundled_pack_path().parent / "sources"
    texts = {p.name: normalise_text(p.read_text(encoding="utf-8")) for p in sources.glob("*.txt")}
    for scenario in PACK.scenarios:
        for outage in (False, True):
            result = advise(scenario=scenario, outage=outage)
            assert isinstance(result, AdviceSet)
            for advice in result.channels.values():
                assert advice.citations
                for cite in advice.citations:
                    assert cite.quote in texts[cite.document]


@given(
    scenario=st.sampled_from(list(PACK.scenarios)),
    channel=st.sampled_from(list(PACK.channels)),
    device=st.sampled_from(["corporate", "personal"]),
    outage=st.booleans(),
    external=st.booleans(),
    federated=st.booleans(),
    country_risk=st.sampled_from([None, "secure", "at-risk"]),
    exemption=st.booleans(),
)
def test_invariants(**kwargs: object) -> None:
    advice = one(**kwargs)
    assert advice.verdict in ("allowed", "conditional", "not-allowed")
    # "conditional" always says what the conditions are; "allowed" has none.
    assert bool(advice.conditions) == (advice.verdict == "conditional")
    if advice.verdict == "allowed":
        assert not advice.alternatives
    if advice.verdict == "not-allowed":
        assert advice.alternatives and advice.channel not in advice.alternatives
    if kwargs["outage"] or kwargs["exemption"]:
        assert advice.verdict != "not-allowed" or advice.channel == "social-media"
    if PACK.channels[advice.channel].kind == "mma" and not (
        kwargs["outage"] or kwargs["exemption"]
    ):
        assert advice.verdict == "not-allowed"


def test_engine_runs_on_another_organisations_pack() -> None:
    pack = compiled_pack(EXAMPLE)
    assert one(scenario="casework", channel="slack", pack=pack).verdict == "allowed"
    press = one(scenario="press-enquiry", channel="slack", pack=pack)
    assert press.verdict == "not-allowed" and press.alternatives == ("email",)
    assert one(scenario="lone-worker-check", channel="own-phone", pack=pack).verdict == "allowed"
    assert one(scenario="casework", channel="own-phone", pack=pack).verdict == "not-allowed"
    assert one(scenario="casework", channel="Signal", pack=pack).channel == "any-app"
    outage = one(scenario="casework", channel="whatsapp", outage=True, pack=pack)
    assert outage.verdict == "conditional"
    assert any("date, time and method" in q for q in quotes(outage))
    assert any("90 days" in d for d in one(scenario="casework", channel="slack", pack=pack).duties)

"""The lexicon: channels however they are said, and the conditions that change the answer."""

from __future__ import annotations

import pytest

from commsgov.asking.lexicon import Lexicon, PhraseIndex
from commsgov.policy.cache import compiled_pack


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(compiled_pack())


@pytest.mark.parametrize(
    ("question", "channel"),
    [
        ("can I whats app my manager", "whatsapp"),
        ("can I watsapp my manager", "whatsapp"),
        ("is telegramm ok", "telegram"),
        ("can I singal the team", "signal"),
        ("can I use my own phone", "personal-phone"),
        ("can I give them a ring", "corporate-phone"),
        ("can I IM on Teams", "teams-chat"),
        ("can I drop an email to the team", "email"),
        ("can I pop round to tell them", "face-to-face"),
        ("can I log a call about it", "ifix"),
        ("is a Teams channel ok", "teams-channel"),
        ("can I iMessage her", "other-mma"),
        ("can I use Facebook Messenger", "social-media"),
    ],
)
def test_channels_however_said(lexicon: Lexicon, question: str, channel: str) -> None:
    assert [m.channel for m in lexicon.read(question).asked] == [channel]


@pytest.mark.parametrize(
    "question",
    [
        "can I tell my line manager",  # LINE is an app; a line manager is not
        "which channel should I use",
        "the meeting has moved to room 2",
        "a single question about the budget",  # not a misspelt Signal
        "I'll be there instead of Anna",
    ],
)
def test_words_that_are_not_channels(lexicon: Lexicon, question: str) -> None:
    assert lexicon.read(question).asked == ()


@pytest.mark.parametrize(
    ("question", "channel"),
    [
        # everyday words one slip from a corporate channel's word are not misspellings of it
        ("the grants portal falls over at 8pm, is a Teams message ok", "teams-chat"),
        ("after deleting the thread, can I email the team", "email"),
        ("the new form was tested by IT, can I use Signal to say so", "signal"),
        # "of" alone does not rule the channel after it out ("instead of" does)
        ("urgent work out of hours, Viber ok?", "viber"),
        # the mobile signal is not the app
        ("on a boat, can I email the office when I get signal", "email"),
        ("poor signal on the hill, is a Teams call ok", "teams-chat"),
    ],
)
def test_words_near_a_channel_are_not_it(lexicon: Lexicon, question: str, channel: str) -> None:
    assert [m.channel for m in lexicon.read(question).asked] == [channel]


def test_a_broken_channel_is_context_not_the_question(lexicon: Lexicon) -> None:
    reading = lexicon.read("Teams is playing up, can I WhatsApp my team?")
    assert [m.channel for m in reading.asked] == ["whatsapp"]
    assert [m.channel for m in reading.context] == ["teams-chat"]


def test_a_channel_ruled_out_is_context(lexicon: Lexicon) -> None:
    reading = lexicon.read("my manager doesn't check email, can I WhatsApp her?")
    assert [m.channel for m in reading.asked] == ["whatsapp"]
    assert [m.channel for m in reading.context] == ["email"]


def test_the_phone_names_the_device_when_an_app_is_the_means(lexicon: Lexicon) -> None:
    reading = lexicon.read("Can I use WhatsApp on my personal phone for work?")
    assert [m.channel for m in reading.asked] == ["whatsapp"]
    assert reading.device == "personal"
    assert lexicon.read("can I text from my work phone").device == "corporate"


@pytest.mark.parametrize(
    ("question", "channel"),
    [
        ("can I post it to the team's Teams chat from my own tablet", "teams-chat"),
        ("ok to answer work emails on my iPad at home?", "email"),
        ("can I join the Teams call from my home PC", "teams-chat"),
        ("is Teams fine on my own device", "teams-chat"),
    ],
)
def test_a_device_you_own_is_personal(lexicon: Lexicon, question: str, channel: str) -> None:
    reading = lexicon.read(question)
    assert reading.device == "personal"
    assert channel in [m.channel for m in reading.asked]


@pytest.mark.parametrize(
    "question",
    [
        "SCOTS is down, can I use WhatsApp?",
        "SCOTS has gone down for everyone",
        "there's been a cyber attack",
        "ransomware has locked everything",
        "all our laptops are offline",
    ],
)
def test_outage(lexicon: Lexicon, question: str) -> None:
    reading = lexicon.read(question)
    assert reading.outage and not reading.outage_unclear


@pytest.mark.parametrize(
    "question",
    [
        "Teams is playing up, can I use WhatsApp?",
        "Outlook keeps freezing",
        "my laptop is a bit slow today",
        "the printers are down",
    ],
)
def test_not_an_outage(lexicon: Lexicon, question: str) -> None:
    reading = lexicon.read(question)
    assert not reading.outage
    assert not reading.outage_unclear


def test_teams_playing_up_is_named_as_not_an_outage(lexicon: Lexicon) -> None:
    assert lexicon.read("Teams is playing up").not_outage == ("playing up",)


def test_a_network_failure_is_unclear(lexicon: Lexicon) -> None:
    reading = lexicon.read("the network is down, can I text")
    assert reading.outage_unclear and not reading.outage


def test_external_party_and_who(lexicon: Lexicon) -> None:
    reading = lexicon.read("can I message someone at Police Scotland on Teams")
    assert reading.external and reading.who == "police scotland"
    assert not lexicon.read("can I message a colleague on Teams").external


def test_federation_said_and_denied(lexicon: Lexicon) -> None:
    assert lexicon.read("they are federated with us").federated
    assert not lexicon.read("they aren't federated yet").federated


def test_abroad_and_where(lexicon: Lexicon) -> None:
    reading = lexicon.read("I'm in Brussels for negotiations, can I email the team")
    assert reading.abroad and reading.where == "Belgium"
    assert lexicon.read("I'm overseas on official business").abroad
    visit = lexicon.read("we're hosting a delegation from Norway next week")
    assert not visit.abroad  # a visit to us is not us abroad
    assert not lexicon.read("at a conference in Manchester").abroad


def test_country_risk_comes_from_the_pack() -> None:
    from dataclasses import replace

    pack = compiled_pack()
    rated = replace(pack, ask={**pack.ask, "countries": [{"name": "Ruritania", "risk": "at-risk"}]})
    reading = Lexicon(rated).read("I'm in Ruritania on official business, can I email?")
    assert (reading.abroad, reading.where, reading.country_risk) == (True, "Ruritania", "at-risk")


@pytest.mark.parametrize(
    ("question", "late"),
    [
        ("it's 11pm, can I text", True),
        ("at 6 am can I ring", True),
        ("on Saturday can I email", True),
        ("over the weekend", True),
        ("at 2pm can I ring", False),
        ("this morning at 10am", False),
    ],
)
def test_out_of_hours(lexicon: Lexicon, question: str, late: bool) -> None:
    assert lexicon.read(question).out_of_hours is late


def test_phrase_gaps_skip_at_most_three_words() -> None:
    index = PhraseIndex([("scots ... down", "outage")])
    assert index.scan(["scots", "has", "gone", "down"])
    assert not index.scan(["scots", "is", "a", "network", "that", "never", "went", "down"])


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("I don't think they're federated, can I Teams them?", "federated"),
        ("they aren't federated yet", "federated"),
        ("SCOTS isn't down, Teams is just slow", "outage"),
        ("it's not out of hours, can I ring?", "out_of_hours"),
        ("I'm not abroad, I'm in Glasgow", "abroad"),
    ],
)
def test_a_negation_in_the_same_clause_cancels_a_condition(
    lexicon: Lexicon, question: str, name: str
) -> None:
    reading = lexicon.read(question)
    found = {
        "federated": reading.federated,
        "outage": reading.outage or reading.outage_unclear,
        "out_of_hours": reading.out_of_hours,
        "abroad": reading.abroad,
    }
    assert found[name] is False


def test_a_negation_elsewhere_does_not(lexicon: Lexicon) -> None:
    # "can't" negates getting on, not the outage said after the comma
    assert lexicon.read("I can't get in, SCOTS is down").outage
    assert lexicon.read("they are federated with us").federated


def test_a_failure_in_one_place_is_an_unclear_outage(lexicon: Lexicon) -> None:
    reading = lexicon.read("SCOTS is down across the building, can I text the team?")
    assert not reading.outage and reading.outage_unclear
    assert lexicon.read("SCOTS is down, can I text the team?").outage


def test_an_occasion_is_not_a_party(lexicon: Lexicon) -> None:
    assert not lexicon.read("can I email colleagues about the charity bake sale").external
    assert lexicon.read("can I email a charity about their grant").external


@pytest.mark.parametrize(
    ("question", "channels"),
    [
        ("can I message my colleagues on Teams?", ["teams-chat"]),  # "I message" is not iMessage
        ("the minister needs a quick line, can I email the team?", ["email"]),  # not LINE
        ("can I text from my own phone to say where to meet?", ["personal-phone"]),
        ("can we discuss it by text from our own phones?", ["personal-phone"]),
    ],
)
def test_phrases_that_were_misread(lexicon: Lexicon, question: str, channels: list[str]) -> None:
    reading = lexicon.read(question)
    found = [m.channel for m in reading.asked]
    if reading.device == "personal":  # a text from your own phone is the personal channel
        found = ["personal-phone" if c == "corporate-phone" else c for c in found]
    assert list(dict.fromkeys(found)) == channels


@pytest.mark.parametrize(
    "question",
    [
        "is Teams chat ok with an external organisation that's already federated",
        "can I IM someone at a partner organisation on Teams? they're federated",
        "Teams chat with a stakeholder from my own laptop, ok?",
        "can I use outlook?",
    ],
)
def test_who_and_the_channel_alone_state_no_situation(lexicon: Lexicon, question: str) -> None:
    assert lexicon.read(question).situation == ()


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("can I email a supplier about an invoice query", {"invoice", "query"}),
        # who takes part, when a cue group of the work holds it, is a situation
        ("can I Teams chat a nurse? her board is federated", {"nurse", "board"}),
        ("is Teams chat ok with the police, they're federated", {"police"}),
        ("can I whatsapp my manager that I'm late", {"manager", "late"}),
    ],
)
def test_what_the_work_is_is_a_situation(lexicon: Lexicon, question: str, said: set[str]) -> None:
    assert set(lexicon.read(question).situation) == said


@pytest.mark.parametrize(
    ("question", "channels"),
    [
        ("can I go through the comments with my G7 at her desk", ["face-to-face"]),
        ("ok to have a word with the analyst about the tables?", ["face-to-face"]),
        # a channel said not to work is the context, not the one asked about
        ("outlook isn't syncing, can I ring the service desk from my work mobile?",
         ["corporate-phone"]),
        ("teams won't load, can I email IT?", ["email"]),
    ],
)  # fmt: skip
def test_more_ways_to_say_a_channel(lexicon: Lexicon, question: str, channels: list[str]) -> None:
    assert list(dict.fromkeys(m.channel for m in lexicon.read(question).asked)) == channels


def test_somewhere_abroad_or_its_people_is_foreign(lexicon: Lexicon) -> None:
    visit = lexicon.read("coordinating the Norwegian ambassador's visit to Shetland")
    assert visit.foreign and not visit.abroad
    assert "cond:foreign" in visit.features()
    assert not lexicon.read("with the minister on a visit to a school in Fife").foreign


def test_the_words_naming_the_channel_or_device_are_not_word_features(
    lexicon: Lexicon,
) -> None:
    features = lexicon.read("can I whatsapp my manager from my own phone that I'm late").features()
    assert "ch:whatsapp" in features and "cond:personal" in features
    assert "whatsapp" not in features and "own" not in features and "phone" not in features
    assert "manager" in features and "late" in features


def test_a_corporate_device_is_a_feature_of_its_own(lexicon: Lexicon) -> None:
    features = lexicon.read("how do I get a work mobile?").features()
    assert "cond:corporate" in features and "mobile" not in features

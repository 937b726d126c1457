"""The advisor: advise, the matrix, scenarios and channels (the same functions as the CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from commsgov.services import catalogue
from commsgov.services.registers_advice import advise_for, ask_for

from ..deps import Caller, ClockDep, PackDep, allowed
from .registers import RecordStore

router = APIRouter(tags=["policy"])


class Citation(BaseModel):
    """A source document and the exact passage quoted."""

    document: str
    quote: str


class RegisterRef(BaseModel):
    """A register entry that changed the answer (``effect``: ``applied``, ``ended``,
    ``not-started``, ``does-not-cover``)."""

    # ``register`` is a method of every Pydantic model: the field goes by an alias
    model_config = ConfigDict(populate_by_name=True)

    register_name: str = Field(alias="register")
    uid: str
    label: str
    effect: str


class Advice(BaseModel):
    """The answer for one channel: verdict, why, on what terms, what instead, the sources, and
    the register entries that changed it."""

    scenario: str
    scenario_title: str
    channel: str
    channel_name: str
    verdict: Literal["allowed", "conditional", "not-allowed"]
    cell: str | None
    reasons: list[str]
    conditions: list[str]
    duties: list[str]
    alternatives: list[str]
    citations: list[Citation]
    registers: list[RegisterRef]


class AdviceSet(BaseModel):
    """The answers for every channel in one scenario."""

    scenario: str
    scenario_title: str
    channels: dict[str, Advice]


def _flag(help_text: str) -> object:
    return Query(description=help_text)


@router.get("/advise", name="policy.advise", response_model=Advice | AdviceSet)
def advise(
    pack: PackDep,
    store: RecordStore,
    clock: ClockDep,
    caller: Annotated[Caller, allowed("policy.advise")],
    scenario: Annotated[str, Query(max_length=200, description="Scenario id (see /scenarios).")],
    channel: Annotated[
        str | None,
        Query(max_length=200, description="Channel id, alias or app name; omit for all."),
    ] = None,
    device: Annotated[Literal["corporate", "personal"], Query()] = "corporate",
    outage: Annotated[bool, Query(description="SCOTS and/or major services are down.")] = False,
    external: Annotated[bool, Query(description="External people take part.")] = False,
    federated: Annotated[bool, Query(description="The external party is federated.")] = False,
    abroad: Annotated[bool, Query(description="Abroad on official business.")] = False,
    country_risk: Annotated[Literal["secure", "at-risk"] | None, Query()] = None,
    exemption: Annotated[bool, Query(description="A time-bound transition period.")] = False,
    role: Annotated[str | None, Query(max_length=200, description="Your role.")] = None,
    hosted_meeting: Annotated[
        bool, Query(description="You host the Teams meeting the external people attend.")
    ] = False,
    team: Annotated[
        str | None, Query(max_length=200, description="Your agency or team (its exemption).")
    ] = None,
    with_: Annotated[
        str | None,
        Query(alias="with", max_length=320,
              description="An email address or domain of the external people."),
    ] = None,
    with_org: Annotated[
        str | None, Query(max_length=200, description="The external organisation, by name.")
    ] = None,
    as_of: Annotated[dt.date | None, Query(description="Day to judge on (default today).")] = None,
) -> dict[str, object]:  # fmt: skip
    """Which channel may I use? The verdict, conditions, duties, alternatives and sources; with
    what the registers know of you (your team's transition exemption, as a member or by
    ``team``) and of the organisation named (``with``, ``with_org``), each entry named."""
    result = advise_for(
        store, scenario=scenario, channel=channel, device=device, outage=outage,
        external=external, federated=federated, abroad=abroad, country_risk=country_risk,
        exemption=exemption, role=role, hosted_meeting=hosted_meeting, team=team,
        named=with_org or with_, as_of=as_of, actor=caller.actor, now=clock(), pack=pack,
    )  # fmt: skip
    return result.to_dict()


@router.get(
    "/matrix", name="policy.matrix", response_model=catalogue.Matrix,
    dependencies=[allowed("policy.matrix")],
)  # fmt: skip
def matrix(pack: PackDep) -> catalogue.Matrix:
    """The approved-channels matrix: scenarios by channel, with footnotes and sources."""
    return catalogue.matrix(pack=pack)


@router.get(
    "/scenarios", name="policy.scenarios", response_model=list[catalogue.ScenarioLine],
    dependencies=[allowed("policy.scenarios")],
)  # fmt: skip
def scenarios(pack: PackDep) -> list[catalogue.ScenarioLine]:
    """The scenarios and their ids."""
    return catalogue.scenarios(pack=pack)


@router.get(
    "/channels", name="policy.channels", response_model=list[catalogue.ChannelLine],
    dependencies=[allowed("policy.channels")],
)  # fmt: skip
def channels(pack: PackDep) -> list[catalogue.ChannelLine]:
    """The channels, their kind and the names they answer to."""
    return catalogue.channels(pack=pack)


class Question(BaseModel):
    """A question in plain words; ``team`` and ``with_org`` as for ``/advise``."""

    question: str = Field(min_length=1, max_length=2000, description="e.g. Can I WhatsApp Ann?")
    team: str | None = Field(default=None, max_length=200)
    with_org: str | None = Field(default=None, max_length=320)
    as_of: dt.date | None = None


class Understood(BaseModel):
    """How the question was read: the scenario, the channel and the conditions it states."""

    model_config = ConfigDict(extra="allow")

    scenario: str | None
    channel: str | None
    channel_words: str | None
    other_channels: list[str]
    outage: bool
    outage_unclear: bool
    not_outage: list[str]
    external: bool
    who: str | None
    federated: bool
    abroad: bool
    where: str | None
    country_risk: str | None
    out_of_hours: bool
    device: str | None
    exemption: bool


class Choice(BaseModel):
    """A reading the advisor hesitates over: a scenario, or a scenario with a condition."""

    model_config = ConfigDict(extra="allow")

    scenario: str
    title: str
    confidence: float
    verdict: Literal["allowed", "conditional", "not-allowed"] | None
    assumes: str | None = None


class Answer(BaseModel):
    """The answer of ``commsgov ask --json``: how the question was read, then ``advise``'s
    verdict, conditions, duties, alternatives and quotations, or ``choices`` to ask back."""

    model_config = ConfigDict(extra="allow")

    question: str
    kind: Literal["verdict", "channels", "topic", "choices", "help"]
    scenario: str | None
    scenario_title: str | None
    channel: str | None
    channel_name: str | None
    verdict: Literal["allowed", "conditional", "not-allowed"] | None
    confidence: float
    understood: Understood
    summary: str
    reasons: list[str]
    conditions: list[str]
    duties: list[str]
    alternatives: list[str]
    citations: list[Citation]
    runners_up: list[Choice]
    choices: list[Choice]
    answer: str | None
    topic: str | None
    registers: list[RegisterRef]


@router.post("/ask", name="policy.ask", response_model=Answer)
def ask(
    body: Question, pack: PackDep, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("policy.ask")],
) -> dict[str, Any]:  # fmt: skip
    """Ask in plain words: the same answer as ``commsgov ask --json``, with what the registers
    know (an organisation the question names counts)."""
    return ask_for(
        store, body.question, actor=caller.actor, team=body.team, named=body.with_org,
        as_of=body.as_of, now=clock(), pack=pack,
    ).to_dict()  # fmt: skip

"""The advisor: advise, the matrix, scenarios and channels (the same functions as the CLI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from commsgov.policy.advice import advise as run_advice
from commsgov.services import catalogue

from ..deps import PackDep, allowed

router = APIRouter(tags=["policy"])


class Citation(BaseModel):
    """A source document and the exact passage quoted."""

    document: str
    quote: str


class Advice(BaseModel):
    """The answer for one channel: verdict, why, on what terms, what instead, and the sources."""

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


class AdviceSet(BaseModel):
    """The answers for every channel in one scenario."""

    scenario: str
    scenario_title: str
    channels: dict[str, Advice]


def _flag(help_text: str) -> object:
    return Query(description=help_text)


@router.get(
    "/advise", name="policy.advise", response_model=Advice | AdviceSet,
    dependencies=[allowed("policy.advise")],
)  # fmt: skip
def advise(
    pack: PackDep,
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
) -> dict[str, object]:
    """Which channel may I use? The verdict, conditions, duties, alternatives and sources."""
    result = run_advice(
        scenario=scenario, channel=channel, device=device, outage=outage, external=external,
        federated=federated, abroad=abroad, country_risk=country_risk, exemption=exemption,
        role=role, pack=pack,
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
    """A question in plain words."""

    question: str = Field(min_length=1, max_length=2000, description="e.g. Can I WhatsApp Ann?")


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


@router.post("/ask", name="policy.ask", response_model=Answer, dependencies=[allowed("policy.ask")])
def ask(body: Question, pack: PackDep) -> dict[str, Any]:
    """Ask in plain words: the same answer as ``commsgov ask --json`` and ``commsgov.ask``."""
    from commsgov.asking import ask as run_ask

    return run_ask(body.question, pack=pack).to_dict()

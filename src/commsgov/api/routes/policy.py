"""The advisor: advise, ask, the matrix, scenarios and channels (the same functions as the CLI).

The response models are the advisor's own result types (:class:`Advice`, :class:`AdviceSet`,
:class:`Answer`), so the API and ``commsgov advise|ask --json`` cannot disagree.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from commsgov.asking import Answer
from commsgov.policy.advice import Advice, AdviceSet
from commsgov.policy.advice import advise as run_advice
from commsgov.services import catalogue

from ..deps import PackDep, allowed

router = APIRouter(tags=["policy"])


class AdviseQuery(BaseModel):
    """The situation to advise on (the options of ``commsgov advise``)."""

    scenario: str = Field(max_length=200, description="Scenario id (see /scenarios).")
    channel: str | None = Field(
        None, max_length=200, description="Channel id, alias or app name; omit for all."
    )
    device: Literal["corporate", "personal"] = "corporate"
    outage: bool = Field(False, description="SCOTS and/or major services are down.")
    external: bool = Field(False, description="External people take part.")
    federated: bool = Field(False, description="The external party is federated.")
    abroad: bool = Field(False, description="Abroad on official business.")
    country_risk: Literal["secure", "at-risk"] | None = None
    exemption: bool = Field(False, description="A time-bound transition period.")
    role: str | None = Field(None, max_length=200, description="Your role.")


@router.get(
    "/advise", name="policy.advise", response_model=Advice | AdviceSet,
    dependencies=[allowed("policy.advise")],
)  # fmt: skip
async def advise(pack: PackDep, situation: Annotated[AdviseQuery, Query()]) -> Advice | AdviceSet:
    """Which channel may I use? The verdict, conditions, duties, alternatives and sources."""
    # pure and memoised on the pack: quicker on the event loop than a hop to the thread pool
    return run_advice(**dict(situation), pack=pack)


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


@router.post("/ask", name="policy.ask", response_model=Answer, dependencies=[allowed("policy.ask")])
def ask(body: Question, pack: PackDep) -> Answer:
    """Ask in plain words: the same answer as ``commsgov ask --json`` and ``commsgov.ask``."""
    from commsgov.asking import ask as run_ask

    return run_ask(body.question, pack=pack)

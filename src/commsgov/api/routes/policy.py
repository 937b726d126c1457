"""The advisor: advise, ask, the matrix, scenarios and channels (the same functions as the CLI).

The response models are the advisor's own result types (:class:`Advice`, :class:`AdviceSet`,
:class:`Answer`), so the API and ``commsgov advise|ask --json`` cannot disagree. Advice and
answers are given for the signed-in user with what the registers know (their team's transition
exemption, the external organisation named), so these routes read the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from commsgov.asking import Answer
from commsgov.config import Settings
from commsgov.policy.advice import Advice, AdviceSet
from commsgov.policy.compiled import CompiledPack
from commsgov.services import catalogue
from commsgov.services.registers_advice import (
    Advised,
    Asking,
    answers_without_reading,
    ask_for,
    plan_advice,
    record_citations,
)
from commsgov.store.handle import Store

from ..deps import (
    Caller,
    ClockDep,
    Head,
    PackDep,
    SettingsDep,
    admit_at_head,
    allowed,
    get_clock,
    get_pack,
    get_settings,
    get_store,
    read_on_loop,
)
from .registers import RecordStore

router = APIRouter(tags=["policy"])


class AdviseQuery(BaseModel):
    """The situation to advise on (the options of ``commsgov advise``)."""

    model_config = {"populate_by_name": True}

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
    hosted_meeting: bool = Field(
        False, description="You host the Teams meeting the external people attend."
    )
    team: str | None = Field(
        None, max_length=200, description="Your agency or team (its exemption)."
    )
    with_: str | None = Field(
        None, alias="with", max_length=320,
        description="An email address or domain of the external people.",
    )  # fmt: skip
    with_org: str | None = Field(
        None, max_length=200, description="The external organisation, by name."
    )
    as_of: dt.date | None = Field(None, description="Day to judge on (default today).")


#: per field, the (name validated, key read) pairs FastAPI tries in turn for a query model: the
#: alias, then (``populate_by_name``) the field's own name
_KEYS = [
    [(f.alias or name, f.alias or name)] + ([(name, name)] if f.alias not in (None, name) else [])
    for name, f in AdviseQuery.model_fields.items()
]


async def _situation(request: Request) -> AdviseQuery:
    """The query as FastAPI reads a ``Query()`` model (:func:`_read_situation`)."""
    return _read_situation(request)


def _read_situation(request: Request) -> AdviseQuery:
    """The query as FastAPI reads a ``Query()`` model (the last of a repeated parameter; the
    rest given to the model, which ignores unknown ones; errors at ``("query", field)``), in
    one pass: FastAPI's per-field extraction was a third of an ``/advise`` request."""
    received = request.query_params
    values: dict[str, Any] = {}
    read: set[str] = set()
    for keys in _KEYS:
        name, key = next((pair for pair in keys if pair[1] in received), keys[0])
        if key in received:
            values[name] = received[key]
        read.add(key)
    rest: dict[str, list[str]] = {}
    for key, value in received.multi_items():
        if key not in read:
            rest.setdefault(key, []).append(value)
    values.update((k, v[0] if len(v) == 1 else v) for k, v in rest.items())
    try:
        return AdviseQuery.model_validate(values, from_attributes=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None


def _parameters() -> list[dict[str, Any]]:
    """The query parameters FastAPI documents for ``AdviseQuery`` as a ``Query()`` model (the
    route reads them itself, so documents them by these)."""
    probe = FastAPI()

    @probe.get("/")
    def documented(situation: Annotated[AdviseQuery, Query()]) -> None:
        """Only documented."""

    parameters: list[dict[str, Any]] = probe.openapi()["paths"]["/"]["get"]["parameters"]
    return parameters


@dataclass(frozen=True, slots=True)
class _Advising:
    """What ``/advise`` takes: the pack, the store, the clock, the settings, the caller (and
    the ledger's head read with their token, if they sent one) and the situation."""

    pack: CompiledPack
    store: Store
    clock: Callable[[], dt.datetime]
    settings: Settings
    caller: Caller
    head: Head | None
    situation: AdviseQuery


async def _advising(request: Request) -> _Advising:
    """All that ``/advise`` took as dependencies (FastAPI's solving of seven was a quarter of
    the request), taken in the order FastAPI took them: who is asking (401, 403) before the
    query (422)."""
    pack, store, clock, settings = (
        get_pack(request), get_store(request), get_clock(request), get_settings(request)
    )  # fmt: skip
    caller, head = await admit_at_head(request, "policy.advise")
    return _Advising(pack, store, clock, settings, caller, head, _read_situation(request))


@router.get(
    "/advise", name="policy.advise", response_model=Advice | AdviceSet,
    openapi_extra={"parameters": _parameters()},
)  # fmt: skip
async def advise(request: Request) -> Advice | AdviceSet:
    """Which channel may I use? The verdict, conditions, duties, alternatives and sources; with
    what the registers know of you (your team's transition exemption, as a member or by
    ``team``) and of the organisation named (``with``, ``with_org``), each entry named."""
    # what its dependencies would give, taken by the route itself (FastAPI's solving of even
    # one dependency costs more than taking them); the app's settings' time zone: reading the
    # environment per request is a cost
    a = await _advising(request)
    s = a.situation
    store, caller, now, zone = a.store, a.caller, a.clock(), a.settings.timezone

    asking = Asking.of(caller.actor, now=now, team=s.team, named=s.with_org or s.with_,
                       as_of=s.as_of, pack=a.pack, zone=zone)  # fmt: skip

    def plan() -> Advised:
        return plan_advice(
            store, asking, scenario=s.scenario, channel=s.channel, device=s.device,
            outage=s.outage, external=s.external, federated=s.federated, abroad=s.abroad,
            country_risk=s.country_risk, exemption=s.exemption, role=s.role,
            hosted_meeting=s.hosted_meeting, head=a.head,
        )  # fmt: skip

    # the answer reads (on the event loop where that is quicker: advisor requests are the
    # commonest; on any backend when the ledger's head came with the token and the registers
    # kept at it are all the answer needs); an ended exemption it cites is recorded, a write,
    # in the thread pool
    if a.head is not None and answers_without_reading(store, head=a.head, actor=caller.actor):
        advised = plan()
    else:
        advised = await read_on_loop(store, plan)
    if advised.citations:
        await run_in_threadpool(record_citations, store, advised, actor=caller.actor, now=now)
    return advised.result


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


@router.post("/ask", name="policy.ask", response_model=Answer)
def ask(
    body: Question, pack: PackDep, store: RecordStore, clock: ClockDep, settings: SettingsDep,
    caller: Annotated[Caller, allowed("policy.ask")],
) -> Answer:  # fmt: skip
    """Ask in plain words: the same answer as ``commsgov ask --json``, with what the registers
    know (an organisation the question names counts)."""
    # the app's settings' time zone: reading the environment per request is a cost
    asking = Asking.of(caller.actor, now=clock(), team=body.team, named=body.with_org,
                       as_of=body.as_of, pack=pack, zone=settings.timezone)  # fmt: skip
    return ask_for(store, asking, body.question)

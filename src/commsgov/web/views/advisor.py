"""The advisor: which channel may I use? The question box, the matrix, a page per scenario and
per channel. Every verdict comes from :func:`commsgov.policy.advice.advise` or
:func:`commsgov.asking.ask`, the functions the command line and the API call."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, allowed
from commsgov.api.routes.registers import RecordStore
from commsgov.asking import Answer
from commsgov.policy.advice import Advice, AdviceSet, advise
from commsgov.policy.compiled import CompiledPack
from commsgov.policy.errors import PolicyError, UnknownIdError
from commsgov.services import catalogue
from commsgov.services.registers_advice import Asking, advise_for, ask_for

from .. import present
from ..errors import redirect
from ..render import page
from .common import Form, text

router = APIRouter(include_in_schema=False)

#: how each kind of channel is described
KINDS = {
    "corporate": "Corporate channel",
    "personal": "Personal device",
    "mma": "Mobile messaging app",
    "social-media": "Social media",
}


def pickers(pack: CompiledPack) -> dict[str, Any]:
    """The scenarios to choose from and every name a channel or app answers to."""
    names: list[dict[str, str]] = []
    for channel in catalogue.channels(pack=pack):
        names.append({"value": channel.name, "label": KINDS.get(channel.kind, channel.kind)})
        names.extend({"value": alias, "label": channel.name} for alias in channel.aliases)
    return {"scenarios": catalogue.scenarios(pack=pack), "channel_names": names}


def _message(exc: PolicyError) -> str:
    if isinstance(exc, UnknownIdError):
        found = f"We do not know the {exc.kind} \u201c{exc.value}\u201d."
        if exc.suggestions:
            return f"{found} Did you mean {', '.join(exc.suggestions)}?"
        return found
    return str(exc)


@router.get("/", name="web.advisor")
def advisor(
    request: Request, caller: Annotated[Caller, allowed("web.advisor")], pack: PackDep,
    store: RecordStore, clock: ClockDep, settings: SettingsDep,
    scenario: Annotated[str, Query(max_length=200)] = "",
    channel: Annotated[str, Query(max_length=200)] = "",
    outage: bool = False, external: bool = False, federated: bool = False,
    abroad: bool = False, country_risk: Literal["", "secure", "at-risk"] = "",
    personal: bool = False, hosting: bool = False,
    team: Annotated[str, Query(max_length=200)] = "",
    with_: Annotated[str, Query(alias="with", max_length=320)] = "",
    password_changed: bool = False,
) -> Response:  # fmt: skip
    """The advisor: pick a scenario and a channel or app, say what applies, get the answer
    (with what the registers know of you, your team and the organisation you name)."""
    channel, team, with_ = channel.strip(), team.strip(), with_.strip()
    asked = {
        "scenario": scenario, "channel": channel, "outage": outage, "external": external,
        "federated": federated, "abroad": abroad, "country_risk": country_risk,
        "personal": personal, "hosting": hosting, "team": team, "with": with_,
    }  # fmt: skip
    errors: dict[str, str] = {}
    single: dict[str, Any] | None = None
    every: list[dict[str, Any]] | None = None
    if channel and not scenario:
        errors["scenario"] = "Choose what you are doing"
    elif scenario:
        try:
            # the registers' day in the app's settings' zone, as /advise and the question box
            asking = Asking.of(caller.actor, now=clock(), team=team or None,
                               named=with_ or None, pack=pack, zone=settings.timezone)  # fmt: skip
            result = advise_for(
                store, asking, scenario=scenario, channel=channel or None,
                device="personal" if personal else "corporate", outage=outage,
                external=external, federated=federated, abroad=abroad,
                country_risk=country_risk or None, hosted_meeting=hosting,
            )  # fmt: skip
        except PolicyError as exc:
            field = exc.kind if isinstance(exc, UnknownIdError) else "scenario"
            errors[field if field in ("scenario", "channel") else "scenario"] = _message(exc)
        else:
            if isinstance(result, Advice):
                single = present.advice(result.to_dict(), pack)
            elif isinstance(result, AdviceSet):
                # each channel links to its own answer, with the same boxes ticked
                ticked = {
                    k: "true" if v is True else v for k, v in asked.items() if v and k != "channel"
                }
                every = [
                    {**present.advice(a.to_dict(), pack),
                     "link": "/?" + urlencode({**ticked, "channel": a.channel_name})}
                    for a in result.channels.values()
                ]  # fmt: skip
    values = {
        "title": "Which channel may I use?", "asked": asked, "errors": errors,
        "single": single, "every": every, "answer": None, "question": "",
        "notice": "Your password has been changed." if password_changed else None,
        **pickers(pack),
    }  # fmt: skip
    return page(
        request, caller, "advisor.html", values, block="advice", status=400 if errors else 200
    )


def _advisor_link(answer: Answer) -> str | None:
    """The advisor page for what the question was read as (scenario, channel, conditions)."""
    if answer.scenario is None:
        return None
    seen = answer.understood
    params: dict[str, str] = {"scenario": answer.scenario}
    if answer.channel:
        params["channel"] = answer.channel
    for name in ("outage", "external", "federated", "abroad"):
        if getattr(seen, name):
            params[name] = "true"
    if seen.country_risk in ("secure", "at-risk"):
        params["country_risk"] = seen.country_risk
    if seen.device == "personal":
        params["personal"] = "true"
    return "/?" + urlencode(params)


@router.post("/ask", name="web.ask")
def ask_question(
    request: Request, caller: Annotated[Caller, allowed("web.ask")], pack: PackDep, form: Form,
    store: RecordStore, clock: ClockDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    """Ask in plain words: the answer of ``commsgov ask``, on the advisor page."""
    question = text(form, "question").strip()
    errors: dict[str, str] = {}
    shown: dict[str, Any] | None = None
    if not question:
        errors["question"] = "Type your question, for example: Can I WhatsApp my manager?"
    else:
        try:
            asking = Asking.of(caller.actor, now=clock(), pack=pack, zone=settings.timezone)
            answer = ask_for(store, asking, question)
        except PolicyError as exc:
            errors["question"] = str(exc)
        else:
            data = answer.to_dict()
            shown = {
                **data,
                "verdict": present.verdict(answer.verdict),
                "alternatives": present.named(answer.alternatives, pack),
                "quotes": present.quotes(answer.citations, pack),
                "registers": present.registers(data["registers"]),
                "choices": [
                    {**c, "verdict": present.verdict(c["verdict"]),
                     "link": "/?" + urlencode({"scenario": c["scenario"],
                                               **({"channel": answer.channel}
                                                  if answer.channel else {})})}
                    for c in data["choices"]
                ],
                "link": _advisor_link(answer),
            }  # fmt: skip
    values = {
        "title": "Which channel may I use?", "asked": None, "errors": errors, "single": None,
        "every": None, "answer": shown, "question": question, "notice": None, **pickers(pack),
    }  # fmt: skip
    return page(
        request, caller, "advisor.html", values, block="answer", status=400 if errors else 200
    )


@router.get("/matrix", name="web.matrix")
def matrix(
    request: Request, caller: Annotated[Caller, allowed("web.matrix")], pack: PackDep
) -> Response:
    """The approved-channels matrix with its footnotes and sources."""
    table = catalogue.matrix(pack=pack)
    rows = [
        {"row": row, "cells": [present.cell(row.cells[c]) for c in table.columns]}
        for row in table.scenarios
    ]
    values = {
        "title": "The channels matrix", "matrix": table, "rows": rows,
        "columns": present.named(table.columns, pack),
        "quotes": present.quotes(table.citations, pack),
    }  # fmt: skip
    return page(request, caller, "matrix.html", values)


@router.get("/scenarios/{scenario}", name="web.scenario")
def scenario_page(
    request: Request, caller: Annotated[Caller, allowed("web.scenario")], pack: PackDep,
    scenario: Annotated[str, Path(max_length=200)],
) -> Response:  # fmt: skip
    """One scenario: every channel's answer when nothing special applies, to link to and print."""
    info = pack.scenario(scenario)
    if info.id != scenario:
        return redirect(request, str(request.app.url_path_for("web.scenario", scenario=info.id)))
    result = advise(scenario=info.id, pack=pack)
    assert isinstance(result, AdviceSet)
    matrix = catalogue.matrix(pack=pack)
    values = {
        "title": info.title, "scenario": info,
        "description": pack.ask.get("descriptions", {}).get(info.id),
        "footnotes": [matrix.footnotes[m] for m in info.marks if m in matrix.footnotes],
        "every": [present.advice(a.to_dict(), pack) for a in result.channels.values()],
        "quotes": present.quotes(info.cite, pack),
    }  # fmt: skip
    return page(request, caller, "scenario.html", values)


@router.get("/channels", name="web.channels")
def channels_page(
    request: Request, caller: Annotated[Caller, allowed("web.channels")], pack: PackDep
) -> Response:
    """Every channel and app, by kind, with the names it answers to."""
    found = catalogue.channels(pack=pack)
    groups = [
        {"kind": label, "channels": [c for c in found if c.kind == kind]}
        for kind, label in KINDS.items()
    ]
    values = {"title": "Channels and apps", "groups": [g for g in groups if g["channels"]]}
    return page(request, caller, "channels.html", values)


@router.get("/channels/{channel}", name="web.channel")
def channel_page(
    request: Request, caller: Annotated[Caller, allowed("web.channel")], pack: PackDep,
    channel: Annotated[str, Path(max_length=200)],
) -> Response:  # fmt: skip
    """One channel or app: its answer in every scenario, to link to and print."""
    info = pack.channel(channel)
    if info.id != channel:
        return redirect(request, str(request.app.url_path_for("web.channel", channel=info.id)))
    rows = []
    for scenario in pack.scenarios.values():
        result = advise(scenario=scenario.id, channel=info.id, pack=pack)
        assert isinstance(result, Advice)
        rows.append({"scenario": scenario, "advice": present.advice(result.to_dict(), pack)})
    values = {
        "title": info.name, "channel": info, "kind": KINDS.get(info.kind, info.kind),
        "rows": rows, "duties": [d.text for d in info.duties],
        "quotes": present.quotes(info.cite, pack),
    }  # fmt: skip
    return page(request, caller, "channel.html", values)

"""The decision engine: may this channel be used in this situation, and on what terms?

:func:`decide` is the pure rule; :func:`advise` is the public entry point that resolves names,
defaults to the bundled pack and memoises answers on the compiled pack they were given under
(the function is pure, so an answer computed once is the answer for as long as the pack lives).

What the organisation's registers know (the asker's transition periods, the external
organisation they talk to and whether it is federated) comes in as a :class:`Context` of plain
data, handed in by the service that read the registers; the engine never reads a store. An
answer a register entry changed names it (:attr:`Advice.registers`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from .cache import compiled_pack
from .compiled import ChannelInfo, Cite, CompiledPack, Said, ScenarioInfo
from .errors import InvalidAdviceInput

Verdict = Literal["allowed", "conditional", "not-allowed"]
Device = Literal["corporate", "personal"]
CountryRisk = Literal["secure", "at-risk"]

ALLOWED: Verdict = "allowed"
CONDITIONAL: Verdict = "conditional"
NOT_ALLOWED: Verdict = "not-allowed"


@dataclass(frozen=True, slots=True)
class Situation:
    """What the person asking is doing: the inputs of a decision."""

    scenario: str
    channel: str
    device: Device = "corporate"
    outage: bool = False
    external: bool = False
    federated: bool = False
    abroad: bool = False
    country_risk: CountryRisk | None = None
    exemption: bool = False
    role: str | None = None
    #: the asker hosts a Teams meeting the external people attend
    hosted_meeting: bool = False


#: the registers an answer can name
EXEMPTIONS_REGISTER = "transition-exemptions"
ORGANISATIONS_REGISTER = "federated-organisations"


@dataclass(frozen=True, slots=True)
class RegisterRef:
    """A register entry an answer names: which register, the entry's id, the entry in words, and
    its ``effect``: ``applied`` (it changed the answer), ``ended`` or ``not-started`` (a
    transition period that no longer or does not yet apply: the answer is the policy's own),
    ``does-not-cover`` (the entry exists but not for this scenario or channel)."""

    register: str
    uid: str
    label: str
    effect: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {
            "register": self.register,
            "uid": self.uid,
            "label": self.label,
            "effect": self.effect,
        }


@dataclass(frozen=True, slots=True)
class TransitionPeriod:
    """A time-bound transition period of the asker's agency or team, as the register holds it.

    ``scenarios`` are the scenario ids it covers (none: every scenario); ``ends`` is the last day
    it applies.

    >>> period = TransitionPeriod("e1", "Marine", "multi-agency response", (),
    ...                           dt.date(2026, 1, 1), dt.date(2026, 6, 30), "DG", "letter")
    >>> period.state(dt.date(2026, 6, 30)), period.state(dt.date(2026, 7, 1))
    ('active', 'ended')
    """

    uid: str
    team: str
    scope: str
    scenarios: tuple[str, ...]
    starts: dt.date
    ends: dt.date
    approver: str
    mandate: str

    def state(self, on: dt.date) -> str:
        """``not-started``, ``active`` or ``ended`` on day ``on``."""
        if on < self.starts:
            return "not-started"
        return "active" if on <= self.ends else "ended"

    def covers(self, scenario: str) -> bool:
        """Whether it covers ``scenario`` (a period naming no scenario covers them all)."""
        return not self.scenarios or scenario in self.scenarios

    @property
    def label(self) -> str:
        """The entry in words."""
        return f"{self.team}: transition period ({self.scope}), {self.starts} to {self.ends}"


@dataclass(frozen=True, slots=True)
class Organisation:
    """An external organisation in the register of federated organisations and guests: since
    when it is federated (Teams chat and calls) and has guest access (your Teams area), and when
    that ``ended`` (the day it no longer applies), if it did.

    >>> sds = Organisation("o1", "SDS", ("sds.co.uk",), dt.date(2025, 3, 1), None, "IF-1")
    >>> sds.has("federation", dt.date(2026, 1, 1)), sds.has("guest-access", dt.date(2026, 1, 1))
    (True, False)
    """

    uid: str
    name: str
    domains: tuple[str, ...]
    federated_since: dt.date | None
    guests_since: dt.date | None
    ifix_ref: str | None
    ended: dt.date | None = None

    def since(self, access: str) -> dt.date | None:
        """Since when it has ``access`` (``federation`` or ``guest-access``), if at all."""
        return self.federated_since if access == "federation" else self.guests_since

    def has(self, access: str, on: dt.date) -> bool:
        """Whether it has ``access`` on day ``on``."""
        since = self.since(access)
        return since is not None and since <= on and (self.ended is None or on < self.ended)


@dataclass(frozen=True, slots=True)
class Context:
    """What the registers know for this question, judged on day ``on``: the asker's transition
    periods (of their agency or team, in any state), and the external organisation asked about
    (``organisation``, when the register holds it; ``named``: what the asker called it, an
    organisation or an email address)."""

    on: dt.date
    exemptions: tuple[TransitionPeriod, ...] = ()
    organisation: Organisation | None = None
    named: str | None = None

    @property
    def external(self) -> bool:
        """Whether the asker named an external organisation."""
        return self.organisation is not None or self.named is not None


@dataclass(frozen=True)  # (no slots: the JSON form is cached on the instance, see to_dict)
class Advice:
    """The answer for one channel: verdict, why, on what terms, what instead, and the sources."""

    scenario: str
    scenario_title: str
    channel: str
    channel_name: str
    verdict: Verdict
    cell: str | None
    reasons: tuple[str, ...]
    conditions: tuple[str, ...]
    duties: tuple[str, ...]
    alternatives: tuple[str, ...]
    citations: tuple[Cite, ...]
    #: the register entries that changed (or, ended, no longer change) this answer
    registers: tuple[RegisterRef, ...] = ()

    @cached_property
    def _json(self) -> dict[str, Any]:
        # made once (an answer is memoised on its pack); a property, not a field, so that the
        # API's response model (this class) has only the fields above
        return {
            "scenario": self.scenario,
            "scenario_title": self.scenario_title,
            "channel": self.channel,
            "channel_name": self.channel_name,
            "verdict": self.verdict,
            "cell": self.cell,
            "reasons": list(self.reasons),
            "conditions": list(self.conditions),
            "duties": list(self.duties),
            "alternatives": list(self.alternatives),
            "citations": [c.to_dict() for c in self.citations],
            "registers": [r.to_dict() for r in self.registers],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, identical to ``commsgov advise --json`` (a fresh copy each call)."""
        return _deep_copy(self._json)


@dataclass(frozen=True, slots=True)
class AdviceSet:
    """The answers for every channel of the pack in one scenario."""

    scenario: str
    scenario_title: str
    channels: dict[str, Advice]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, identical to ``commsgov advise --json`` without ``--channel``."""
        return {
            "scenario": self.scenario,
            "scenario_title": self.scenario_title,
            "channels": {cid: a.to_dict() for cid, a in self.channels.items()},
        }


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: [dict(i) if isinstance(i, dict) else i for i in v] if isinstance(v, list) else v
        for k, v in data.items()
    }


class _Answer:
    """Accumulates what a decision says, keeping citations in order and without repeats."""

    __slots__ = ("citations", "conditions", "context", "duties", "reasons", "refs", "scenario")

    def __init__(self, scenario: str = "", context: Context | None = None) -> None:
        self.reasons: list[str] = []
        self.conditions: list[str] = []
        self.duties: list[str] = []
        self.citations: dict[Cite, None] = {}
        self.refs: dict[RegisterRef, None] = {}
        #: the scenario decided, and what the registers know (for the rules that read them)
        self.scenario = scenario
        self.context = context

    def ref(self, found: RegisterRef) -> None:
        self.refs[found] = None

    def cite(self, cites: tuple[Cite, ...]) -> None:
        for c in cites:
            self.citations[c] = None

    def reason(self, said: Said | None) -> None:
        self._add(self.reasons, said)

    def condition(self, said: Said | None) -> None:
        self._add(self.conditions, said)

    def duty(self, said: Said | None) -> None:
        self._add(self.duties, said)

    def _add(self, target: list[str], said: Said | None) -> None:
        # A rule the pack does not state is simply not said.
        if said is None:
            return
        if said.text not in target:
            target.append(said.text)
        self.cite(said.cite)


def decide(situation: Situation, *, pack: CompiledPack, context: Context | None = None) -> Advice:
    """Decide one channel for one situation under ``pack`` (``context``: what the registers know).

    >>> from commsgov.policy.cache import compiled_pack
    >>> decide(Situation("internal-day-to-day", "whatsapp"), pack=compiled_pack()).verdict
    'not-allowed'
    >>> pack = compiled_pack()
    >>> decide(Situation("internal-day-to-day", "whatsapp", outage=True), pack=pack).verdict
    'conditional'
    """
    scenario = pack.scenario(situation.scenario)
    channel = pack.channel(situation.channel)
    if channel.kind == "corporate" and situation.device == "personal":
        # A call or text from your own phone is the personal-phone channel of the same column.
        personal = _personal_for(channel, pack)
        if personal is not None:
            channel = personal
    answer = _Answer(scenario.id, context)
    answer.cite(pack.matrix_cite[:1])
    answer.cite(scenario.cite)
    answer.cite(channel.cite)
    cell: str | None = None
    if channel.kind == "social-media":
        verdict = CONDITIONAL
        answer.condition(pack.rule("social_media"))
    elif channel.kind == "mma":
        verdict = _mma(situation, pack, answer)
    elif channel.kind == "personal":
        cell = scenario.cell(channel.column) if channel.column else None
        verdict = _personal(situation, scenario, channel, pack, answer)
    elif situation.device == "personal":
        verdict = _corporate_on_personal_device(situation, pack, answer)
    else:
        cell = scenario.cell(channel.column or channel.id)
        verdict = _corporate(situation, scenario, channel, cell, pack, answer)
    if verdict != NOT_ALLOWED:
        for duty in channel.duties:
            answer.duty(duty)
        answer.duty(pack.rule("corporate_record"))
    verdict = _travel(situation, scenario, pack, answer, verdict)
    if situation.role is not None:
        role = pack.role(situation.role)
        answer.reason(Said(f"The policy applies to you as: {role.name}.", role.cite))
    if verdict == NOT_ALLOWED:
        answer.reason(pack.rule("breach"))
    alternatives = () if verdict == ALLOWED else _alternatives(scenario, channel, situation, pack)
    return Advice(
        scenario=scenario.id,
        scenario_title=scenario.title,
        channel=channel.id,
        channel_name=channel.name,
        verdict=verdict,
        cell=cell,
        reasons=tuple(answer.reasons),
        conditions=tuple(answer.conditions),
        duties=tuple(answer.duties),
        alternatives=alternatives,
        citations=tuple(answer.citations),
        registers=tuple(answer.refs),
    )


def _cite_of(said: Said | None) -> tuple[Cite, ...]:
    return said.cite if said is not None else ()


def _personal_for(channel: ChannelInfo, pack: CompiledPack) -> ChannelInfo | None:
    for other in pack.channels.values():
        if other.kind == "personal" and other.column == channel.id:
            return other
    return None


def _refused(situation: Situation, pack: CompiledPack, answer: _Answer) -> Verdict:
    """Not allowed, unless an outage or a transition period makes any necessary means
    acceptable, for a limited time and captured."""
    exempt = _transition(pack, answer) or situation.exemption
    if not (situation.outage or exempt):
        return NOT_ALLOWED
    if situation.outage:
        answer.condition(pack.rule("outage"))
    if exempt:
        answer.condition(pack.rule("transition") or pack.rule("outage"))
    answer.duty(pack.rule("outage_capture"))
    answer.duty(pack.rule("return_to_corporate"))
    return CONDITIONAL


def _transition(pack: CompiledPack, answer: _Answer) -> bool:
    """Whether one of the asker's transition periods applies to the scenario today; each of
    their periods that bears on the scenario is named, whatever its state."""
    context = answer.context
    if context is None or not context.exemptions:
        return False
    grounds = _cite_of(pack.rule("transition") or pack.rule("outage"))
    applied = False
    for period in context.exemptions:
        state = period.state(context.on)
        if not period.covers(answer.scenario):
            text = f"Your transition period ({period.team}) covers {period.scope} only, not this."
            effect = "does-not-cover"
        elif state == "active":
            text = (
                f"Your agency or team has a transition period: {period.team}, for"
                f" {period.scope}, from {period.starts} to {period.ends}, approved by"
                f" {period.approver} ({period.mandate})."
            )
            effect, applied = "applied", True
        elif state == "ended":
            text = (
                f"Your transition period ({period.team}, {period.scope}) ended on {period.ends}:"
                " the policy applies in full again."
            )
            effect = "ended"
        else:
            text = (
                f"Your transition period ({period.team}, {period.scope}) starts on"
                f" {period.starts}: until then the policy applies in full."
            )
            effect = "not-started"
        answer.reason(Said(text, grounds))
        answer.ref(RegisterRef(EXEMPTIONS_REGISTER, period.uid, period.label, effect))
    return applied


def _organisation(channel: ChannelInfo, pack: CompiledPack, answer: _Answer) -> bool:
    """Whether the register shows the external organisation set up for ``channel`` (federated,
    or with guest access, as the channel needs); otherwise says how to request it."""
    context = answer.context
    access = channel.external_access
    if context is None or access is None or not context.external:
        return False
    federation = access == "federation"
    request = pack.rule("federation_request" if federation else "guest_access_request")
    grounds = _cite_of(request) or _cite_of(channel.external_condition)
    found = context.organisation
    if found is None:
        answer.reason(
            Said(
                f"{context.named} is not in the register of federated organisations and guests.",
                grounds,
            )
        )
        answer.condition(request)
        return False
    what = "federation" if federation else "guest access"
    since = found.since(access)
    label = f"{found.name} ({', '.join(found.domains)})"
    if found.has(access, context.on):
        ifix = f", iFix {found.ifix_ref}" if found.ifix_ref else ""
        state = "is federated with" if federation else "has guest access to"
        answer.reason(
            Said(
                f"{found.name} {state} our Teams (since {since}{ifix}).",
                _cite_of(channel.external_condition),
            )
        )
        answer.ref(RegisterRef(ORGANISATIONS_REGISTER, found.uid, label, "applied"))
        return True
    if since is None:
        state = "is not federated" if federation else "has no guest access"
        text = f"{found.name} is in the register, but {state}."
    elif since > context.on:
        text = f"{found.name} is in the register, with {what} only from {since}."
    else:
        text = f"{found.name} is in the register, but its {what} ended on {found.ended}."
    answer.reason(Said(text, grounds))
    answer.ref(RegisterRef(ORGANISATIONS_REGISTER, found.uid, label, "does-not-cover"))
    answer.condition(request)
    return False


def _mma(situation: Situation, pack: CompiledPack, answer: _Answer) -> Verdict:
    answer.reason(pack.rule("mma_ban"))
    answer.reason(pack.rule("mma_examples_not_exhaustive"))
    answer.reason(pack.rule("no_mma_on_corporate_devices"))
    return _refused(situation, pack, answer)


def _personal(
    situation: Situation,
    scenario: ScenarioInfo,
    channel: ChannelInfo,
    pack: CompiledPack,
    answer: _Answer,
) -> Verdict:
    star = pack.footnotes.get("*")
    permitted = star is not None and "*" in scenario.marks
    if channel.column is not None and not scenario.cell(channel.column).startswith("Y"):
        permitted = False
    if permitted and star is not None:
        answer.reason(star.said)
        for said in pack.rule_lists.get("personal_devices", ()):
            answer.reason(said)
        return ALLOWED
    answer.reason(
        Said(
            "Personal devices are permitted only in the scenarios the matrix marks with *.",
            star.said.cite if star else pack.matrix_cite,
        )
    )
    return _refused(situation, pack, answer)


def _corporate_on_personal_device(
    situation: Situation, pack: CompiledPack, answer: _Answer
) -> Verdict:
    extra = pack.rule_lists.get("extra", ())
    answer.reason(
        Said(
            "Everyday government work uses corporate devices and services; personal devices are"
            " for calls and texts in the scenarios marked * only.",
            _cite_of(pack.rule("mma_ban"))[1:] + (extra[0].cite if extra else ()),
        )
    )
    return _refused(situation, pack, answer)


def _corporate(
    situation: Situation,
    scenario: ScenarioInfo,
    channel: ChannelInfo,
    cell: str,
    pack: CompiledPack,
    answer: _Answer,
) -> Verdict:
    if cell.startswith("N"):
        answer.reason(
            Said(f"{channel.name} is not an approved channel for this scenario.", scenario.cite)
        )
        return _refused(situation, pack, answer)
    answer.reason(Said(f"{channel.name} is an approved channel for this scenario.", scenario.cite))
    marked = cell[1:]
    needs_setup = bool(marked) or situation.external
    if marked and marked in pack.footnotes:
        answer.cite(pack.footnotes[marked].said.cite)
    if needs_setup and channel.external_condition is not None:
        if situation.federated:
            answer.reason(
                Said(
                    "The external organisation is set up for Teams (federated, or guests added).",
                    channel.external_condition.cite,
                )
            )
            return ALLOWED
        hosted = pack.rule("hosted_meeting")
        if situation.hosted_meeting and hosted is not None and channel.external_access:
            answer.reason(hosted)
            return ALLOWED
        if _organisation(channel, pack, answer):
            return ALLOWED
        answer.condition(channel.external_condition)
        return CONDITIONAL
    if marked and marked in pack.footnotes and not situation.federated:
        answer.condition(pack.footnotes[marked].said)
        return CONDITIONAL
    return ALLOWED


def _travel(
    situation: Situation,
    scenario: ScenarioInfo,
    pack: CompiledPack,
    answer: _Answer,
    verdict: Verdict,
) -> Verdict:
    """``***`` rows and travel abroad attach the international travel guidance."""
    if not ("***" in scenario.marks or situation.abroad):
        return verdict
    guidance = pack.footnotes["***"].said if "***" in pack.footnotes else None
    guidance = guidance or pack.rules.get("international_travel")
    if guidance is None:
        return verdict
    if situation.country_risk == "at-risk" and verdict != NOT_ALLOWED:
        answer.condition(
            Said(
                "The country is deemed at risk: follow the international travel guidance on device"
                " use before using this channel there.",
                guidance.cite,
            )
        )
        return CONDITIONAL
    answer.duty(guidance)
    return verdict


def _alternatives(
    scenario: ScenarioInfo, channel: ChannelInfo, situation: Situation, pack: CompiledPack
) -> tuple[str, ...]:
    """Approved channels for the scenario, best first (the matrix's own order)."""
    found = [
        column
        for column in pack.columns
        if scenario.cells[column].startswith("Y") and column != channel.id
    ]
    if "*" in scenario.marks:
        found.extend(
            c.id
            for c in pack.channels.values()
            if c.kind == "personal"
            and c.id != channel.id
            and c.column is not None
            and scenario.cells[c.column].startswith("Y")
        )
    return tuple(found)


#: answers kept per pack at most (a long-running server asks the same few questions)
_MEMO_LIMIT = 100_000
#: the bundled pack once loaded (``compiled_pack()`` returns this same object)
_BUNDLED: list[CompiledPack] = []


def _bundled() -> CompiledPack:
    _BUNDLED.append(compiled_pack())
    return _BUNDLED[0]


def advise(
    *,
    scenario: str,
    channel: str | None = None,
    device: Device = "corporate",
    outage: bool = False,
    external: bool = False,
    federated: bool = False,
    abroad: bool = False,
    country_risk: CountryRisk | None = None,
    exemption: bool = False,
    role: str | None = None,
    hosted_meeting: bool = False,
    context: Context | None = None,
    pack: CompiledPack | str | Path | None = None,
) -> Advice | AdviceSet:
    """Advise on one channel (an :class:`Advice`) or on all of them (an :class:`AdviceSet`).

    Keyword arguments mirror ``commsgov advise``; ``pack`` is a compiled pack or a pack file;
    ``context`` is what the registers know (the service that read them builds it).
    Answers are memoised on the compiled pack, so asking again is a dictionary lookup.

    >>> advise(scenario="logistics", channel="personal-phone").verdict
    'allowed'
    >>> advise(scenario="external-day-to-day", channel="teams-chat").verdict
    'conditional'
    >>> advise(scenario="external-day-to-day", channel="teams-chat", federated=True).verdict
    'allowed'
    >>> advise(scenario="logistics", channel="sms") is advise(scenario="logistics", channel="sms")
    True
    """
    if pack is None:  # the bundled pack, loaded once (the memo's lookup must stay this cheap)
        compiled = _BUNDLED[0] if _BUNDLED else _bundled()
    elif isinstance(pack, CompiledPack):
        compiled = pack
    else:
        compiled = compiled_pack(pack)
    key: tuple[Any, ...] = (
        scenario, channel, device, outage, external, federated, abroad, country_risk, exemption,
        role, hosted_meeting, context,
    )  # fmt: skip
    try:
        found: Advice | AdviceSet = compiled._answers[key]
        return found
    except KeyError:
        pass
    except TypeError:  # an unhashable argument: compute without the memo
        key = ()
    if device not in ("corporate", "personal"):
        raise InvalidAdviceInput(f"device must be 'corporate' or 'personal', not {device!r}")
    if country_risk not in (None, "secure", "at-risk"):
        raise InvalidAdviceInput(
            f"country_risk must be 'secure' or 'at-risk', not {country_risk!r}"
        )
    # A federated organisation, a named one or a meeting with it is external; a country's risk
    # implies travel abroad.
    named = context is not None and context.external
    situation = Situation(
        scenario=scenario,
        channel="",
        device=device,
        outage=outage,
        external=external or federated or hosted_meeting or named,
        federated=federated,
        abroad=abroad or country_risk is not None,
        country_risk=country_risk,
        exemption=exemption,
        role=role,
        hosted_meeting=hosted_meeting,
    )
    result: Advice | AdviceSet
    if channel is not None:
        result = decide(_with_channel(situation, channel), pack=compiled, context=context)
    else:
        info = compiled.scenario(scenario)
        result = AdviceSet(
            scenario=info.id,
            scenario_title=info.title,
            channels={
                cid: decide(_with_channel(situation, cid), pack=compiled, context=context)
                for cid in compiled.channels
            },
        )
    if key and len(compiled._answers) < _MEMO_LIMIT:
        compiled._answers[key] = result
    return result


def _with_channel(situation: Situation, channel: str) -> Situation:
    return dataclasses.replace(situation, channel=channel)

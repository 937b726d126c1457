"""The answer to a question in plain words: understood, then decided by ``advise``.

How a question is answered:

1. The lexicon reads the channel and the conditions; the classifier ranks the scenarios, the
   policy topics and "none" (off-topic or too vague).
2. "none" on top: no verdict, a short answer saying what the advisor can help with.
3. A topic on top: the topic's answer with its quotations, no verdict.
4. A scenario and a channel: ``advise`` decides for every scenario, and the probabilities of the
   scenarios that share a verdict add up. The verdict is given when it carries enough of that
   mass and no more restrictive verdict carries more than a sliver of it; otherwise the answer
   asks back with the two or three scenarios it hesitates between. An outage that may or may not
   be one ("the network is down") is asked back the same way when it would change the verdict.
   A question that states no situation of its own, only a channel and who takes part ("is Teams
   chat ok with an external organisation that's federated?"), is answered only when every
   scenario gives the same verdict, however sure the classifier is of one; otherwise it asks
   back, offering the likeliest scenario for each verdict.
5. A scenario and no channel: the approved channels for the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from commsgov.policy.advice import Advice, Context, RegisterRef, advise
from commsgov.policy.compiled import Cite

from .learn import ANY, NONE, TOPIC

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

    from .classifier import Classifier
    from .lexicon import Lexicon, Reading

Verdict = Literal["allowed", "conditional", "not-allowed"]
Kind = Literal["verdict", "channels", "topic", "choices", "help"]

_ORDER = {"not-allowed": 0, "conditional": 1, "allowed": 2}
#: choices offered when asking back
CHOICES = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When to answer and when to ask back. The defaults were chosen by cross-validation on the
    bundled pack's labelled questions (``python -m benchmarks.ask_eval --cv``, on folds that
    keep near-paraphrases together): the most coverage with no dangerous error, here or one
    step looser."""

    #: the classifier's probabilities are sharpened (< 1) or softened (> 1) by this temperature
    temperature: float = 0.75
    #: "none" at least this likely: not a question the advisor answers
    none_min: float = 0.4
    #: ...and this likely when the question names a channel
    none_with_channel: float = 0.6
    #: a verdict needs this share of the scenarios' probability behind it
    verdict_min: float = 0.5
    #: ...and a more restrictive verdict may carry at most this share (zero dangerous errors)
    restrictive_max: float = 0.08
    #: the approved channels of a scenario are listed when it is at least this likely
    scenario_min: float = 0.5
    #: no verdict when "none" and the policy topics together are at least this likely: the
    #: question may not be a channel choice at all (never a verdict on an off-topic question)
    out_of_scope_max: float = 0.5


THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Understood:
    """How the question was read: the scenario, the channel and the conditions it states."""

    scenario: str | None
    channel: str | None
    #: the words read as the channel (a misspelling is shown as typed)
    channel_words: str | None
    #: other channels the question names, as asked about and as context ("Teams is playing up")
    other_channels: tuple[str, ...]
    outage: bool
    #: a failure that may or may not be an outage ("the network is down")
    outage_unclear: bool
    #: problems named that are not an outage ("playing up")
    not_outage: tuple[str, ...]
    external: bool
    #: who the external party is, in the question's words
    who: str | None
    federated: bool
    abroad: bool
    #: the country, when named
    where: str | None
    country_risk: str | None
    out_of_hours: bool
    #: ``personal`` or ``corporate`` when the question says which device
    device: str | None
    exemption: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """A reading the advisor hesitates over: a scenario, or a scenario with a condition."""

    scenario: str
    title: str
    confidence: float
    verdict: Verdict | None
    #: the condition this choice assumes ("SCOTS is down"), if any
    assumes: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one question, as ``commsgov ask --json`` prints it.

    ``verdict`` is ``None`` when the question is off-topic, about the policy rather than a
    channel (``answer`` and ``citations`` then carry the quotation), names no channel (``answer``
    lists the approved ones), or is unclear (``choices``).
    """

    question: str
    kind: Kind
    scenario: str | None
    scenario_title: str | None
    channel: str | None
    channel_name: str | None
    verdict: Verdict | None
    confidence: float
    understood: Understood
    summary: str
    reasons: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    duties: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    citations: tuple[Cite, ...] = ()
    runners_up: tuple[Choice, ...] = ()
    choices: tuple[Choice, ...] = ()
    answer: str | None = None
    topic: str | None = None
    #: the register entries that changed the verdict (see :attr:`Advice.registers`)
    registers: tuple[RegisterRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the same for the command line, the Python API and the web API)."""
        return {
            "question": self.question,
            "kind": self.kind,
            "scenario": self.scenario,
            "scenario_title": self.scenario_title,
            "channel": self.channel,
            "channel_name": self.channel_name,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "understood": _plain(self.understood),
            "summary": self.summary,
            "reasons": list(self.reasons),
            "conditions": list(self.conditions),
            "duties": list(self.duties),
            "alternatives": list(self.alternatives),
            "citations": [c.to_dict() for c in self.citations],
            "runners_up": [_plain(c) for c in self.runners_up],
            "choices": [_plain(c) for c in self.choices],
            "answer": self.answer,
            "topic": self.topic,
            "registers": [r.to_dict() for r in self.registers],
        }


def _plain(item: Understood | Choice) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name in type(item).__slots__
        for value in (getattr(item, name),)
    }


def answer_question(
    question: str,
    *,
    pack: CompiledPack,
    lexicon: Lexicon,
    classifier: Classifier,
    thresholds: Thresholds = THRESHOLDS,
    context: Context | None = None,
) -> Answer:
    """Answer one question under ``pack`` (pure: the lexicon and classifier are handed in;
    ``context``: what the registers know, as for ``advise``).

    >>> from commsgov.asking import ask
    >>> ask("Can I WhatsApp my manager that I'm running late?").verdict
    'not-allowed'
    """
    reading = lexicon.read(question)
    ranked = classifier.predict(classifier.spelled(reading.features()))
    return respond(
        question, reading=reading, ranked=ranked, pack=pack, thresholds=thresholds, context=context
    )


def respond(
    question: str,
    *,
    reading: Reading,
    ranked: list[tuple[str, float]],
    pack: CompiledPack,
    thresholds: Thresholds = THRESHOLDS,
    context: Context | None = None,
) -> Answer:
    """The answer, from what the lexicon read and the classifier's ranking of the labels."""
    ranked = _tempered(ranked, thresholds.temperature)
    probs = dict(ranked)
    top, top_p = ranked[0]
    # The scenarios' probabilities, with "no situation stated" spread evenly over all of them.
    spread = probs.get(ANY, 0.0) / len(pack.scenarios)
    raw = {s: probs.get(s, 0.0) + spread for s in pack.scenarios}
    total = sum(raw.values())
    scen = {s: p / (total or 1.0) for s, p in sorted(raw.items(), key=lambda sp: -sp[1])}
    channel_ids = _channels(reading, pack)
    none_p = probs.get(NONE, 0.0)
    none_min = thresholds.none_with_channel if channel_ids else thresholds.none_min
    if top == NONE and none_p >= none_min:
        return _help(question, reading, pack, top_p)
    if top.startswith(TOPIC):
        return _topic(question, reading, pack, top.removeprefix(TOPIC), top_p, channel_ids)
    if not channel_ids:
        return _channels_for(question, reading, pack, scen, thresholds, context)
    if 1.0 - total >= thresholds.out_of_scope_max:
        # A channel is named, but the question may well not be asking which to use ("how do I
        # get WhatsApp onto my SCOTS phone?"): the likeliest reading that is not a scenario.
        other, p = next((lp for lp in ranked if lp[0] not in pack.scenarios), (NONE, 0.0))
        if other.startswith(TOPIC):
            return _topic(question, reading, pack, other.removeprefix(TOPIC), p, channel_ids)
        return _help(question, reading, pack, p)
    return _verdict(
        question,
        reading,
        pack,
        scen,
        channel_ids,
        thresholds,
        context,
        general=top == ANY or not reading.situation,
        situated=bool(reading.situation),
    )


def _tempered(ranked: list[tuple[str, float]], temperature: float) -> list[tuple[str, float]]:
    if temperature == 1.0:
        return ranked
    powered = [(label, p ** (1.0 / temperature)) for label, p in ranked]
    total = sum(p for _, p in powered) or 1.0
    return [(label, p / total) for label, p in powered]


def _channels(reading: Reading, pack: CompiledPack) -> list[str]:
    """The channels asked about, most restrictive first is decided later; here, in order."""
    found: list[str] = []
    for mention in reading.asked:
        channel = mention.channel
        if reading.device == "personal":
            # a call or text from your own phone is the personal channel of the phone column
            channel = next(
                (
                    c.id
                    for c in pack.channels.values()
                    if c.kind == "personal" and c.column == channel
                ),
                channel,
            )
        if channel not in found:
            found.append(channel)
    return found


def _advise(
    pack: CompiledPack,
    reading: Reading,
    scenario: str,
    channel: str,
    *,
    outage: bool,
    context: Context | None,
) -> Advice:
    kind = pack.channels[channel].kind
    result = advise(
        scenario=scenario,
        channel=channel,
        device="personal" if reading.device == "personal" and kind == "corporate" else "corporate",
        outage=outage,
        external=reading.external,
        federated=reading.federated,
        abroad=reading.abroad,
        country_risk=reading.country_risk,  # type: ignore[arg-type]
        exemption=reading.exemption,
        context=context,
        pack=pack,
    )
    assert isinstance(result, Advice)
    return result


def _verdict(
    question: str,
    reading: Reading,
    pack: CompiledPack,
    scen: dict[str, float],
    channel_ids: list[str],
    thresholds: Thresholds,
    context: Context | None,
    *,
    general: bool = False,
    situated: bool = True,
) -> Answer:
    top = next(iter(scen))
    # No situation stated: the classifier's ranking orders the choices, but every scenario
    # weighs the same in the verdict (a confident guess at the situation is still a guess).
    weight = scen if situated else dict.fromkeys(scen, 1.0 / len(scen))
    # Several channels asked about: answer for the most restrictive, name the others.
    channel = min(
        channel_ids,
        key=lambda c: _ORDER[
            _advise(pack, reading, top, c, outage=reading.outage, context=context).verdict
        ],
    )
    others = tuple(c for c in channel_ids if c != channel) + tuple(
        m.channel for m in reading.context if m.channel not in channel_ids
    )
    readings = [reading.outage]
    if reading.outage_unclear:
        readings.append(True)
    mass: dict[tuple[str, bool], float] = {}
    verdicts: dict[tuple[str, bool], str] = {}
    for outage in readings:
        for scenario, p in weight.items():
            v = _advise(pack, reading, scenario, channel, outage=outage, context=context).verdict
            verdicts[(scenario, outage)] = v
            mass[(v, outage)] = mass.get((v, outage), 0.0) + p
    understood = _understood(reading, top, channel, others, pack)
    runners = _runners(pack, scen, verdicts, reading.outage)
    if reading.outage_unclear:
        calm = verdicts[(top, False)]
        if calm != verdicts[(top, True)]:
            return _ask_back_outage(
                question, reading, pack, top, scen[top], channel, understood, context
            )
    v_top = verdicts[(top, reading.outage)]
    share = mass[(v_top, reading.outage)]
    stricter = sum(
        m for (v, o), m in mass.items() if o == reading.outage and _ORDER[v] < _ORDER[v_top]
    )
    unsure = share < thresholds.verdict_min or stricter > thresholds.restrictive_max
    if unsure or (not situated and share < 1.0 - 1e-9):
        return _ask_back(question, reading, pack, scen, verdicts, understood, share)
    advice = _advise(pack, reading, top, channel, outage=reading.outage, context=context)
    named: str | None = advice.scenario
    title: str | None = advice.scenario_title
    reasons, alternatives, citations = advice.reasons, advice.alternatives, advice.citations
    summary = _summary(understood, pack, scen[top], share)
    if general:
        # No situation stated and the verdict holds across the scenarios: say it without one.
        named = title = None
        understood = Understood(**{**_fields(understood), "scenario": None})
        summary = _summary(understood, pack, None, share, general=True)
        reasons = tuple(r for r in reasons if "this scenario" not in r)
        alternatives = _everywhere(pack, reading, context) if advice.verdict != "allowed" else ()
        citations = tuple(c for c in citations if c not in pack.scenarios[top].cite)
    return Answer(
        question=question,
        kind="verdict",
        scenario=named,
        scenario_title=title,
        channel=advice.channel,
        channel_name=advice.channel_name,
        verdict=advice.verdict,
        confidence=round(share, 3),
        understood=understood,
        summary=summary,
        reasons=reasons,
        conditions=advice.conditions,
        duties=advice.duties,
        alternatives=alternatives,
        citations=citations,
        runners_up=runners,
        registers=advice.registers,
    )


def _everywhere(pack: CompiledPack, reading: Reading, context: Context | None) -> tuple[str, ...]:
    """The approved channels that are allowed in every scenario (what to use instead when the
    question says nothing of the situation)."""
    return tuple(
        cid
        for cid, channel in pack.channels.items()
        if channel.kind in ("corporate", "personal")
        and all(
            _advise(pack, reading, s, cid, outage=reading.outage, context=context).verdict
            == "allowed"
            for s in pack.scenarios
        )
    )


def _runners(
    pack: CompiledPack, scen: dict[str, float], verdicts: dict[tuple[str, bool], str], outage: bool
) -> tuple[Choice, ...]:
    return tuple(
        Choice(s, pack.scenarios[s].title, round(p, 3), verdicts.get((s, outage)))  # type: ignore[arg-type]
        for s, p in list(scen.items())[1:CHOICES]
    )


def _ask_back(
    question: str,
    reading: Reading,
    pack: CompiledPack,
    scen: dict[str, float],
    verdicts: dict[tuple[str, bool], str],
    understood: Understood,
    share: float,
) -> Answer:
    # The likeliest scenario for each verdict, so that the choices show what the answer hangs on.
    picked: list[str] = []
    seen: set[str] = set()
    for s in scen:
        v = verdicts[(s, reading.outage)]
        if v not in seen:
            picked.append(s)
            seen.add(v)
    picked = sorted(picked[:CHOICES], key=lambda s: -scen[s])
    choices = tuple(
        Choice(s, pack.scenarios[s].title, round(scen[s], 3), verdicts[(s, reading.outage)])  # type: ignore[arg-type]
        for s in picked
    )
    name = pack.channels[understood.channel].name if understood.channel else "it"
    return Answer(
        question=question,
        kind="choices",
        scenario=None,
        scenario_title=None,
        channel=understood.channel,
        channel_name=pack.channels[understood.channel].name if understood.channel else None,
        verdict=None,
        confidence=round(share, 3),
        understood=Understood(**{**_fields(understood), "scenario": None}),
        summary=_summary(understood, pack, None, share),
        choices=choices,
        answer=f"The answer for {name} depends on what you are doing: which of these is closest?",
        citations=pack.matrix_cite[:1],
    )


def _ask_back_outage(
    question: str,
    reading: Reading,
    pack: CompiledPack,
    scenario: str,
    p: float,
    channel: str,
    understood: Understood,
    context: Context | None,
) -> Answer:
    title = pack.scenarios[scenario].title
    calm = _advise(pack, reading, scenario, channel, outage=False, context=context)
    down = _advise(pack, reading, scenario, channel, outage=True, context=context)
    outage_rule = pack.rule("outage")
    return Answer(
        question=question,
        kind="choices",
        scenario=scenario,
        scenario_title=title,
        channel=channel,
        channel_name=pack.channels[channel].name,
        verdict=None,
        confidence=round(p, 3),
        understood=understood,
        summary=_summary(understood, pack, p, None),
        choices=(
            Choice(scenario, title, round(p, 3), down.verdict, assumes="outage"),
            Choice(scenario, title, round(p, 3), calm.verdict, assumes="no outage"),
        ),
        answer=(
            "Is the whole network or are all major corporate devices and services down (an"
            " outage), or is one service or one place affected? The answer differs."
        ),
        citations=outage_rule.cite if outage_rule else (),
    )


def _channels_for(
    question: str,
    reading: Reading,
    pack: CompiledPack,
    scen: dict[str, float],
    thresholds: Thresholds,
    context: Context | None,
) -> Answer:
    top, p = next(iter(scen.items()))
    understood = _understood(reading, top, None, tuple(m.channel for m in reading.context), pack)
    if p < thresholds.scenario_min:
        verdicts: dict[tuple[str, bool], str] = {}
        choices = tuple(
            Choice(s, pack.scenarios[s].title, round(q, 3), None)
            for s, q in list(scen.items())[:CHOICES]
        )
        return Answer(
            question=question,
            kind="choices",
            scenario=None,
            scenario_title=None,
            channel=None,
            channel_name=None,
            verdict=None,
            confidence=round(p, 3),
            understood=Understood(**{**_fields(understood), "scenario": None}),
            summary=_summary(understood, pack, None, None),
            choices=choices,
            answer="Which of these is closest to what you are doing? Name the channel too.",
            runners_up=_runners(pack, scen, verdicts, reading.outage),
        )
    scenario = pack.scenarios[top]
    usable = []
    for cid, channel in pack.channels.items():
        if channel.kind not in ("corporate", "personal"):
            continue
        v = _advise(pack, reading, top, cid, outage=reading.outage, context=context).verdict
        if v != "not-allowed":
            usable.append(f"{channel.name}{'' if v == 'allowed' else ' (conditional)'}")
    return Answer(
        question=question,
        kind="channels",
        scenario=top,
        scenario_title=scenario.title,
        channel=None,
        channel_name=None,
        verdict=None,
        confidence=round(p, 3),
        understood=understood,
        summary=_summary(understood, pack, p, None),
        alternatives=tuple(
            cid
            for cid in pack.channels
            if pack.channels[cid].kind in ("corporate", "personal")
            and _advise(pack, reading, top, cid, outage=reading.outage, context=context).verdict
            != "not-allowed"
        ),
        citations=pack.matrix_cite[:1] + scenario.cite,
        answer=f"For {scenario.title.lower()}, you may use: {'; '.join(usable)}.",
        runners_up=_runners(pack, scen, {}, reading.outage),
    )


def _topic(
    question: str,
    reading: Reading,
    pack: CompiledPack,
    topic_id: str,
    p: float,
    channel_ids: list[str],
) -> Answer:
    topic = next(t for t in pack.ask["topics"] if t["id"] == topic_id)
    said: dict[str, Any] = topic
    for cid in channel_ids:
        if cid in topic.get("channels", {}):
            said = topic["channels"][cid]
            break
    understood = _understood(reading, None, channel_ids[0] if channel_ids else None, (), pack)
    return Answer(
        question=question,
        kind="topic",
        scenario=None,
        scenario_title=None,
        channel=None,
        channel_name=None,
        verdict=None,
        confidence=round(p, 3),
        understood=understood,
        summary=f"Read as a question about the policy: {topic['title']}.",
        answer=" ".join(said["text"].split()),
        citations=tuple(Cite(c["document"], " ".join(c["quote"].split())) for c in said["cite"]),
        topic=topic_id,
    )


def _help(question: str, reading: Reading, pack: CompiledPack, p: float) -> Answer:
    understood = _understood(reading, None, None, (), pack)
    topics = [t["title"].lower() for t in pack.ask.get("topics", ())]
    text = (
        f"I answer questions about {pack.organisation}'s policy on communication channels:"
        f" which channel you may use for a piece of work (say what it is for and the channel,"
        f' e.g. "Can I text my manager from my own phone that my train is late?")'
    )
    text += f", and questions about {', '.join(topics)}." if topics else "."
    return Answer(
        question=question,
        kind="help",
        scenario=None,
        scenario_title=None,
        channel=None,
        channel_name=None,
        verdict=None,
        confidence=round(p, 3),
        understood=understood,
        summary="Not a question about which channel to use or about the policy.",
        answer=text,
    )


def _understood(
    reading: Reading,
    scenario: str | None,
    channel: str | None,
    others: tuple[str, ...],
    pack: CompiledPack,
) -> Understood:
    words = next((m.phrase for m in reading.asked if m.channel == channel), None)
    if channel is not None and words is None:
        words = next((m.phrase for m in reading.asked), None)
    return Understood(
        scenario=scenario,
        channel=channel,
        channel_words=words,
        other_channels=others,
        outage=reading.outage,
        outage_unclear=reading.outage_unclear,
        not_outage=reading.not_outage,
        external=reading.external,
        who=reading.who,
        federated=reading.federated,
        abroad=reading.abroad,
        where=reading.where,
        country_risk=reading.country_risk,
        out_of_hours=reading.out_of_hours,
        device=reading.device,
        exemption=reading.exemption,
    )


def _fields(understood: Understood) -> dict[str, Any]:
    return {name: getattr(understood, name) for name in Understood.__slots__}


def _summary(
    understood: Understood,
    pack: CompiledPack,
    scenario_p: float | None,
    share: float | None,
    *,
    general: bool = False,
) -> str:
    parts = []
    if understood.channel:
        name = pack.channels[understood.channel].name
        typed = understood.channel_words
        parts.append(
            f"channel: {name}" + (f' ("{typed}")' if typed and typed != name.lower() else "")
        )
    if understood.scenario and scenario_p is not None:
        title = pack.scenarios[understood.scenario].title
        parts.append(f"scenario: {title} ({scenario_p:.0%} sure)")
    if understood.outage:
        parts.append("an outage")
    elif understood.not_outage:
        parts.append(
            f'not an outage ("{understood.not_outage[0]}" is not SCOTS or every service down)'
        )
    if understood.external:
        parts.append(
            f"external: {understood.who}" + (", federated" if understood.federated else "")
        )
    if understood.abroad:
        parts.append(f"abroad{': ' + understood.where if understood.where else ''}")
    if understood.out_of_hours:
        parts.append("out of hours")
    if understood.device:
        parts.append(f"{understood.device} device")
    if general:
        parts.append("no situation stated, and the answer is the same whatever you are doing")
    if understood.exemption:
        parts.append("transition period")
    if share is not None and understood.scenario and scenario_p is not None and scenario_p < 0.5:
        parts.append(f"the verdict holds in scenarios carrying {share:.0%} of the weight")
    return "Read as " + "; ".join(parts) + "." if parts else "Nothing specific recognised."

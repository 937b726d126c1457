"""The lexicon: which channel a question asks about and which conditions it states.

Built from a compiled pack: each channel's id, name and aliases plus the phrases of the pack's
``ask`` section (``ring``, ``drop an email``, ``pop round``), the condition phrases (``SCOTS is
down``, ``cyber attack``) and the named cue groups the classifier learns from. Misspelt app names
("watsapp", "telegramm") are matched with :mod:`rapidfuzz`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .text import clauses, stem, words

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

GAP = "..."
#: words a "..." may skip
_GAP_WORDS = 3
#: words that, just before a channel, say it is not the one asked about
#: ("instead of Teams" is caught by "instead": "of" alone would rule out "out of hours, Viber?")
_NOT_THIS = {"not", "t", "no", "without", "never", "than", "instead"}
#: words that, just after a channel, say it is the one that is broken
_BROKEN = {
    "down", "playing", "slow", "crashing", "crashed", "freezing", "froze", "broken", "dropping",
    "offline", "unavailable", "keeps", "stopped", "failing", "failed", "glitchy", "laggy",
    "isn", "won", "wont", "doesn", "hasn", "syncing", "frozen", "died", "hanging",
}  # fmt: skip
#: an asked channel and the phrase after it that says it is broken ("Teams is playing up")
_BROKEN_WINDOW = 3
_TIME = re.compile(r"\b(\d{1,2})(?: ([0-5]\d))? ?(am|pm)\b")
#: words that negate a condition said just after them, in the same clause ("not federated")
_NEGATIONS = {"not", "t", "no", "never", "without", "nor"}
#: how many words before a condition a negation reaches: a failure's is short ("no outage"),
#: as "can't get onto SCOTS, nothing is working" negates the getting on, not the failure
_NEGATION_WINDOW = {"outage": 2, "outage_unclear": 2}
#: conditions a negation can cancel (the not_* lists already say what is not the case)
_NEGATABLE = (
    "outage", "outage_unclear", "external", "federated", "abroad", "out_of_hours",
    "personal_device", "corporate_device", "exemption",
)  # fmt: skip
#: an external party named just before one of these names an occasion, not who takes part
#: ("a charity bake sale", "a stakeholder event")
_OCCASIONS = {"event", "events", "fun", "bake", "conference", "stand", "day", "fair", "walk"}
#: words that never start a name split in two ("can I message" is not "imessage")
_FUNCTION = {"i", "a", "an", "we", "me", "my", "to", "on", "in", "the", "you", "is", "it", "so"}
#: conditions that say who takes part or on what device, not what the work is: a question that
#: states only these and a channel says nothing of its situation ("Teams chat with an external
#: organisation that's federated?"); a cue group named after one of them says who, not what
_WHO_CONDITIONS = ("external", "federated", "not_federated", "personal_device", "corporate_device")
#: words that ask, permit or name someone in general, and say nothing of the situation
_GENERIC_WORDS = """
    a an the i me my we us our you your they them their he him his she her it its this that
    these those there here s t d ll m re ve im ive is are am was were be been being do does
    did done have has had can could may might must shall should will would ok okay fine
    alright allowed permitted acceptable approved allowable right rule rules policy use using
    used send sending sent message messages messaging chat chats talk talking speak speaking
    contact contacting get getting touch keep in with to from for about on onto via through by
    over of at as and or but if when whether so someone somebody anyone anybody people person
    folk folks organisation organisations organization organizations company companies body
    bodies firm firms party parties work working works stuff thing things purpose purposes
    general generally ever any also just really still already yet now what whats which how who
    why where not no yes please hi hello question quick government business official set up
    start
"""
_GENERIC = frozenset(_GENERIC_WORDS.split())


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in the words of a question: ``words[start:end]`` is ``phrase``."""

    start: int
    end: int
    key: str
    phrase: str


class PhraseIndex:
    """Phrases indexed by their first word, matched longest first.

    >>> index = PhraseIndex([("scots ... down", "outage"), ("teams", "teams-chat")])
    >>> [m.key for m in index.scan("scots has gone down so teams".split())]
    ['outage', 'teams-chat']
    """

    __slots__ = ("_first",)

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for text, key in phrases:
            parts = tuple(GAP if p == GAP else p for p in _phrase_words(text))
            if parts and parts[0] != GAP:
                first.setdefault(parts[0], []).append((parts, key, " ".join(parts)))
        for options in first.values():
            options.sort(key=lambda o: -len(o[0]))
        self._first = first

    def __contains__(self, word: str) -> bool:
        return word in self._first

    def to_data(self) -> dict[str, list[list[Any]]]:
        """Plain data for the compiled-pack cache."""
        return {w: [[list(p), k, s] for p, k, s in opts] for w, opts in self._first.items()}

    @classmethod
    def from_data(cls, data: dict[str, list[list[Any]]]) -> PhraseIndex:
        """Rebuild from :meth:`to_data` output."""
        index = cls(())
        index._first = {w: [(tuple(p), k, s) for p, k, s in opts] for w, opts in data.items()}
        return index

    def at(self, toks: Sequence[str], i: int) -> Match | None:
        """The longest phrase starting at word ``i``, if any."""
        for parts, key, phrase in self._first.get(toks[i], ()):
            end = _match(toks, i, parts, 0)
            if end >= 0:
                return Match(i, end, key, phrase)
        return None

    def scan(self, toks: Sequence[str]) -> list[Match]:
        """Every phrase found, left to right, longest at each position (they may overlap)."""
        found = []
        for i in range(len(toks)):
            m = self.at(toks, i)
            if m is not None:
                found.append(m)
        return found

    def greedy(self, toks: Sequence[str]) -> list[Match]:
        """Non-overlapping phrases, left to right, the longest at each position."""
        found = []
        i = 0
        while i < len(toks):
            m = self.at(toks, i)
            if m is None:
                i += 1
            else:
                found.append(m)
                i = max(m.end, i + 1)
        return found


def _phrase_words(text: str) -> list[str]:
    return [GAP if w == "..." else w for w in re.split(r"\s+", text.replace("...", " ... "))
            if w == "..." or words(w)] if "..." in text else words(text)  # fmt: skip


def _match(toks: Sequence[str], i: int, parts: tuple[str, ...], j: int) -> int:
    """Where ``parts[j:]`` ends when matched from word ``i`` (-1: no match)."""
    while j < len(parts):
        if parts[j] == GAP:
            for skip in range(_GAP_WORDS + 1):
                end = _match(toks, i + skip, parts, j + 1)
                if end >= 0:
                    return end
            return -1
        if i >= len(toks) or toks[i] != parts[j]:
            return -1
        i += 1
        j += 1
    return i


@dataclass(frozen=True, slots=True)
class Mention:
    """A channel named in a question, by the phrase found (``fuzzy``: a misspelling)."""

    channel: str
    phrase: str
    start: int
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon found in one question."""

    words: tuple[str, ...]
    #: channels the question asks about, in order
    asked: tuple[Mention, ...]
    #: channels named only as context: broken ("Teams is playing up") or ruled out ("not email")
    context: tuple[Mention, ...]
    device: str | None
    outage: bool
    outage_unclear: bool
    not_outage: tuple[str, ...]
    external: bool
    who: str | None
    federated: bool
    abroad: bool
    where: str | None
    #: somewhere abroad or its people named, whether we go there or they come here
    foreign: bool
    country_risk: str | None
    out_of_hours: bool
    exemption: bool
    cues: tuple[str, ...]
    #: the words that say what the work is: not the channel, not who takes part or on what
    #: device, not a word that only asks or permits (empty: no situation of its own)
    situation: tuple[str, ...] = ()
    #: the positions of the words that name a channel or the device ("WhatsApp", "my own
    #: phone"): the channel is a feature of its own, and these words say nothing of the work
    means: frozenset[int] = frozenset()

    def features(self) -> list[str]:
        """The classifier's features: stemmed words (not those naming the channel or device),
        cue and condition names, and their pairs."""
        found = [stem(w) for i, w in enumerate(self.words) if i not in self.means]
        flags = [f"cue:{c}" for c in self.cues]
        for name, on in (
            ("outage", self.outage or self.outage_unclear),
            ("external", self.external),
            ("abroad", self.abroad),
            ("foreign", self.foreign),
            ("out-of-hours", self.out_of_hours),
            ("personal", self.device == "personal"),
            ("corporate", self.device == "corporate"),
        ):
            if on:
                flags.append(f"cond:{name}")
        flags.extend(f"ch:{m.channel}" for m in self.asked)
        found.extend(flags)
        marks = sorted(f for f in flags if not f.startswith("ch:"))
        found.extend(f"{a}&{b}" for i, a in enumerate(marks) for b in marks[i + 1 :])
        # How the question is put: "can I ..." asks for a channel, "what happens if ..." or
        # "who does ..." about the policy; a question naming no channel is rarely a choice.
        if self.words:
            found.append(f"first:{self.words[0]}")
            found.append(f"first:{' '.join(self.words[:2])}")
        if not self.asked:
            found.append("no-channel")
        return found


class Lexicon:
    """Channel, condition and cue phrases of one pack, ready to read questions."""

    def __init__(self, pack: CompiledPack) -> None:
        ask: dict[str, Any] = pack.ask
        kinds = {c.id: c.kind for c in pack.channels.values()}
        self._kinds = kinds
        # Phones: the personal channels and the corporate columns they are judged by. Their
        # names also name a device ("WhatsApp on my own phone").
        personal = {c.id: c.column for c in pack.channels.values() if c.kind == "personal"}
        self._personal = frozenset(personal)
        self._phones = frozenset(personal) | {col for col in personal.values() if col}
        channel_phrases: list[tuple[str, str]] = []
        for channel in pack.channels.values():
            for name in (channel.id, channel.name, *channel.aliases):
                channel_phrases.append((name, channel.id))
        for channel_id, phrases in ask.get("channels", {}).items():
            channel_phrases.extend((p, channel_id) for p in phrases)
        # An app's name followed by "call", "group", "message"... is still the app.
        for text, channel_id in list(channel_phrases):
            if channel_id not in self._phones and len(words(text)) == 1:
                for tail in ("call", "calls", "message", "messages", "group", "chat", "text"):
                    channel_phrases.append((f"{text} {tail}", channel_id))
        not_channels = [(p, "") for p in ask.get("not_channels", ())]
        # not-channel phrases come first: on a tie of length they win (the sort is stable)
        self._channels = PhraseIndex(not_channels + channel_phrases)
        conditions: dict[str, list[str]] = ask.get("conditions", {})
        self._conditions = {
            name: PhraseIndex((p, name) for p in phrases) for name, phrases in conditions.items()
        }
        self._cues = PhraseIndex(
            (p, name) for name, phrases in ask.get("cues", {}).items() for p in phrases
        )
        from .places import foreign_names, place_names  # only building needs them (cached)

        places = place_names()
        risks: dict[str, str | None] = {}
        for country in ask.get("countries", ()):
            for name in (country["name"], *country.get("aliases", ())):
                places[" ".join(words(name))] = country["name"]
            risks[country["name"]] = country.get("risk")
        self._places = PhraseIndex((p, country) for p, country in places.items())
        self._foreign = PhraseIndex(
            (name, "foreign") for name in sorted({*places, *foreign_names()})
        )
        self._risks = risks
        # Misspellings: single-word names of apps and social media of five letters or more, but
        # never a word the pack uses elsewhere (so "single" is not read as "signal"). Not the
        # corporate channels' everyday words: "falls" is not "calls", "deleting" not "meeting".
        single = {w[0]: cid for text, cid in channel_phrases if len(w := words(text)) == 1}
        self._single = single
        ruled_out = {w[0] for text, _ in not_channels if len(w := words(text)) == 1}
        self._fuzzy_choices = [
            w
            for w, cid in single.items()
            if len(w) >= 5 and kinds.get(cid) != "corporate" and w not in ruled_out
        ]
        known: set[str] = set()
        for text, _ in channel_phrases + not_channels:
            known.update(words(text))
        for phrases in conditions.values():
            for p in phrases:
                known.update(words(p))
        for phrases in ask.get("cues", {}).values():
            for p in phrases:
                known.update(words(p))
        self._known = frozenset(known)

    def to_data(self) -> dict[str, Any]:
        """The lexicon's tables as plain data, for the compiled-pack cache (building them from
        the pack's phrases costs more than reading them back)."""
        return {
            "kinds": self._kinds,
            "personal": sorted(self._personal),
            "phones": sorted(self._phones),
            "channels": self._channels.to_data(),
            "conditions": {name: index.to_data() for name, index in self._conditions.items()},
            "cues": self._cues.to_data(),
            "places": self._places.to_data(),
            "foreign": self._foreign.to_data(),
            "risks": self._risks,
            "single": self._single,
            "fuzzy": self._fuzzy_choices,
            "known": sorted(self._known),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Lexicon:
        """Rebuild from :meth:`to_data` output.

        >>> from commsgov.policy.cache import compiled_pack
        >>> lexicon = Lexicon(compiled_pack())
        >>> again = Lexicon.from_data(lexicon.to_data())
        >>> again.read("can I watsapp my team?") == lexicon.read("can I watsapp my team?")
        True
        """
        lexicon = cls.__new__(cls)
        lexicon._kinds = dict(data["kinds"])
        lexicon._personal = frozenset(data["personal"])
        lexicon._phones = frozenset(data["phones"])
        lexicon._channels = PhraseIndex.from_data(data["channels"])
        lexicon._conditions = {
            name: PhraseIndex.from_data(index) for name, index in data["conditions"].items()
        }
        lexicon._cues = PhraseIndex.from_data(data["cues"])
        lexicon._places = PhraseIndex.from_data(data["places"])
        lexicon._foreign = PhraseIndex.from_data(data["foreign"])
        lexicon._risks = dict(data["risks"])
        lexicon._single = dict(data["single"])
        lexicon._fuzzy_choices = list(data["fuzzy"])
        lexicon._known = frozenset(data["known"])
        return lexicon

    @property
    def known_words(self) -> frozenset[str]:
        """Every word of every phrase of the lexicon."""
        return self._known

    def read(self, question: str) -> Reading:
        """Find the channels, conditions and cues in a question.

        >>> from commsgov.policy.cache import compiled_pack
        >>> reading = Lexicon(compiled_pack()).read("Teams is playing up, can I watsapp my team?")
        >>> [m.channel for m in reading.asked], [m.channel for m in reading.context]
        (['whatsapp'], ['teams-chat'])
        >>> reading.outage, reading.not_outage
        (False, ('playing up',))
        """
        toks = words(question)
        cond = {name: index.scan(toks) for name, index in self._conditions.items()}
        _unsay(cond, toks, clauses(question))
        asked, context = self._mentions(toks, cond)
        personal = bool(cond.get("personal_device")) or any(
            m.channel in self._personal for m in asked
        )
        corporate = bool(cond.get("corporate_device"))
        device = "personal" if personal else "corporate" if corporate else None
        external = cond.get("external", [])
        who = max(external, key=lambda m: (m.end - m.start, -m.start)).phrase if external else None
        federated = bool(cond.get("federated")) and not cond.get("not_federated")
        outage = bool(cond.get("outage"))
        unclear = not outage and bool(cond.get("outage_unclear"))
        if outage and cond.get("outage_local"):
            # "SCOTS is down across the building": one place, which may not be an outage
            outage, unclear = False, True
        cues = tuple(sorted({m.key for m in self._cues.scan(toks)}))
        abroad, where = self._abroad(toks, cond, cues)
        return Reading(
            words=tuple(toks),
            asked=asked,
            context=context,
            device=device,
            outage=outage,
            outage_unclear=unclear,
            not_outage=tuple(m.phrase for m in cond.get("not_outage", [])) if not outage else (),
            external=bool(external),
            who=who,
            federated=federated,
            abroad=abroad,
            where=where,
            foreign=abroad or bool(self._foreign.scan(toks)),
            country_risk=self._risks.get(where) if where else None,
            out_of_hours=bool(cond.get("out_of_hours")) or _late(toks),
            exemption=bool(cond.get("exemption")),
            cues=cues,
            situation=self._situation(toks, cond, asked + context),
            means=_means(cond, asked + context),
        )

    def _mentions(
        self, toks: list[str], cond: dict[str, list[Match]]
    ) -> tuple[tuple[Mention, ...], tuple[Mention, ...]]:
        found: list[Mention] = []
        covered: set[int] = set()
        for m in self._channels.greedy(toks):
            covered.update(range(m.start, m.end))
            if m.key:
                found.append(Mention(m.key, m.phrase, m.start))
        for i, tok in enumerate(toks):
            if i in covered:
                continue
            joined = tok + toks[i + 1] if i + 1 < len(toks) and tok not in _FUNCTION else ""
            if len(joined) >= 6 and joined in self._single and i + 1 not in covered:
                found.append(Mention(self._single[joined], f"{tok} {toks[i + 1]}", i, fuzzy=True))
                covered.update((i, i + 1))
            elif len(tok) >= 5 and tok not in self._known:
                guess = _closest(tok, self._fuzzy_choices)
                if guess is not None:
                    found.append(Mention(self._single[guess], tok, i, fuzzy=True))
        found.sort(key=lambda m: m.start)
        device_spans = {
            m.start for name in ("personal_device", "corporate_device") for m in cond.get(name, [])
        }
        asked: list[Mention] = []
        context: list[Mention] = []
        for mention in found:
            before = toks[max(0, mention.start - 2) : mention.start]
            after = toks[mention.start + 1 : mention.start + 1 + _BROKEN_WINDOW]
            if _NOT_THIS & set(before) or _BROKEN & set(after):
                context.append(mention)
            else:
                asked.append(mention)
        # "WhatsApp on my personal phone": the phone names the device, the app is the means.
        if any(m.channel not in self._phones for m in asked):
            asked = [
                m for m in asked if m.channel not in self._phones or m.start not in device_spans
            ]
        return tuple(asked), tuple(context)

    def _situation(
        self, toks: list[str], cond: dict[str, list[Match]], mentions: tuple[Mention, ...]
    ) -> tuple[str, ...]:
        """The words of the question that state its situation (see :attr:`Reading.situation`).
        A word read as who takes part still counts when a cue group about the work holds it
        ("a nurse", "the police", "an embassy" say more than "an external organisation")."""
        said: set[int] = set()
        for m in self._cues.scan(toks):
            if m.key not in _WHO_CONDITIONS:
                said.update(range(m.start, m.end))
        covered: set[int] = set()
        for name in _WHO_CONDITIONS:
            # federation and the device say how, never what the work is
            keep = said if name == "external" else set()
            for m in cond.get(name, ()):
                covered.update(i for i in range(m.start, m.end) if i not in keep)
        for mention in mentions:
            covered.update(range(mention.start, mention.start + len(mention.phrase.split())))
        return tuple(
            w
            for i, w in enumerate(toks)
            if i not in covered and w not in _GENERIC and not w.isdigit()
        )

    def _abroad(
        self, toks: list[str], cond: dict[str, list[Match]], cues: tuple[str, ...]
    ) -> tuple[bool, str | None]:
        visiting = "visit" in cues
        where = None
        for m in self._places.scan(toks):
            before = toks[max(0, m.start - 2) : m.start]
            if "from" in before or "by" in before:
                continue  # a visitor from there, not us going there
            if not visiting or {"in", "at"} & set(before[-1:]):
                where = m.key
                break
        said = bool(cond.get("abroad")) and not visiting
        return (said or where is not None), where


def _means(cond: dict[str, list[Match]], mentions: tuple[Mention, ...]) -> frozenset[int]:
    """The positions of the words naming a channel or the device (see :attr:`Reading.means`):
    the channel and the device are features of their own ("ch:whatsapp", "cond:personal"), and
    as words they would tie a scenario to the channels its questions happen to ask about
    (grouped cross-validation, scenario top-1: 95.1% with them, 95.7% without)."""
    found: set[int] = set()
    for mention in mentions:
        found.update(range(mention.start, mention.start + len(mention.phrase.split())))
    for name in ("personal_device", "corporate_device"):
        for m in cond.get(name, ()):
            found.update(range(m.start, m.end))
    return frozenset(found)


def _unsay(cond: dict[str, list[Match]], toks: list[str], clause: list[int]) -> None:
    """Drop the conditions a negation cancels ("they aren't federated yet", "SCOTS isn't down")
    and the external parties that only name an occasion ("a charity bake sale")."""
    for name in _NEGATABLE:
        found = cond.get(name)
        if found:
            reach = _NEGATION_WINDOW.get(name, 4)
            cond[name] = [m for m in found if not _negated(m, toks, clause, reach)]
    external = cond.get("external")
    if external:
        cond["external"] = [m for m in external if not _OCCASIONS & set(toks[m.end : m.end + 1])]


def _negated(m: Match, toks: list[str], clause: list[int], reach: int) -> bool:
    phrase = set(m.phrase.split())
    before = range(max(0, m.start - reach), m.start)
    inside = range(m.start, m.end)  # the words a "..." skipped
    return any(
        toks[i] in _NEGATIONS and clause[i] == clause[m.start] and toks[i] not in phrase
        for i in (*before, *inside)
    )


def _closest(word: str, choices: list[str]) -> str | None:
    """The channel name ``word`` is a misspelling of: one slip (a letter added, dropped, changed
    or two swapped), two in names of eight letters or more."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    slips = 2 if len(word) >= 8 else 1
    found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=slips)
    return found[0] if found is not None else None


def _late(toks: list[str]) -> bool:
    """A time of day outside working hours ("at 10pm", "6 am")."""
    for m in _TIME.finditer(" ".join(toks)):
        hour = int(m.group(1)) % 12 + (12 if m.group(3) == "pm" else 0)
        if hour >= 19 or hour < 7:
            return True
    return False

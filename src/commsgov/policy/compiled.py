"""A policy pack compiled for fast lookups: ids, aliases and free app names resolve in O(1).

The validated :class:`~commsgov.policy.model.PolicyPack` is turned into frozen slotted
dataclasses once (:func:`compile_pack`), so that deciding never touches Pydantic or YAML again;
:func:`commsgov.policy.cache.compiled_pack` loads one (from its JSON cache when fresh).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import UnknownIdError

if TYPE_CHECKING:  # Pydantic is slow to import; the compiled pack does not need it.
    from .model import Citation, PolicyPack, RetentionSchedule, Statement

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(name: str) -> str:
    """Fold a user-typed name to the key used for matching ids and aliases.

    >>> normalise_name("  WhatsApp_Business ")
    'whatsapp business'
    """
    return _NON_WORD.sub(" ", name.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Cite:
    """A citation: the source document's file name and the exact passage."""

    document: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form, ``{document, quote}``."""
        return {"document": self.document, "quote": self.quote}


@dataclass(frozen=True, slots=True)
class Said:
    """A sentence the engine says, with its citations."""

    text: str
    cite: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel of the compiled pack."""

    id: str
    name: str
    kind: str
    device: str
    column: str | None
    catch_all: bool
    aliases: tuple[str, ...]
    description: str
    duties: tuple[Said, ...]
    external_condition: Said | None
    cite: tuple[Cite, ...]
    #: what an external organisation needs for this channel: ``federation`` or ``guest-access``
    external_access: str | None = None

    @property
    def is_mma(self) -> bool:
        """Whether this is a mobile messaging app (named or not)."""
        return self.kind == "mma"


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """A scenario (matrix row) of the compiled pack."""

    id: str
    title: str
    marks: tuple[str, ...]
    cells: dict[str, str]
    cite: tuple[Cite, ...]

    def cell(self, column: str) -> str:
        """The matrix cell for a column, e.g. ``Y``, ``N`` or ``Y**``."""
        return self.cells[column]


@dataclass(frozen=True, slots=True)
class FootnoteInfo:
    """A footnote mark and its meaning."""

    mark: str
    id: str
    said: Said


@dataclass(frozen=True, slots=True)
class UseInfo:
    """A use the policy permits personal devices for, with the passage that permits it."""

    id: str
    title: str
    cite: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """A kind of person the policy covers."""

    id: str
    name: str
    cite: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class RetentionInfo:
    """A retention schedule of the pack, as data (:class:`commsgov.retention.Schedule` reads it).

    ``label`` is what staff call an item of this record class ("Teams chat"); ``period`` is
    ISO 8601 text (``None``: until review).
    """

    id: str
    title: str
    action: str
    channel: str | None = None
    label: str | None = None
    period: str | None = None
    trigger: str = "created"
    paused: bool = False
    mandate: str = ""
    notes: tuple[str, ...] = ()
    cite: tuple[Cite, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """A policy pack ready for the engine: lookups by id and alias, rules as :class:`Said`."""

    id: str
    organisation: str
    version: str
    #: the pack file it was compiled from (``None``: built from a model in memory)
    source: str | None = field(repr=False)
    channels: dict[str, ChannelInfo] = field(repr=False)
    scenarios: dict[str, ScenarioInfo] = field(repr=False)
    roles: dict[str, RoleInfo] = field(repr=False)
    footnotes: dict[str, FootnoteInfo] = field(repr=False)
    columns: tuple[str, ...] = ()
    matrix_cite: tuple[Cite, ...] = ()
    rules: dict[str, Said] = field(default_factory=dict, repr=False)
    rule_lists: dict[str, tuple[Said, ...]] = field(default_factory=dict, repr=False)
    retention: tuple[RetentionInfo, ...] = field(default=(), repr=False)
    #: the uses personal devices are permitted for (purposes of personal-device groups)
    personal_uses: tuple[UseInfo, ...] = field(default=(), repr=False)
    #: the pack's ``ask`` section as plain JSON data, with each scenario's description
    ask: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)
    _role_aliases: dict[str, str] = field(default_factory=dict, repr=False)
    _catch_all: dict[str, str] = field(default_factory=dict, repr=False)
    _model: list[PolicyPack] = field(default_factory=list, repr=False, compare=False)
    #: answers already given under this pack (:func:`commsgov.policy.advice.advise` is pure, so
    #: an answer computed once is the answer for as long as the pack lives)
    _answers: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def model(self) -> PolicyPack:
        """The validated Pydantic model of the pack (loaded on demand: it is slow to import)."""
        if not self._model:
            from .loader import load_pack

            self._model.append(load_pack(self.source))
        return self._model[0]

    def channel(self, name: str) -> ChannelInfo:
        """Resolve a channel id, alias or free app name.

        A name close to a known one is treated as a typo and refused with suggestions; any other
        name is an app the pack's "not exhaustive" catch-all (``other-mma``) covers.

        >>> from commsgov.policy.cache import compiled_pack
        >>> pack = compiled_pack()
        >>> pack.channel("WhatsApp Business").id, pack.channel("Threema").id
        ('whatsapp', 'other-mma')
        """
        key = normalise_name(name)
        found = self._aliases.get(key)
        if found is not None:
            return self.channels[found]
        if not key:
            raise UnknownIdError("channel", name, [])
        close = difflib.get_close_matches(key, self._aliases.keys(), n=3, cutoff=0.8)
        if close or "mma" not in self._catch_all:
            suggestions = list(dict.fromkeys(self._aliases[c] for c in close))
            if not suggestions:
                suggestions = self._suggest(key, self.channels.keys())
            raise UnknownIdError("channel", name, suggestions)
        return self.channels[self._catch_all["mma"]]

    def scenario(self, scenario_id: str) -> ScenarioInfo:
        """Look up a scenario by id, raising :class:`UnknownIdError` with suggestions."""
        found = self.scenarios.get(scenario_id)
        if found is None:
            found = self.scenarios.get(normalise_name(scenario_id).replace(" ", "-"))
        if found is None:
            raise UnknownIdError(
                "scenario", scenario_id, self._suggest(scenario_id, self.scenarios.keys())
            )
        return found

    def role(self, name: str) -> RoleInfo:
        """Look up a role by id or alias."""
        found = self._role_aliases.get(normalise_name(name))
        if found is None:
            raise UnknownIdError("role", name, self._suggest(name, self.roles.keys()))
        return self.roles[found]

    def rule(self, name: str) -> Said | None:
        """A standing rule of the pack by its field name (``mma_ban``, ``outage``, ...), if any."""
        return self.rules.get(name)

    @staticmethod
    def _suggest(value: str, options: object) -> list[str]:
        choices = list(options)  # type: ignore[call-overload]
        close = difflib.get_close_matches(value, choices, n=3, cutoff=0.5)
        if not close:
            words = set(normalise_name(value).split())
            close = [c for c in choices if words & set(c.split("-"))][:3]
        return close


def _cites(citations: list[Citation]) -> tuple[Cite, ...]:
    return tuple(Cite(c.document, " ".join(c.quote.split())) for c in citations)


def _said(statement: Statement) -> Said:
    return Said(" ".join(statement.text.split()), _cites(statement.cite))


def _retention(schedule: RetentionSchedule) -> RetentionInfo:
    return RetentionInfo(
        id=schedule.id,
        title=schedule.title,
        action=schedule.action,
        channel=schedule.channel,
        label=schedule.label,
        period=schedule.period,
        trigger=schedule.trigger,
        paused=schedule.paused,
        mandate=schedule.mandate,
        notes=tuple(schedule.notes),
        cite=_cites(schedule.cite),
    )


def compile_pack(model: PolicyPack, *, source: str | None = None) -> CompiledPack:
    """Compile a validated pack for the engine.

    >>> from commsgov.policy.loader import load_pack
    >>> compile_pack(load_pack()).channel("sms").id
    'corporate-phone'
    """
    channels: dict[str, ChannelInfo] = {}
    aliases: dict[str, str] = {}
    catch_all: dict[str, str] = {}
    for c in model.channels:
        channels[c.id] = ChannelInfo(
            id=c.id,
            name=c.name,
            kind=c.kind,
            device=c.device,
            column=c.column if c.column is not None else (c.id if c.kind == "corporate" else None),
            catch_all=c.catch_all,
            aliases=tuple(c.aliases),
            description=c.description,
            duties=tuple(_said(d) for d in c.duties),
            external_condition=_said(c.external_condition) if c.external_condition else None,
            cite=_cites(c.cite),
            external_access=c.external_access,
        )
        for name in (c.id, c.name, *c.aliases):
            aliases.setdefault(normalise_name(name), c.id)
        if c.catch_all:
            catch_all[c.kind] = c.id
    scenarios = {
        s.id: ScenarioInfo(s.id, s.title, tuple(s.marks), dict(s.cells), _cites(s.cite))
        for s in model.scenarios
    }
    roles = {r.id: RoleInfo(r.id, r.name, _cites(r.cite)) for r in model.roles}
    role_aliases: dict[str, str] = {}
    for r in model.roles:
        for name in (r.id, r.name, *r.aliases):
            role_aliases.setdefault(normalise_name(name), r.id)
    rules: dict[str, Said] = {}
    rule_lists: dict[str, tuple[Said, ...]] = {}
    for name in type(model.rules).model_fields:
        value = getattr(model.rules, name)
        if isinstance(value, list):
            rule_lists[name] = tuple(_said(v) for v in value)
        elif value is not None:
            rules[name] = _said(value)
    compiled = CompiledPack(
        id=model.pack.id,
        organisation=model.pack.organisation,
        version=model.pack.version,
        source=source,
        channels=channels,
        scenarios=scenarios,
        roles=roles,
        footnotes={
            f.mark: FootnoteInfo(f.mark, f.id, Said(" ".join(f.text.split()), _cites(f.cite)))
            for f in model.footnotes
        },
        columns=tuple(model.matrix_columns),
        matrix_cite=_cites(model.matrix_cite),
        rules=rules,
        rule_lists=rule_lists,
        retention=tuple(_retention(r) for r in model.retention),
        personal_uses=tuple(
            UseInfo(u.id, " ".join(u.title.split()), _cites(u.cite))
            for u in model.personal_device_uses
        ),
        ask={
            **model.ask.model_dump(mode="json"),
            "descriptions": {s.id: s.description for s in model.scenarios},
        },
        _aliases=aliases,
        _role_aliases=role_aliases,
        _catch_all=catch_all,
        _model=[model],
    )
    return compiled

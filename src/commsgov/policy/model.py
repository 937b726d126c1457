"""The policy pack: an organisation's rules as validated data.

A pack is YAML on disk (see ``docs/policy-pack.md``); these Pydantic models are its schema.
Everything the engine says must trace back to a :class:`Citation` into one of the pack's
source documents, so citations are required wherever a rule is stated.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Mark = Literal["Y", "N", "Y*", "Y**", "Y***"]
ChannelKind = Literal["corporate", "personal", "mma", "social-media"]
Device = Literal["corporate", "personal"]
RetentionTrigger = Literal["created", "last-modified", "event", "closed"]
RetentionAction = Literal["delete", "review", "transfer", "move-to-archive"]
AppPlatform = Literal["android", "ios", "macos", "windows"]
#: ``package`` Android package name, ``bundle-id`` iOS/macOS bundle id, ``app-store-url`` the App
#: Store listing (Intune's iOS restricted-apps list), ``store-package`` a Windows Store package
#: name, ``name`` a display name an inventory shows (Windows lists apps by name)
IdentifierKind = Literal["package", "bundle-id", "app-store-url", "store-package", "name"]
#: what an external organisation needs before its people may take part in a channel: to be
#: federated (Teams chat and calls) or to have guest access (your own Teams area)
ExternalAccess = Literal["federation", "guest-access"]

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not a valid id (lowercase words joined by '-')")
    return value


class Citation(_Strict):
    """A passage of a source document: ``document`` is the file name, ``quote`` its exact words."""

    document: str
    quote: str = Field(min_length=8)


class SourceDocument(_Strict):
    """One source document of the pack, shipped beside it under ``sources/``."""

    id: str
    file: str
    title: str

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class Statement(_Strict):
    """A sentence the engine may say, with the passage that grounds it."""

    text: str
    cite: list[Citation] = Field(min_length=1)


class Channel(_Strict):
    """A means of communication: a corporate channel, a personal device, or an app."""

    id: str
    name: str
    kind: ChannelKind
    aliases: list[str] = []
    device: Device = "corporate"
    #: a catch-all channel absorbs any unrecognised name of its kind ("not exhaustive" lists)
    catch_all: bool = False
    #: the matrix column this channel is judged by (e.g. personal-phone uses the phone column)
    column: str | None = None
    description: str = ""
    duties: list[Statement] = []
    #: where external people are involved and their organisation is not set up (federation, guest
    #: access), the channel is only usable under this condition
    external_condition: Statement | None = None
    #: which set-up ``external_condition`` asks for, so that a register of federated
    #: organisations and guests can answer it (``federation`` or ``guest-access``)
    external_access: ExternalAccess | None = None
    cite: list[Citation] = Field(min_length=1)

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class Footnote(_Strict):
    """A footnote mark of the matrix (``*``, ``**``, ``***``) and what it means."""

    mark: str
    id: str
    text: str
    cite: list[Citation] = Field(min_length=1)


class Scenario(_Strict):
    """A row of the approved-channels matrix."""

    id: str
    title: str
    #: the scenario in plain words: shown to people, and one of the texts ``ask`` learns from
    description: str = ""
    #: footnote marks that apply to the whole row (``*`` and ``***`` in the source)
    marks: list[str] = []
    #: channel id -> ``Y``, ``N`` or ``Y**`` (a mark on the cell)
    cells: dict[str, str]
    cite: list[Citation] = Field(min_length=1)

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))

    @field_validator("cells")
    @classmethod
    def _cells(cls, value: dict[str, str]) -> dict[str, str]:
        for channel, cell in value.items():
            if not re.fullmatch(r"[YN]\**", cell):
                raise ValueError(f"cell {channel}: {cell!r} must be Y or N, optionally marked *")
        return value


class Role(_Strict):
    """A kind of person the policy covers."""

    id: str
    name: str
    aliases: list[str] = []
    cite: list[Citation] = Field(min_length=1)


class RetentionSchedule(_Strict):
    """How long one record class is kept, what happens at the end, and on whose authority."""

    id: str
    title: str
    channel: str | None = None
    #: what staff call an item of this class in advice ("This Teams chat is deleted on ...")
    label: str | None = None
    #: ISO 8601 duration (``P3Y``, ``P5D``, ``P6M``); ``None`` means "until review"
    period: str | None = None
    trigger: RetentionTrigger = "created"
    action: RetentionAction
    paused: bool = False
    mandate: str
    notes: list[str] = []
    cite: list[Citation] = Field(min_length=1)

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None and (not _DURATION.match(value) or value == "P"):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as P3Y, P6M or P5D")
        return value


class Rules(_Strict):
    """The policy's standing rules, each a statement with its citation.

    The ban, the outage rule and its capture duty and the corporate record are required; the rest
    are optional so that an organisation whose policy is silent on them can still write a pack.
    """

    mma_ban: Statement
    outage: Statement
    outage_capture: Statement
    corporate_record: Statement
    mma_examples_not_exhaustive: Statement | None = None
    social_media: Statement | None = None
    transition: Statement | None = None
    no_mma_on_corporate_devices: Statement | None = None
    breach: Statement | None = None
    personal_devices: list[Statement] = []
    personal_device_groups: Statement | None = None
    return_to_corporate: Statement | None = None
    record_end: Statement | None = None
    international_travel: Statement | None = None
    coverage: Statement | None = None
    corporate_devices: list[Statement] = []
    #: how to have an external organisation federated (said when one is not)
    federation_request: Statement | None = None
    #: how to request guest access for people of an external organisation
    guest_access_request: Statement | None = None
    #: a meeting you host needs no federation (said when the asker hosts one)
    hosted_meeting: Statement | None = None
    #: who approves a request for a corporate phone
    corporate_phone_approval: Statement | None = None
    extra: list[Statement] = []


class PermittedUse(_Strict):
    """A use the policy permits personal devices for (a personal-device group's purpose)."""

    id: str
    title: str
    cite: list[Citation] = Field(min_length=1)

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class AppIdentifier(_Strict):
    """One identifier of a banned app on one platform, with where it was confirmed.

    Exactly one of ``source`` (where the identifier was confirmed, e.g. the store listing) and
    ``unconfirmed: true`` must be given, so that nothing unchecked passes as checked.
    """

    platform: AppPlatform
    kind: IdentifierKind
    value: str = Field(min_length=1)
    source: str | None = None
    unconfirmed: bool = False

    @model_validator(mode="after")
    def _sourced(self) -> AppIdentifier:
        if (self.source is None) == (not self.unconfirmed):
            raise ValueError(
                f"identifier {self.value!r}: give either source (where it was confirmed) "
                "or unconfirmed: true"
            )
        return self


class App(_Strict):
    """A banned app of the catalogue: the channel it is, its display names and identifiers."""

    id: str
    name: str
    #: the pack channel this app is (``whatsapp``, ``other-mma``, ...)
    channel: str
    publisher: str = ""
    #: display names inventories show, matched when no identifier matches
    names: list[str] = []
    identifiers: list[AppIdentifier] = Field(min_length=1)
    notes: str = ""

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class AskConditions(_Strict):
    """Phrases that state a condition in a question (``...`` stands for up to three words)."""

    #: the SCOTS network or all major corporate devices and services are down
    outage: list[str] = []
    #: a failure that may or may not be an outage (``ask`` asks back when it changes the answer)
    outage_unclear: list[str] = []
    #: problems that are not an outage (one service playing up); the answer says so
    not_outage: list[str] = []
    #: a failure limited to one place or team ("across the building"): an outage becomes unclear
    outage_local: list[str] = []
    external: list[str] = []
    federated: list[str] = []
    not_federated: list[str] = []
    abroad: list[str] = []
    out_of_hours: list[str] = []
    personal_device: list[str] = []
    corporate_device: list[str] = []
    exemption: list[str] = []


class AskCountry(_Strict):
    """A country the pack rates for travel (``risk``), with the names people use for it."""

    name: str
    aliases: list[str] = []
    risk: Literal["secure", "at-risk"] | None = None


class AskTopic(_Strict):
    """A question about the policy that is not a channel choice, answered with a quote."""

    id: str
    title: str
    text: str
    cite: list[Citation] = Field(min_length=1)
    #: a more specific answer when the question names one of these channels
    channels: dict[str, Statement] = {}

    _v = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class Ask(_Strict):
    """How ``commsgov ask`` reads questions in plain words for this pack.

    Everything is optional: a pack without this section is still understood through its channel
    names and aliases and its scenario titles and descriptions.
    """

    #: a YAML file beside the pack with labelled questions to learn from
    questions: str | None = None
    #: more phrases per channel id, beyond its name and aliases ("ring", "drop an email")
    channels: dict[str, list[str]] = {}
    #: phrases that contain a channel's name but do not mean the channel ("line manager")
    not_channels: list[str] = []
    conditions: AskConditions = AskConditions()
    #: named groups of words that point to scenarios; the classifier learns how much
    cues: dict[str, list[str]] = {}
    countries: list[AskCountry] = []
    topics: list[AskTopic] = []


class LabelledQuestion(_Strict):
    """A question as staff write it, labelled with what it is about (a pack's questions file).

    With no ``scenario``, ``topic``, ``off_topic`` or ``vague``, any scenario is meant.
    """

    q: str = Field(min_length=1)
    scenario: str | None = None
    topic: str | None = None
    off_topic: bool = False
    vague: bool = False
    channel: str | None = None
    outage: bool = False
    #: the question leaves open whether it is an outage ("the network is down")
    outage_unclear: bool = False
    external: bool = False
    federated: bool = False
    abroad: bool = False
    #: ``personal``: a corporate channel used on a device the person owns
    device: Literal["corporate", "personal"] | None = None
    #: a time-bound transition period
    exemption: bool = False


class QuestionSet(_Strict):
    """A pack's file of labelled questions (``ask.questions``)."""

    questions: list[LabelledQuestion] = Field(min_length=1)


class PackInfo(_Strict):
    """Who the pack belongs to."""

    id: str
    organisation: str
    version: str
    title: str = ""


class PolicyPack(_Strict):
    """A whole policy pack, as loaded from YAML."""

    pack: PackInfo
    documents: list[SourceDocument] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    matrix_columns: list[str] = Field(min_length=1)
    matrix_cite: list[Citation] = Field(min_length=1)
    footnotes: list[Footnote] = []
    scenarios: list[Scenario] = Field(min_length=1)
    roles: list[Role] = []
    rules: Rules
    retention: list[RetentionSchedule] = []
    #: the banned-app catalogue: identifiers device inventories are scanned for
    apps: list[App] = []
    #: what personal devices may be used for (the purposes a personal-device group may have)
    personal_device_uses: list[PermittedUse] = []
    ask: Ask = Ask()

    @model_validator(mode="after")
    def _consistent(self) -> PolicyPack:
        files = {d.file for d in self.documents}
        channel_ids = [c.id for c in self.channels]
        _no_duplicates("channels", channel_ids)
        _no_duplicates("scenarios", [s.id for s in self.scenarios])
        _no_duplicates("retention", [r.id for r in self.retention])
        _no_duplicates("personal_device_uses", [u.id for u in self.personal_device_uses])
        known = set(channel_ids)
        for column in self.matrix_columns:
            if column not in known:
                raise ValueError(f"matrix_columns: {column!r} is not a channel id")
        marks = {f.mark for f in self.footnotes}
        for scenario in self.scenarios:
            missing = [c for c in self.matrix_columns if c not in scenario.cells]
            extra = [c for c in scenario.cells if c not in self.matrix_columns]
            if missing or extra:
                raise ValueError(
                    f"scenario {scenario.id}: cells must cover exactly the matrix columns"
                    f" (missing {missing}, unknown {extra})"
                )
            for mark in scenario.marks:
                if mark not in marks:
                    raise ValueError(f"scenario {scenario.id}: footnote {mark!r} is not defined")
            for column, cell in scenario.cells.items():
                cell_mark = cell[1:]
                if cell_mark and cell_mark not in marks:
                    raise ValueError(
                        f"scenario {scenario.id}: cell {column} uses undefined mark {cell_mark!r}"
                    )
        for chan in self.channels:
            if chan.column is not None and chan.column not in self.matrix_columns:
                raise ValueError(f"channel {chan.id}: column {chan.column!r} is not a column")
            if chan.external_access is not None and chan.external_condition is None:
                raise ValueError(f"channel {chan.id}: external_access needs external_condition")
        for schedule in self.retention:
            if schedule.channel is not None and schedule.channel not in known:
                raise ValueError(f"retention {schedule.id}: unknown channel {schedule.channel!r}")
        _check_apps(self.apps, {c.id: c.kind for c in self.channels})
        _no_duplicates("ask.topics", [t.id for t in self.ask.topics])
        for where, ids in (
            ("ask.channels", list(self.ask.channels)),
            *((f"ask.topics.{t.id}.channels", list(t.channels)) for t in self.ask.topics),
        ):
            for channel_id in ids:
                if channel_id not in known:
                    raise ValueError(f"{where}: unknown channel {channel_id!r}")
        for citation in _all_citations(self):
            if citation.document not in files:
                raise ValueError(f"citation names unknown document {citation.document!r}")
        return self


def _no_duplicates(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{what}: duplicate id {item!r}")
        seen.add(item)


def _check_apps(apps: list[App], channel_kinds: dict[str, str]) -> None:
    _no_duplicates("apps", [a.id for a in apps])
    owner: dict[tuple[str, str], str] = {}
    for app in apps:
        if channel_kinds.get(app.channel) != "mma":
            raise ValueError(f"app {app.id}: channel {app.channel!r} is not a messaging app")
        for ident in app.identifiers:
            key = (ident.kind, ident.value.casefold())
            if key in owner and owner[key] != app.id:
                raise ValueError(f"app {app.id}: identifier {ident.value!r} is also {owner[key]}'s")
            owner[key] = app.id


def _all_citations(pack: PolicyPack) -> list[Citation]:
    """Every citation anywhere in the pack (used for validation and the citation test)."""
    found: list[Citation] = []

    def walk(node: object) -> None:
        if isinstance(node, Citation):
            found.append(node)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(pack)
    return found


all_citations = _all_citations

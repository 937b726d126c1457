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
    extra: list[Statement] = []


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

    @model_validator(mode="after")
    def _consistent(self) -> PolicyPack:
        files = {d.file for d in self.documents}
        channel_ids = [c.id for c in self.channels]
        _no_duplicates("channels", channel_ids)
        _no_duplicates("scenarios", [s.id for s in self.scenarios])
        _no_duplicates("retention", [r.id for r in self.retention])
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
        for schedule in self.retention:
            if schedule.channel is not None and schedule.channel not in known:
                raise ValueError(f"retention {schedule.id}: unknown channel {schedule.channel!r}")
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

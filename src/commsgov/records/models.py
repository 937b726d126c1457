"""Records, messages, participants and attachments as plain immutable data.

A *draft* is what a person or a parser supplies; the stored state of a record is its canonical
dictionary (:func:`record_state`), which is exactly what the ledger hashes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from commsgov.records.canonical import (
    canonical_json,
    sha256_hex,
)
from commsgov.records.errors import InvalidFieldError
from commsgov.records.timestamps import local_text, utc_text, zone_name

Device = Literal["corporate", "personal"]
SourceKind = Literal["typed", "file"]
#: the kinds of message a conversation holds: sent by someone, or a system event (join,
#: leave...); the parsers emit exactly these (``commsgov.ingest.MESSAGE_KINDS``, and a test)
MessageKind = Literal["message", "system"]
#: the sender a message identity uses for a system event without one (stable across versions)
SYSTEM_SENDER = "(system)"

#: fields of a record that a correction may change
CORRECTABLE_FIELDS = frozenset(
    {"subject", "summary", "content", "participants", "scenario", "device", "method"}
)


#: what PostgreSQL cannot store as text (NUL) and what no encoding can write (a lone surrogate)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def require_storable(field_name: str, value: str | None) -> None:
    """Refuse text that no database can store as typed (a NUL, which SQLite keeps and
    PostgreSQL refuses, or a lone UTF-16 surrogate, which cannot be written at all), naming the
    field and where; an import replaces such characters and flags the message instead.

    >>> require_storable("summary", "fine")
    >>> require_storable("summary", "a\\x00b")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: summary: holds U+0000 at character 2, which no \
database can store as text; remove it
    """
    found = _UNSTORABLE.search(value) if value else None
    if found is not None:
        raise InvalidFieldError(
            field_name,
            f"holds U+{ord(found.group()):04X} at character {found.start() + 1}, which no "
            "database can store as text; remove it",
        )


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone in a communication: name, phone number, organisation, internal or external."""

    name: str
    number: str | None = None
    organisation: str | None = None
    internal: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical dictionary of this participant."""
        return {
            "name": self.name,
            "number": self.number,
            "organisation": self.organisation,
            "internal": self.internal,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Participant:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=data["name"],
            number=data.get("number"),
            organisation=data.get("organisation"),
            internal=data.get("internal"),
        )

    @classmethod
    def parse(cls, text: str, *, field_name: str = "with") -> Participant:
        """Parse ``"Name"``, ``"Name <number>"``, with optional ``"@Organisation"`` and ``"!ext"``.

        >>> p = Participant.parse("Ann Smith <+447700900123> @NHS Lothian !external")
        >>> p.name, p.number, p.organisation, p.internal
        ('Ann Smith', '+447700900123', 'NHS Lothian', False)
        >>> Participant.parse("Bob !internal").internal
        True
        """
        rest = text.strip()
        internal: bool | None = None
        for marker, value in (("!external", False), ("!internal", True)):
            if marker in rest:
                internal = value
                rest = rest.replace(marker, "").strip()
        organisation = None
        if "@" in rest and "<" not in rest.split("@", 1)[1]:
            rest, organisation_text = rest.split("@", 1)
            organisation = organisation_text.strip() or None
            rest = rest.strip()
        number = None
        if "<" in rest and rest.endswith(">"):
            rest, number_text = rest[:-1].split("<", 1)
            number = number_text.strip() or None
            rest = rest.strip()
        if not rest:
            raise InvalidFieldError(field_name, f"participant {text!r} has no name")
        return cls(name=rest, number=number, organisation=organisation, internal=internal)


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A file: its SHA-256 (its address in the blob store), size, name and media type.

    A message may refer to a file that its export does not hold (a WhatsApp ``.txt`` without
    its zip, a Telegram file left out): that file is a *reference only*, with ``sha256``
    ``None`` and ``size`` as the export states it (or ``None``); nothing is stored for it.
    A record's own attachments always have their bytes (:meth:`RecordDraft.validate`).

    >>> ref = AttachmentRef(sha256=None, size=None, filename="VID-1.mp4", media_type="video/mp4")
    >>> AttachmentRef.from_dict(ref.to_dict()) == ref
    True
    """

    sha256: str | None
    size: int | None
    filename: str
    media_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical dictionary of this attachment."""
        return {
            "sha256": self.sha256,
            "size": self.size,
            "filename": self.filename,
            "media_type": self.media_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttachmentRef:
        """Inverse of :meth:`to_dict`."""
        return cls(
            sha256=data["sha256"],
            size=None if data["size"] is None else int(data["size"]),
            filename=data["filename"],
            media_type=data.get("media_type"),
        )


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: typed in, or imported from a file (with that file's hash)."""

    kind: SourceKind = "typed"
    file_name: str | None = None
    file_sha256: str | None = None
    format: str | None = None
    #: typed into a web page with no network and sent later from its queue: when the device
    #: said it was saved (ISO 8601 with the device's offset), the device's time zone, and the
    #: key the device gave the item (so that an item sent twice is stored once)
    made_at: str | None = None
    made_zone: str | None = None
    made_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical dictionary of this source.

        >>> Source(made_at="2026-11-20T09:16:02+00:00", made_zone="Europe/London").to_dict()[
        ...     "made_at"]
        '2026-11-20T09:16:02+00:00'
        """
        out: dict[str, Any] = {
            "kind": self.kind,
            "file_name": self.file_name,
            "file_sha256": self.file_sha256,
            "format": self.format,
        }
        # only when there is one, so that every other source keeps its canonical form (and hash)
        if self.made_at is not None:
            out["made_at"] = self.made_at
            out["made_zone"] = self.made_zone
            out["made_id"] = self.made_id
        return out


@dataclass(frozen=True, slots=True)
class PolicyException:
    """A breach of the policy found at capture: the rule, why, and the sentence it cites."""

    rule: str
    reason: str
    document: str
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """The canonical dictionary of this exception."""
        return {
            "rule": self.rule,
            "reason": self.reason,
            "document": self.document,
            "quote": self.quote,
        }


@dataclass(frozen=True, slots=True)
class RecordDraft:
    """A communication to capture, before it has an id, a capture time or a ledger entry.

    ``method`` is a channel id from the policy pack; ``occurred_at`` must be timezone-aware;
    ``device`` defaults (when ``None``) to the channel's usual device.
    ``conversation_key`` identifies a conversation across imports (so re-importing an export
    adds only new messages to the same record).
    """

    method: str
    occurred_at: dt.datetime
    device: Device | None = None
    participants: tuple[Participant, ...] = ()
    subject: str | None = None
    summary: str | None = None
    content: str | None = None
    scenario: str | None = None
    conversation_key: str | None = None
    source: Source = field(default_factory=Source)
    attachments: tuple[AttachmentRef, ...] = ()

    def validate(self) -> None:
        """Raise :class:`InvalidFieldError` naming the first field that is wrong."""
        if not self.method:
            raise InvalidFieldError("method", "a method (channel id) is required")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise InvalidFieldError("at", "the time must be timezone-aware")
        if self.device not in (None, "corporate", "personal"):
            raise InvalidFieldError("device", f"{self.device!r} is not 'corporate' or 'personal'")
        if not (self.summary or self.content or self.subject or self.conversation_key):
            raise InvalidFieldError("summary", "give a subject, a summary or the content")
        for participant in self.participants:
            if not participant.name.strip():
                raise InvalidFieldError("with", "a participant has no name")
            for value in (participant.name, participant.number, participant.organisation):
                require_storable("with", value)
        for name in ("method", "subject", "summary", "content", "scenario", "conversation_key"):
            require_storable(name, getattr(self, name))
        for attachment in self.attachments:
            require_storable("attach", attachment.filename)
        for attachment in self.attachments:
            if attachment.sha256 is None or attachment.size is None:
                raise InvalidFieldError(
                    "attach",
                    f"{attachment.filename!r} is not stored (a record's file needs its bytes)",
                )


@dataclass(frozen=True, slots=True)
class MessageDraft:
    """One message of a conversation: when (timezone-aware), who sent it, its exact text.

    ``kind`` is ``message`` (someone sent it; ``sender`` required) or ``system`` (an event such
    as a join or a subject change; ``sender`` may be ``None``). ``flags`` are what the export
    said about it (``deleted``, ``edited``, ``media-omitted``, ``view-once``, ...); the store
    keeps them sorted and without repeats.
    """

    sent_at: dt.datetime
    sender: str | None
    text: str
    attachments: tuple[AttachmentRef, ...] = ()
    kind: MessageKind = "message"
    flags: tuple[str, ...] = ()


def record_state(
    draft: RecordDraft,
    *,
    uid: str,
    captured_at: dt.datetime,
    captured_by: str,
    outage_uid: str | None,
    policy_exception: PolicyException | None,
) -> dict[str, Any]:
    """The canonical state of a newly captured record (what the capture ledger entry holds).

    >>> import datetime as dt
    >>> when = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
    >>> d = RecordDraft(method="whatsapp", occurred_at=when, summary="hi")
    >>> s = record_state(d, uid="r1", captured_at=when, captured_by="ann", outage_uid=None,
    ...                  policy_exception=None)
    >>> s["occurred_at_utc"], s["occurred_zone"]
    ('2026-01-02T09:00:00.000000Z', 'UTC')
    """
    return {
        "uid": uid,
        "method": draft.method,
        "device": draft.device or "corporate",
        "occurred_at_utc": utc_text(draft.occurred_at),
        "occurred_zone": zone_name(draft.occurred_at),
        "occurred_local": local_text(draft.occurred_at),
        "captured_at_utc": utc_text(captured_at),
        "captured_by": captured_by,
        "participants": [p.to_dict() for p in draft.participants],
        "subject": draft.subject,
        "summary": draft.summary,
        "content": draft.content,
        "scenario": draft.scenario,
        "conversation_key": draft.conversation_key,
        "outage_uid": outage_uid,
        "policy_exception": policy_exception.to_dict() if policy_exception else None,
        "source": draft.source.to_dict(),
        "attachments": [a.to_dict() for a in draft.attachments],
    }


def record_hash(state: dict[str, Any]) -> str:
    """A record's hash: SHA-256 of the canonical JSON of its state (receipts, lists and
    destruction certificates carry it).

    >>> record_hash({"uid": "r1"})[:12]
    '637fbb2ee5fb'
    """
    return sha256_hex(canonical_json(state))


def flags_text(flags: tuple[str, ...] | list[str]) -> str:
    """The stored form of a message's flags: canonical JSON of the sorted, distinct flags.

    >>> flags_text(("edited", "deleted", "edited"))
    '["deleted","edited"]'
    >>> flags_text(())
    '[]'
    """
    return canonical_json(sorted(set(flags))) if flags else "[]"

"""The record as it is read: typed views of a stored record, its messages and its history.

The services return these (``get_record``, ``list_records``, ``search_records``), the command
line renders them, the HTTP API serves them as its response models, and the pure formats that
present a record (:mod:`commsgov.records.export`, :mod:`commsgov.records.transcript`) take
them, so every shell shows the same record the same way. Field order is the JSON order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commsgov.records.links import LinkedFile, with_links
from commsgov.records.models import AttachmentRef, Participant, PolicyException, Source

__all__ = [
    "LedgerLine",
    "MatchingMessage",
    "MessageView",
    "RecordState",
    "RecordSummary",
    "RecordView",
    "SearchHit",
    "SourceView",
]


def _attachments(items: Sequence[Mapping[str, Any]] | None) -> tuple[AttachmentRef, ...]:
    return tuple(AttachmentRef.from_dict(dict(a)) for a in items or ())


@dataclass(frozen=True, slots=True)
class RecordState:
    """A record's current state: exactly the fields its ledger entries set (and its hash covers).

    >>> state = RecordState.of({"uid": "r1", "method": "email", "device": "corporate",
    ...     "occurred_at_utc": "t", "occurred_zone": "UTC", "occurred_local": "l",
    ...     "captured_at_utc": "c", "captured_by": "ann", "participants": [{"name": "Cy"}],
    ...     "subject": None, "summary": "hi", "content": None, "scenario": None,
    ...     "conversation_key": None, "outage_uid": None, "policy_exception": None,
    ...     "source": {"kind": "typed"}, "attachments": []})
    >>> state.participants[0].name, state.source.kind
    ('Cy', 'typed')
    """

    uid: str
    method: str
    device: str
    occurred_at_utc: str
    occurred_zone: str
    occurred_local: str
    captured_at_utc: str
    captured_by: str
    participants: tuple[Participant, ...]
    subject: str | None
    summary: str | None
    content: str | None
    scenario: str | None
    conversation_key: str | None
    outage_uid: str | None
    policy_exception: PolicyException | None
    source: Source
    attachments: tuple[AttachmentRef, ...]

    @staticmethod
    def fields_of(state: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of a record's canonical state dictionary (as the ledger holds
        it) for this class or a subclass."""
        exc = state.get("policy_exception")
        source = state.get("source") or {}
        return {
            "uid": state["uid"],
            "method": state["method"],
            "device": state["device"],
            "occurred_at_utc": state["occurred_at_utc"],
            "occurred_zone": state["occurred_zone"],
            "occurred_local": state["occurred_local"],
            "captured_at_utc": state["captured_at_utc"],
            "captured_by": state["captured_by"],
            "participants": tuple(
                Participant.from_dict(p) for p in state.get("participants") or ()
            ),
            "subject": state.get("subject"),
            "summary": state.get("summary"),
            "content": state.get("content"),
            "scenario": state.get("scenario"),
            "conversation_key": state.get("conversation_key"),
            "outage_uid": state.get("outage_uid"),
            "policy_exception": PolicyException(**exc) if exc else None,
            "source": Source(
                kind=source.get("kind", "typed"),
                file_name=source.get("file_name"),
                file_sha256=source.get("file_sha256"),
                format=source.get("format"),
                made_at=source.get("made_at"),
                made_zone=source.get("made_zone"),
                made_id=source.get("made_id"),
            ),
            "attachments": _attachments(state.get("attachments")),
        }

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> RecordState:
        """The typed form of a record's canonical state dictionary."""
        return cls(**cls.fields_of(state))


@dataclass(frozen=True, slots=True)
class RecordSummary(RecordState):
    """A record in a list: its state, its hash and how many messages it holds."""

    record_sha256: str
    message_count: int


@dataclass(frozen=True, slots=True)
class MatchingMessage:
    """A message that matched a search, newest first."""

    id: int
    record_uid: str
    sent_at_utc: str
    sent_local: str
    sender: str | None
    text: str
    sha256: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> MatchingMessage:
        """From a repository row."""
        return cls(
            id=int(row["id"]),
            record_uid=row["record_uid"],
            sent_at_utc=row["sent_at_utc"],
            sent_local=row["sent_local"],
            sender=row["sender"],
            text=row["text"],
            sha256=row["sha256"],
        )


@dataclass(frozen=True, slots=True)
class SearchHit(RecordSummary):
    """A record that matched a search, with (up to 20 of) its matching messages."""

    matching_messages: tuple[MatchingMessage, ...]


@dataclass(frozen=True, slots=True)
class SourceView:
    """A file a record came from: its own source, or one that joined it later (at
    ``ledger_seq``, a ``source-added`` entry; ``None`` for the record's own source)."""

    kind: str
    file_name: str | None
    file_sha256: str | None
    format: str | None
    ledger_seq: int | None = None
    #: saved on a device with no network and sent from its queue later (see :class:`Source`)
    made_at: str | None = None
    made_zone: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SourceView:
        """From a source dictionary (as stored, or from a ``source-added`` entry)."""
        return cls(
            kind=data.get("kind", "typed"),
            file_name=data.get("file_name"),
            file_sha256=data.get("file_sha256"),
            format=data.get("format"),
            ledger_seq=data.get("ledger_seq"),
            made_at=data.get("made_at"),
            made_zone=data.get("made_zone"),
        )


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger entry about a record: where, when, who, what, and its hash."""

    seq: int
    at: str
    actor: str
    kind: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message as stored: exact text, sender, times, kind, flags, files and its hash."""

    sent_at_utc: str
    sent_zone: str
    sent_local: str
    sender: str | None
    text: str
    kind: str
    sha256: str
    flags: tuple[str, ...]
    attachments: tuple[AttachmentRef, ...]
    #: files linked to this message's references after it was stored (by a ledger entry)
    linked: tuple[LinkedFile, ...] = ()

    def files(self) -> tuple[AttachmentRef, ...]:
        """Its files: the attachments as stored, each reference its link filled."""
        return with_links(self.attachments, self.linked) if self.linked else self.attachments

    @classmethod
    def of(
        cls, row: Mapping[str, Any], links: Mapping[str, tuple[LinkedFile, ...]] | None = None
    ) -> MessageView:
        """From a repository row (``flags`` and ``attachments_json`` as stored JSON text) and
        the record's ``links`` by message identity (see :mod:`commsgov.records.links`)."""
        return cls(
            sent_at_utc=row["sent_at_utc"],
            sent_zone=row["sent_zone"],
            sent_local=row["sent_local"],
            sender=row["sender"],
            text=row["text"],
            kind=row["kind"],
            sha256=row["sha256"],
            flags=tuple(json.loads(row["flags"])),
            attachments=_attachments(json.loads(row["attachments_json"])),
            linked=links.get(str(row.get("identity")), ()) if links else (),
        )


@dataclass(frozen=True, slots=True)
class RecordView(RecordState):
    """One record in full: its state and hash, every file it came from, its ledger history and
    its messages in time order."""

    record_sha256: str
    sources: tuple[SourceView, ...]
    ledger: tuple[LedgerLine, ...]
    messages: tuple[MessageView, ...]

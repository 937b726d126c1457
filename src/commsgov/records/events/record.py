"""Events of the record itself: captures, corrections, messages, disposals, outages, files, exports.

Payloads that change stored state say which entity (``record``, ``outage``) and which fields they
``set``, so :mod:`commsgov.records.verify` can replay the ledger and compare it with the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Chain, register


@register
@dataclass(frozen=True, slots=True)
class RecordCaptured:
    """Event ``record-captured``: a record was captured. ``state``: its full canonical state."""

    kind: ClassVar[str] = "record-captured"
    chain: ClassVar[Chain] = "ledger"
    state: dict[str, Any]

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return str(self.state["uid"])

    @property
    def target(self) -> str:
        """The record captured."""
        return f"record:{self.state['uid']}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {"entity": "record", "uid": self.state["uid"], "set": self.state}


@register
@dataclass(frozen=True, slots=True)
class RecordCorrected:
    """Event ``record-corrected``: fields of record ``uid`` were corrected.

    ``changes`` maps each corrected field to its new value; ``reason`` says why. The earlier
    values stay in the ledger: a correction never overwrites history.
    """

    kind: ClassVar[str] = "record-corrected"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    changes: dict[str, Any]
    reason: str

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    @property
    def target(self) -> str:
        """The record corrected."""
        return f"record:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {"entity": "record", "uid": self.uid, "set": self.changes, "reason": self.reason}


@register
@dataclass(frozen=True, slots=True)
class MessagesAdded:
    """Event ``messages-added``: ``count`` messages were added to record ``uid``.

    ``digest`` is the SHA-256 over the concatenated SHA-256 digests of the messages, in
    position order; ``already_held`` counts duplicates that were skipped.
    """

    kind: ClassVar[str] = "messages-added"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    count: int
    digest: str
    already_held: int = 0

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    @property
    def target(self) -> str:
        """The record the messages joined."""
        return f"record:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": "messages",
            "uid": self.uid,
            "count": self.count,
            "digest": self.digest,
            "already_held": self.already_held,
        }


@register
@dataclass(frozen=True, slots=True)
class RecordDisposed:
    """Event ``record-disposed``: record ``uid`` and its messages were destroyed or transferred.

    ``action`` is ``delete`` or ``transfer``; ``reason`` cites the schedule or decision.
    """

    kind: ClassVar[str] = "record-disposed"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    action: str
    reason: str

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    @property
    def target(self) -> str:
        """The record disposed of."""
        return f"record:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": "record",
            "uid": self.uid,
            "dispose": True,
            "action": self.action,
            "reason": self.reason,
        }


@register
@dataclass(frozen=True, slots=True)
class OutageStarted:
    """Event ``outage-started``: an outage (or exemption) was declared. ``state``: its fields."""

    kind: ClassVar[str] = "outage-started"
    chain: ClassVar[Chain] = "ledger"
    state: dict[str, Any]

    @property
    def record_uid(self) -> str | None:
        """Outages are not records."""
        return None

    @property
    def target(self) -> str:
        """The outage declared."""
        return f"outage:{self.state['uid']}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {"entity": "outage", "uid": self.state["uid"], "set": self.state}


@register
@dataclass(frozen=True, slots=True)
class OutageEnded:
    """Event ``outage-ended``: outage ``uid`` declared over at ``ended_at_utc`` by ``ended_by``."""

    kind: ClassVar[str] = "outage-ended"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    ended_at_utc: str
    ended_by: str

    @property
    def record_uid(self) -> str | None:
        """Outages are not records."""
        return None

    @property
    def target(self) -> str:
        """The outage ended."""
        return f"outage:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        changes = {"ended_at_utc": self.ended_at_utc, "ended_by": self.ended_by}
        return {"entity": "outage", "uid": self.uid, "set": changes}


@register
@dataclass(frozen=True, slots=True)
class RecordsExported:
    """Event ``records-exported``: records left the store in an export (e.g. for an FOI request).

    ``uids`` lists the records exported, ``format`` is ``csv`` or ``json``, ``query`` the search
    and filters used, and ``sha256`` the hash of the exported text, so the copy handed over can
    be matched to this entry later.
    """

    kind: ClassVar[str] = "records-exported"
    chain: ClassVar[Chain] = "ledger"
    uids: tuple[str, ...]
    format: str
    query: str
    sha256: str

    @property
    def record_uid(self) -> str | None:
        """An export may cover many records; none is singled out."""
        return None

    @property
    def target(self) -> str:
        """The records (their uids are in the ledger entry)."""
        return "records"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": None,
            "uids": list(self.uids),
            "format": self.format,
            "query": self.query,
            "sha256": self.sha256,
        }


@register
@dataclass(frozen=True, slots=True)
class SourceAdded:
    """Event ``source-added``: another original file contributed to record ``uid``.

    ``source`` is that file's canonical source dictionary (kind, file name, SHA-256, format): an
    overlapping export joining a conversation already on record is traceable like the first.
    """

    kind: ClassVar[str] = "source-added"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    source: dict[str, Any]

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    @property
    def target(self) -> str:
        """The record the file joined."""
        return f"record:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {"entity": "source", "uid": self.uid, "source": self.source}


@register
@dataclass(frozen=True, slots=True)
class FilesLinked:
    """Event ``message-files-linked``: files joined messages of record ``uid`` already held.

    A WhatsApp ``.txt`` imported before its zip stores each photo as a reference only (the
    name, no bytes); the zip's messages are then already held. Each link names the message
    (``identity``), the reference it fills (``index`` in its attachments, ``filename``) and the
    file now stored (``sha256``, ``size``, ``media_type``), from the export ``source_sha256``.
    The message row, and so its hash, stays exactly as first stored: the ledger holds the link.
    """

    kind: ClassVar[str] = "message-files-linked"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    links: tuple[dict[str, Any], ...]
    source_sha256: str | None = None

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    @property
    def target(self) -> str:
        """The record whose messages the files joined."""
        return f"record:{self.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": "files",
            "uid": self.uid,
            "links": [dict(link) for link in self.links],
            "source_sha256": self.source_sha256,
        }

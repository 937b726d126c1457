"""Events of reading the record: who read a record, listed or searched records, or read a
stored file. They belong to the audit trail (``chain = "audit"``), never to the ledger; every
read service passes through :mod:`commsgov.services.read_gate`, which appends them to the
trail with their outcome (a read can fail: not found, refused, bad input).

An export is a read too, and a change to the ledger: its ``records-exported`` ledger entry is
noted in the trail like every ledger entry (and, if it fails, the trail records the failure
under the same kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Chain, register


@register
@dataclass(frozen=True, slots=True)
class RecordRead:
    """Event ``record-read``: record ``uid`` was read in full (its fields, history and up to
    ``messages`` of its messages; a receipt or an explanation reads it with none)."""

    kind: ClassVar[str] = "record-read"
    chain: ClassVar[Chain] = "audit"
    uid: str
    messages: int

    @property
    def record_uid(self) -> str | None:
        """The record read."""
        return self.uid

    @property
    def target(self) -> str:
        """The record read (as asked for, when it was not found)."""
        return f"record:{self.uid}"

    def details(self) -> dict[str, Any]:
        """How many messages were read."""
        return {"messages": self.messages}


@dataclass(frozen=True, slots=True)
class _Found:
    """What a read of many records records: the query in words and the records it gave."""

    query: str
    uids: tuple[str, ...]

    @property
    def record_uid(self) -> str | None:
        """Many records may be read; none is singled out."""
        return None

    @property
    def target(self) -> str:
        """The records (the uids given are in the details)."""
        return "records"

    def details(self) -> dict[str, Any]:
        """The query and the records it gave."""
        return {"query": self.query, "count": len(self.uids), "uids": list(self.uids)}


@register
@dataclass(frozen=True, slots=True)
class RecordsListed(_Found):
    """Event ``records-listed``: records were listed (``query``: the filters, in words); the
    ``uids`` shown."""

    kind: ClassVar[str] = "records-listed"
    chain: ClassVar[Chain] = "audit"


@register
@dataclass(frozen=True, slots=True)
class RecordsSearched(_Found):
    """Event ``records-searched``: the record was searched (``query``: the words and filters);
    the ``uids`` found."""

    kind: ClassVar[str] = "records-searched"
    chain: ClassVar[Chain] = "audit"


@register
@dataclass(frozen=True, slots=True)
class FileRead:
    """Event ``file-read``: the stored file ``sha256`` (an attachment or an original export) was
    read out."""

    kind: ClassVar[str] = "file-read"
    chain: ClassVar[Chain] = "audit"
    sha256: str

    @property
    def record_uid(self) -> str | None:
        """A file may belong to several records; none is singled out."""
        return None

    @property
    def target(self) -> str:
        """The file."""
        return f"file:{self.sha256}"

    def details(self) -> dict[str, Any]:
        """Nothing more than the target."""
        return {}

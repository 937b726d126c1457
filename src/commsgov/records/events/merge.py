"""Events of merging an offline store (an outage kit, issue 17) into the corporate record.

What an offline store held comes in as ordinary events (``record-captured``, ``messages-added``,
``outage-started``...), each followed by an ``offline-entry-merged`` entry that names the
offline entry it came from (the store, its sequence number and hash, its kind, time and actor on
the device). None of these changes stored state: verify replays the ordinary events alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Chain, register


@register
@dataclass(frozen=True, slots=True)
class OfflineStoreRegistered:
    """Event ``offline-store-registered``: an offline store's public key was registered;
    ``store`` is its id (derived from the key), ``label`` what it was registered as. Its later
    merges are checked against this key."""

    kind: ClassVar[str] = "offline-store-registered"
    chain: ClassVar[Chain] = "ledger"
    store: str
    public_key: str
    label: str | None = None

    @property
    def target(self) -> str:
        """The offline store registered."""
        return f"offline-store:{self.store}"

    @property
    def record_uid(self) -> str | None:
        """A registration is not about a record."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": None,
            "store": self.store,
            "public_key": self.public_key,
            "label": self.label,
        }


@register
@dataclass(frozen=True, slots=True)
class OfflineEntryMerged:
    """Event ``offline-entry-merged``: entry ``seq`` of offline store ``store`` (its hash,
    ``offline_kind``, and its time ``at`` and ``actor`` on the device) was merged: ``outcome``
    (``added``, ``deduplicated``, ``linked`` or ``not-applied``), ``into`` the central record
    or outage it ``concerns`` (``target`` in the payload), and ``entries`` the central entries
    it made."""

    kind: ClassVar[str] = "offline-entry-merged"
    chain: ClassVar[Chain] = "ledger"
    store: str
    seq: int
    hash: str
    offline_kind: str
    at: str
    actor: str
    outcome: str
    concerns: str | None
    into: str | None
    entries: tuple[int, ...] = ()

    @property
    def target(self) -> str:
        """The offline store the entry came from (the audit trail's target)."""
        return f"offline-store:{self.store}"

    @property
    def record_uid(self) -> str | None:
        """Provenance is not the record's content: it names the record in its payload."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": None,
            "origin": {
                "store": self.store,
                "seq": self.seq,
                "hash": self.hash,
                "kind": self.offline_kind,
                "at": self.at,
                "actor": self.actor,
            },
            "outcome": self.outcome,
            "target": self.concerns,
            "into": self.into,
            "entries": list(self.entries),
        }


@register
@dataclass(frozen=True, slots=True)
class OfflineStoreMerged:
    """Event ``offline-store-merged``: offline store ``store`` was merged from its entry
    ``first`` through ``through`` (whose hash is ``head``), its chain checked against the
    checkpoint its key signed at ``signed_at``. The next merge of that store starts after
    ``through``."""

    kind: ClassVar[str] = "offline-store-merged"
    chain: ClassVar[Chain] = "ledger"
    store: str
    first: int
    through: int
    head: str
    signed_at: str

    @property
    def target(self) -> str:
        """The offline store merged."""
        return f"offline-store:{self.store}"

    @property
    def record_uid(self) -> str | None:
        """A merge concerns many records."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": None,
            "store": self.store,
            "first": self.first,
            "through": self.through,
            "head": self.head,
            "signed_at": self.signed_at,
        }

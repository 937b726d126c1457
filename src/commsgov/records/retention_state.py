"""Retention state as the ledger proves it: holds, lifts, record classes, reviews, approvals,
transfers and certificates, replayed from their entries.

The retention tables are a working copy that SQL can change; what the ledger says is the truth.
:class:`RetentionReplay` replays the retention entries (fed in ``seq`` order: the whole chain
for ``verify``, or only the entries a disposal relies on) into what the tables must hold, so
``verify`` can compare them and ``dispose`` can act only on what is proved.

Everything is taken from payloads and entry headers that every version has written: a lift's
time and a review's time are their entries' ``at`` (they were written with the same clock
reading), a reviewer is the entry's ``actor``. So stores made before this check verify
unchanged. Derived values the pack decides (a due date, its action) are not replayed: a
disposal recomputes them from the proved record class and the pack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from commsgov.records.canonical import canonical_json
from commsgov.records.ledger import LedgerEntry

__all__ = [
    "DEFAULT_CLASS",
    "RETENTION_KINDS",
    "ProvedEntry",
    "ProvedHold",
    "ProvedItem",
    "RetentionReplay",
]

#: the record class every record has until one is given explicitly
DEFAULT_CLASS = "captured-record"
#: the ledger kinds retention state is replayed from
RETENTION_KINDS = (
    "hold-placed",
    "hold-lifted",
    "retention-classified",
    "review-decided",
    "transfer-built",
    "transfer-confirmed",
    "destruction-certified",
    "transfer-certified",
)
#: statuses a review leaves while disposal is approved or awaits its second stage
_APPROVING = ("awaiting-second-stage", "approved-destroy", "approved-transfer")


@dataclass(frozen=True, slots=True)
class ProvedEntry:
    """A ledger entry a decision rests on: where it is, its kind and its hash."""

    seq: int
    kind: str
    entry_hash: str

    @classmethod
    def of(cls, e: LedgerEntry) -> ProvedEntry:
        """The entry's reference."""
        return cls(e.seq, e.kind, e.entry_hash)


@dataclass(slots=True)
class ProvedHold:
    """A hold as the ledger has it (the row ``retention_holds`` must hold)."""

    uid: str
    name: str
    mandate: str
    scope: str
    placed_by: str
    placed_at_utc: str
    lifted_at_utc: str | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
    entries: list[ProvedEntry] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """The columns of ``retention_holds`` (all but its row id)."""
        return {
            "uid": self.uid,
            "name": self.name,
            "mandate": self.mandate,
            "scope": self.scope,
            "placed_by": self.placed_by,
            "placed_at_utc": self.placed_at_utc,
            "lifted_at_utc": self.lifted_at_utc,
            "lifted_by": self.lifted_by,
            "lift_reason": self.lift_reason,
        }


@dataclass(slots=True)
class ProvedItem:
    """A record's retention state as the ledger has it: its class, status, review stage,
    explicit settings (extensions), and the entries of the decision now in force."""

    record_class: str = DEFAULT_CLASS
    status: str = "scheduled"
    review_stage: int = 0
    explicit: list[dict[str, Any]] = field(default_factory=list)
    #: the review entries that approved disposal (stage 1, then stage 2), while approved
    decision: list[ProvedEntry] = field(default_factory=list)
    #: the last retention-classified entry, if any
    classified: ProvedEntry | None = None
    #: the transfer-built entry that holds the record, while awaiting accession
    transfer: ProvedEntry | None = None

    def row(self) -> dict[str, Any]:
        """The columns of ``retention_items`` that the ledger decides."""
        return {
            "record_class": self.record_class,
            "status": self.status,
            "review_stage": self.review_stage,
            "explicit": canonical_json(self.explicit) if self.explicit else None,
        }


@dataclass
class RetentionReplay:
    """Feed it retention entries in ``seq`` order; it builds what the tables must hold.

    >>> from commsgov.records.events import HoldPlaced, HoldLifted
    >>> from commsgov.records.ledger import GENESIS, make_entry
    >>> import datetime as dt
    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> placed = make_entry(HoldPlaced("h1", "FOI", "FOISA", {"methods": ["sms"]}, "ann", "t0"),
    ...                     seq=1, prev_hash=GENESIS, actor="ann", at=t)
    >>> replay = RetentionReplay()
    >>> replay.entry(placed), replay.active_holds()[0].name
    (None, 'FOI')
    >>> lifted = make_entry(HoldLifted("h1", "FOI", "bob", "answered"), seq=2,
    ...                     prev_hash=placed.entry_hash, actor="bob", at=t)
    >>> replay.entry(lifted), replay.active_holds(), replay.holds["h1"].lifted_by
    (None, [], 'bob')
    """

    holds: dict[str, ProvedHold] = field(default_factory=dict)
    items: dict[str, ProvedItem] = field(default_factory=dict)
    #: the rows ``retention_reviews`` must hold, by entry seq
    reviews: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: record uid -> (certificate SHA-256, entry seq, outcome) of its disposal certificate
    certificates: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    #: consignment -> the columns of ``retention_transfers`` the ledger decides
    transfers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: consignment -> its transfer-built entry
    transfer_entries: dict[str, ProvedEntry] = field(default_factory=dict)

    def entry(self, e: LedgerEntry) -> str | None:
        """Replay one retention entry (others are ignored); what is wrong with it, if anything."""
        if e.kind not in RETENTION_KINDS:
            return None
        try:
            payload = json.loads(e.payload)
            data: dict[str, Any] = payload["data"]
            uid = e.record_uid
            return self._apply(e, uid, data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return f"{e.kind} payload cannot be replayed ({type(exc).__name__}: {exc})"

    def item(self, uid: str) -> ProvedItem:
        """The proved state of record ``uid`` (the default when the ledger says nothing)."""
        return self.items.get(uid) or ProvedItem()

    def active_holds(self) -> list[ProvedHold]:
        """Holds placed and not lifted, oldest first."""
        return [h for h in self.holds.values() if h.lifted_at_utc is None]

    def _apply(self, e: LedgerEntry, uid: str | None, data: dict[str, Any]) -> str | None:
        kind = e.kind
        if kind == "hold-placed":
            hold_uid = str(data["uid"])
            if hold_uid in self.holds:
                return f"hold {hold_uid} placed twice"
            self.holds[hold_uid] = ProvedHold(
                uid=hold_uid,
                name=data["name"],
                mandate=data["mandate"],
                scope=canonical_json(data["scope"]),
                placed_by=data["placed_by"],
                placed_at_utc=data["placed_at_utc"],
                entries=[ProvedEntry.of(e)],
            )
        elif kind == "hold-lifted":
            hold = self.holds.get(str(data["uid"]))
            if hold is None:
                return f"hold {data['uid']} lifted but never placed"
            if hold.lifted_at_utc is not None:
                return f"hold {hold.uid} lifted twice"
            hold.lifted_at_utc, hold.lifted_by = e.at, data["lifted_by"]
            hold.lift_reason = data["reason"]
            hold.entries.append(ProvedEntry.of(e))
        elif kind == "retention-classified":
            item = self.items.setdefault(str(uid), ProvedItem())
            item.record_class = str(data["record_class"])
            item.classified = ProvedEntry.of(e)
        elif kind == "review-decided":
            self._review(e, str(uid), data)
        elif kind == "transfer-built":
            consignment = str(data["consignment"])
            self.transfers[consignment] = {
                "consignment": consignment,
                "package_sha256": data["package_sha256"],
                "record_uids": canonical_json(list(data["record_uids"])),
                "built_by": e.actor,
                "built_at_utc": e.at,
            }
            self.transfer_entries[consignment] = ProvedEntry.of(e)
            for record in data["record_uids"]:
                item = self.items.setdefault(str(record), ProvedItem())
                item.status = "transferred-awaiting-accession"
                item.transfer = ProvedEntry.of(e)
        elif kind in ("destruction-certified", "transfer-certified"):
            outcome = "destroyed" if kind == "destruction-certified" else "transferred"
            item = self.items.setdefault(str(uid), ProvedItem())
            item.status = outcome
            self.certificates[str(uid)] = (str(data["certificate_sha256"]), e.seq, outcome)
        return None

    def _review(self, e: LedgerEntry, uid: str, data: dict[str, Any]) -> None:
        item = self.items.setdefault(uid, ProvedItem())
        decision, stage, until = str(data["decision"]), int(data["stage"]), data["until"]
        item.status = str(data["status"])
        item.review_stage = 0 if decision in ("extend", "defer") else stage
        if decision == "extend" and until:
            # as services.reviews records an extension in the item's explicit settings
            item.explicit.append(
                {
                    "source": f"review by {e.actor}: extended",
                    "retain": True,
                    "ends": until,
                    "action": "review",
                    "scope": "explicit",
                }
            )
        if item.status in _APPROVING:
            item.decision = (
                [*item.decision, ProvedEntry.of(e)] if stage == 2 else [ProvedEntry.of(e)]
            )
        else:
            item.decision = []
        self.reviews[e.seq] = {
            "record_uid": uid,
            "stage": stage,
            "decision": decision,
            "reviewer": e.actor,
            "reason": data["reason"],
            "until_utc": until,
            "decided_at_utc": e.at,
            "entry_seq": e.seq,
        }

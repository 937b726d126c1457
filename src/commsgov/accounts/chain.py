"""The audit trail's hash chain: each entry commits to every field and to the entry before it.

``entry_hash = SHA-256(canonical [seq, at, actor, source, address, user_agent, action, target,
outcome, details, prev_hash])``, the same construction as the record's ledger
(:mod:`commsgov.records.ledger`), whose ``GENESIS`` starts this chain too.

What an entry records comes from one registered event (:class:`AuditItem`): an event of the
trail (:func:`audit_item`; a read of the record carries the outcome it had) or a ledger entry
noted in the trail (:func:`ledger_item`: its kind, position and hash).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from commsgov.records.canonical import canonical_bytes, canonical_json, sha256_hex
from commsgov.records.events import registered
from commsgov.records.ledger import GENESIS, LedgerEntry
from commsgov.records.timestamps import utc_text

from .actor import Actor
from .events import AUDIT_ACTIONS

#: what an entry's ``outcome`` may be
OUTCOMES = ("ok", "failed", "refused")
#: the longest ``target`` stored (a target made from what a caller typed is cut there)
TARGET_MAX = 400


@dataclass(frozen=True, slots=True)
class AuditItem:
    """What one entry of the trail records, before it is chained: the action (a registered
    event kind), its target, the outcome and the details."""

    action: str
    target: str
    outcome: str
    details: dict[str, Any]


def audit_item(event: Any, *, outcome: str | None = None, error: str | None = None) -> AuditItem:
    """The entry an event of the trail makes: its kind, target and details, with ``outcome``
    (default: the kind's own) and, for a failure, the error's ``code`` in the details. A ledger
    event that failed to happen (an export refused) makes one too, with its payload.

    >>> from commsgov.records.events import RecordRead
    >>> audit_item(RecordRead("r1", 0), outcome="failed", error="not-found")
    AuditItem(action='record-read', target='record:r1', outcome='failed', \
details={'messages': 0, 'error': 'not-found'})
    """
    chosen = outcome or getattr(event, "outcome", "ok")
    if chosen not in OUTCOMES:
        raise ValueError(f"outcome {chosen!r} is not one of {OUTCOMES}")
    if getattr(event, "chain", None) == "ledger" and chosen != "ok":
        # a change that failed (an export refused): recorded under its kind, with what it
        # asked for; one that succeeded is noted with its ledger entry (ledger_item)
        registered(event, chain="ledger")
        details = {k: v for k, v in event.payload().items() if k != "entity"}
    else:
        registered(event, chain="audit")  # a bug in the caller: a TypeError
        details = event.details()
    if error is not None:
        details = {**details, "error": error}
    return AuditItem(event.kind, event.target[:TARGET_MAX], chosen, details)


def ledger_item(event: Any, entry: LedgerEntry) -> AuditItem:
    """The entry noting a ledger entry in the trail: its kind and target, and its position and
    hash (never its payload, which disposal may later redact).

    >>> from commsgov.records.events import OutageEnded
    >>> e = LedgerEntry(7, "t", "ann", "outage-ended", None, "{}", "c" * 64, "p" * 64, "h" * 64)
    >>> item = ledger_item(OutageEnded("o1", "t", "ann"), e)
    >>> item.action, item.target, item.details["ledger_seq"]
    ('outage-ended', 'outage:o1', 7)
    """
    registered(event, chain="ledger")
    details = {"ledger_seq": entry.seq, "entry_hash": entry.entry_hash}
    return AuditItem(event.kind, event.target[:TARGET_MAX], "ok", details)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the audit trail, exactly as stored."""

    seq: int
    at: str
    actor: str
    source: str
    address: str | None
    user_agent: str | None
    action: str
    target: str
    outcome: str
    details: str
    prev_hash: str
    entry_hash: str

    def to_dict(self) -> dict[str, Any]:
        """Every field (``details`` as JSON text, exactly as hashed)."""
        return asdict(self)


def audit_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    source: str,
    address: str | None,
    user_agent: str | None,
    action: str,
    target: str,
    outcome: str,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one entry, committing to all its fields and its predecessor.

    >>> audit_hash(seq=1, at="t", actor="a", source="cli", address=None, user_agent=None,
    ...            action="signed-in", target="user:a", outcome="ok", details="{}",
    ...            prev_hash=GENESIS)[:12]
    'eb9ee1faee1c'
    """
    fields = [seq, at, actor, source, address, user_agent, action, target, outcome, details]
    return sha256_hex(canonical_bytes([*fields, prev_hash]))


def make_audit_entry(
    event: Any, *, actor: Actor, seq: int, prev_hash: str, at: dt.datetime
) -> AuditEntry:
    """The entry that appends ``event`` (an :class:`AuditItem`, or an event of the trail) by
    ``actor`` after the entry hashed ``prev_hash``.

    >>> from commsgov.accounts.events import SignedOut
    >>> e = make_audit_entry(SignedOut("ann"), actor=Actor.cli("ann"), seq=1,
    ...                      prev_hash=GENESIS, at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> e.action, e.target, e.outcome, e.source
    ('signed-out', 'user:ann', 'ok', 'cli')
    """
    item = event if isinstance(event, AuditItem) else audit_item(event)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": utc_text(at),
        "actor": actor.name,
        "source": actor.source,
        "address": actor.address,
        "user_agent": actor.user_agent,
        "action": item.action,
        "target": item.target,
        "outcome": item.outcome,
        "details": canonical_json(item.details),
        "prev_hash": prev_hash,
    }
    return AuditEntry(**fields, entry_hash=audit_hash(**fields))


@dataclass(frozen=True, slots=True)
class AuditBreak:
    """Where the chain breaks: the entry's ``seq`` and what is wrong there."""

    seq: int
    problem: str


def check_chain(entries: Iterable[AuditEntry], *, start_seq: int = 1,
                prev_hash: str = GENESIS) -> tuple[int, AuditBreak | None]:  # fmt: skip
    """Recompute the chain over ``entries`` (in ``seq`` order): how many were checked, and the
    first break (``None`` when every link holds).

    >>> from commsgov.accounts.events import SignedOut
    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> one = make_audit_entry(SignedOut("a"), actor=Actor.cli("a"), seq=1, prev_hash=GENESIS,
    ...                        at=at)
    >>> check_chain([one])
    (1, None)
    >>> import dataclasses
    >>> check_chain([dataclasses.replace(one, actor="b")])[1].problem
    'entry 1: its hash does not match its fields (edited?)'
    """
    expected_seq, prev = start_seq, prev_hash
    checked = 0
    for entry in entries:
        checked += 1
        if entry.seq != expected_seq:
            return checked, AuditBreak(
                entry.seq, f"entry {expected_seq} is missing (found {entry.seq} next: deleted?)"
            )
        if entry.prev_hash != prev:
            return checked, AuditBreak(
                entry.seq, f"entry {entry.seq}: does not follow the entry before it"
            )
        fields = entry.to_dict()
        del fields["entry_hash"]
        if audit_hash(**fields) != entry.entry_hash:
            return checked, AuditBreak(
                entry.seq, f"entry {entry.seq}: its hash does not match its fields (edited?)"
            )
        if entry.action not in AUDIT_ACTIONS:
            return checked, AuditBreak(entry.seq, f"entry {entry.seq}: unknown action")
        expected_seq, prev = entry.seq + 1, entry.entry_hash
    return checked, None

"""What the ledger proves about retention, for the services that destroy or hand over records.

A disposal must act on the ledger, not on tables SQL can change: :func:`prove` reads the
entries of every hold and transfer and of the records asked about, checks each against its own
hashes and its successor's ``prev_hash``, checks that no entry is missing and that the chain
still reaches the latest signed checkpoint with its hash, and replays them
(:class:`~commsgov.records.retention_state.RetentionReplay`, and each record's state from its
capture and corrections). Entries that fail any check mean the ledger was tampered with: an
:class:`~commsgov.errors.IntegrityError`, and nothing is disposed of.

Why this is enough without replaying the whole chain: changing an entry changes its hash, which
its successor's ``prev_hash`` must name; rewriting every later entry to hide that changes the
head, which must match the signed checkpoint; deleting an entry leaves a gap in ``seq``, and
renumbering after it is a rewrite. ``verify`` still checks everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commsgov.errors import IntegrityError
from commsgov.records.ledger import LedgerEntry
from commsgov.records.retention_state import RetentionReplay
from commsgov.records.verify import intact, is_redaction
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

__all__ = ["LedgerProofError", "Proof", "prove"]

#: kinds whose entries concern many records (read by kind)
_SHARED_KINDS = ("hold-placed", "hold-lifted", "transfer-built", "transfer-confirmed")


class LedgerProofError(IntegrityError):
    """The ledger cannot prove what a disposal needs (an entry altered, missing or rewritten)."""


@dataclass
class Proof:
    """Holds, transfers and the asked records' retention state and content state, as proved."""

    retention: RetentionReplay
    #: each asked record's state replayed from its entries (``None``: disposed or never captured)
    records: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: each asked record's ``record-captured`` entry
    captured: dict[str, LedgerEntry] = field(default_factory=dict)


def prove(store: Store, conn: Connection, *, uids: Iterable[str]) -> Proof:
    """What the ledger proves about every hold and transfer and about records ``uids``;
    raises :class:`LedgerProofError` naming what is wrong when the ledger cannot be trusted."""
    count, top = rr.ledger_extent(conn)
    if count != top:
        raise LedgerProofError(
            f"the ledger has {top - count} gap(s) below entry {top}: entries were deleted; "
            "nothing is disposed of (run `commsgov verify`)"
        )
    _check_anchor(store, conn, top)
    wanted = list(dict.fromkeys(uids))
    entries: dict[int, LedgerEntry] = {
        e.seq: e for e in rr.entries_of_kinds(conn, kinds=_SHARED_KINDS)
    }
    for uid in wanted:
        entries.update((e.seq, e) for e in repo.entries_for_record(conn, uid=uid))
    ordered = [entries[s] for s in sorted(entries)]
    _check_entries(conn, ordered, top)
    proof = Proof(RetentionReplay())
    states: dict[str, dict[str, Any]] = {}
    for e in ordered:
        problem = proof.retention.entry(e)
        if problem is not None:
            raise LedgerProofError(f"ledger entry {e.seq}: {problem}")
        if e.record_uid is None or is_redaction(e):
            continue
        if e.kind == "record-captured":
            states[e.record_uid] = dict(json.loads(e.payload)["set"])
            proof.captured[e.record_uid] = e
        elif e.kind == "record-corrected" and e.record_uid in states:
            states[e.record_uid].update(json.loads(e.payload)["set"])
        elif e.kind == "record-disposed":
            states.pop(e.record_uid, None)
    proof.records = {uid: states.get(uid) for uid in wanted}
    return proof


def _check_anchor(store: Store, conn: Connection, top: int) -> None:
    """The chain must reach the latest signed checkpoint with the same hash."""
    if store.anchor is None:
        return
    reading = store.anchor.read()
    for found in (reading.log, reading.copy):
        if found is not None and found.forged:
            raise LedgerProofError(
                "a checkpoint in the log is not signed by this store's key: nothing is "
                "disposed of (run `commsgov verify`)"
            )
    latest = reading.latest
    if latest is None:
        return
    if top < latest.seq:
        raise LedgerProofError(
            f"the ledger ends at entry {top} but its head was signed at entry {latest.seq}: "
            "entries are missing; nothing is disposed of (run `commsgov verify`)"
        )
    signed = repo.get_entry(conn, seq=latest.seq)
    if signed is None or signed.entry_hash != latest.head:
        raise LedgerProofError(
            f"ledger entry {latest.seq} is not the one signed at {latest.at}: the ledger was "
            "rewritten; nothing is disposed of (run `commsgov verify`)"
        )


def _check_entries(conn: Connection, entries: list[LedgerEntry], top: int) -> None:
    """Each entry matches its hashes, and the entry after it names it."""
    following = rr.prev_hashes(conn, seqs=(e.seq + 1 for e in entries if e.seq < top))
    for e in entries:
        if not intact(e):
            raise LedgerProofError(
                f"ledger entry {e.seq} ({e.kind}) does not match its hashes: it was altered; "
                "nothing is disposed of (run `commsgov verify`)"
            )
        if e.seq < top and following.get(e.seq + 1) != e.entry_hash:
            raise LedgerProofError(
                f"ledger entry {e.seq} ({e.kind}) is not the one entry {e.seq + 1} follows: "
                "the ledger was altered; nothing is disposed of (run `commsgov verify`)"
            )

"""Verify: recompute the whole chain and every stored hash, and the audit trail's chain; stop at
the first broken link."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from commsgov.accounts.actor import Actor
from commsgov.records.identities import participant_identities
from commsgov.records.verify import Break, Verifier
from commsgov.store import repo, repo_verify
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.store.checkpoint_log import AnchorReading


__all__ = ["Problem", "VerifyReport", "verify"]


@dataclass(frozen=True, slots=True)
class Problem:
    """The first broken link verify found: which check, where (entry, record), what differs,
    and all of it in one sentence (``message``, also ``str()``)."""

    check: str
    entry_seq: int | None
    record_uid: str | None
    detail: str
    message: str

    @classmethod
    def of(cls, found: Break) -> Problem:
        """From the verifier's :class:`~commsgov.records.verify.Break`."""
        return cls(found.check, found.entry_seq, found.record_uid, found.detail, str(found))

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :func:`verify`: whether everything verified, the first problem (if any),
    what was checked, the head of the chain, stored files no record refers to, the store's
    identity and the latest signed checkpoint (``unanchored``: entries after it, none normally),
    temporary files left by interrupted writes, notes that are not failures, and how many
    entries of the audit trail were checked."""

    ok: bool
    problem: Problem | None
    entries: int
    records: int
    messages: int
    outages: int
    blobs: int
    head_seq: int
    head_hash: str
    orphan_blobs: tuple[str, ...]
    #: register entries checked against the ledger
    registers: int = 0
    store_id: str | None = None
    checkpoint_seq: int | None = None
    checkpoint_at: str | None = None
    unanchored: int = 0
    temp_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    audit_entries: int = 0


def verify(store: Store, *, actor: Actor, check_blobs: bool = True) -> VerifyReport:
    """Recompute the whole chain and every stored hash; stop at the first broken link.

    The chain must reach the latest checkpoint signed outside the database (read before the
    database, so everything it names was committed first), with the same hash.
    """
    from commsgov.services import audit

    reading = store.anchor.read() if store.anchor is not None else None
    verifier = Verifier(anchored=reading.latest if reading is not None else None)
    records = outages = blobs_checked = registers = audited = 0
    orphans: tuple[str, ...] = ()
    try:
        with store.read() as conn:
            problem, records, outages, blobs_checked, orphans = _verify(
                store, conn, verifier, check_blobs=check_blobs
            )
            if problem is None:
                problem, registers = _registers(conn, verifier)
            if problem is None:  # the trail notes the ledger: checked once the ledger holds
                trail = audit.check(conn)
                audited = trail.entries
                if trail.problem is not None:
                    problem = Break("audit", f"audit trail {trail.problem}")
    except (ValueError, TypeError, KeyError, UnicodeError, sqlite3.Error, DBAPIError) as exc:
        # rows a tamperer made unreadable (bad UTF-8, wrong types, broken JSON) are a break too
        problem = Break("unreadable", f"{type(exc).__name__}: {exc}".splitlines()[0])
    anchor_problem, notes = _anchor_findings(store, reading, verifier)
    problem = problem or anchor_problem
    latest = reading.latest if reading is not None else None
    identity = reading.identity if reading is not None else None
    return VerifyReport(
        problem is None,
        None if problem is None else Problem.of(problem),
        verifier.entries,
        records,
        verifier.messages_checked,
        outages,
        blobs_checked,
        verifier.entries,
        verifier.head_hash,
        orphans,
        registers,
        store_id=identity.id if identity is not None else None,
        checkpoint_seq=latest.seq if latest is not None else None,
        checkpoint_at=latest.at if latest is not None else None,
        unanchored=max(0, verifier.entries - (latest.seq if latest is not None else 0)),
        temp_files=tuple(map(str, store.blobs.stale_temporary())) if check_blobs else (),
        notes=notes,
        audit_entries=audited,
    )


def _retention(conn: Connection, verifier: Verifier) -> Break | None:
    """The retention tables against the ledger (holds, reviews, classes, approvals, stubs)."""
    import json

    from commsgov.records.retention_state import DEFAULT_CLASS
    from commsgov.retention.certificates import Certificate
    from commsgov.store import repo_retention as rr
    from commsgov.store.tables_retention import (
        retention_holds,
        retention_reviews,
        retention_stubs,
        retention_transfers,
    )

    stubs = []
    for row in rr.all_rows(conn, retention_stubs):
        computed = Certificate.from_stored(json.loads(row["certificate"])).sha256()
        stubs.append({**row, "computed_sha256": computed})
    return verifier.retention_rows(
        holds=rr.all_rows(conn, retention_holds),
        reviews=rr.all_rows(conn, retention_reviews),
        items=rr.unusual_items(conn, default_class=DEFAULT_CLASS),
        stubs=stubs,
        transfers=rr.all_rows(conn, retention_transfers),
    )


def _anchor_findings(
    store: Store, reading: AnchorReading | None, verifier: Verifier
) -> tuple[Break | None, tuple[str, ...]]:
    """What the checkpoint logs say beyond the latest checkpoint: a forged line or a missing
    log is a problem; a store never anchored, unreadable lines and other keys are notes."""
    anchor = store.anchor
    if anchor is None or reading is None:
        return None, ()
    if reading.identity is None:
        if verifier.entries:
            return None, (
                f"the head is not signed yet (no key at {anchor.key_file}): the next change "
                "creates the key and signs it",
            )
        return None, ()
    notes: list[str] = []
    if reading.identity.loosely_protected():
        notes.append(f"the signing key {anchor.key_file} is readable by others: chmod 600 it")
    for path, found in ((anchor.log, reading.log), (anchor.copy, reading.copy)):
        if path is None:
            continue
        if found is None:
            if verifier.entries:
                return Break(
                    "checkpoint",
                    f"the checkpoint log {path} is missing although the store's signing key "
                    "exists: it was deleted or moved",
                ), tuple(notes)
            continue
        if found.forged:
            return Break(
                "checkpoint",
                f"line {found.forged[0]} from the end of {path} is not signed by this store's "
                "key: a checkpoint was forged or altered",
            ), tuple(notes)
        if found.unreadable:
            notes.append(f"{len(found.unreadable)} line(s) of {path} could not be read")
        if found.other_keys:
            notes.append(
                f"{found.other_keys} checkpoint(s) in {path} were signed by another key "
                "(not checked)"
            )
    problem = verifier.reached_anchor()
    if problem is None and reading.latest is not None and verifier.entries > reading.latest.seq:
        unsigned = verifier.entries - reading.latest.seq
        what = "the newest entry is" if unsigned == 1 else f"the {unsigned} newest entries are"
        notes.append(
            f"{what} not signed yet (a write ended before signing): the next change signs the head"
        )
    return problem, tuple(notes)


def _registers(conn: Connection, verifier: Verifier) -> tuple[Break | None, int]:
    """The register tables against the register events the verifier replayed."""
    from commsgov.registers.replay import check
    from commsgov.store import repo_registers

    return check(verifier.registers, repo_registers.all_states(conn))


def _identities(conn: Connection, states: list[dict[str, Any]]) -> Break | None:
    """Each record's stored participant identities (what a staff member's reads are filtered
    by) are exactly those its participants carry."""
    stored = repo.record_identity_rows(conn)
    for state in states:
        want = participant_identities(state["participants"] or [])
        if stored.pop(state["uid"], ()) != want:
            return Break(
                "identities", "its participants' identities are not what is stored for them",
                record_uid=state["uid"],
            )  # fmt: skip
    for uid in stored:
        return Break("identities", "identities are stored for a record that is not there",
                     record_uid=uid)  # fmt: skip
    return None


def _record_copies(conn: Connection) -> Break | None:
    """Each retention item's copies of its record's columns (what the due sweep decides holds
    on) are the record's values: the records themselves were just checked against the ledger."""
    from commsgov.store import repo_retention as rr

    stale = rr.copies_out_of_step(conn)
    if stale is None:
        return None
    uid, name = stale
    return Break(
        "retention",
        f"the retention item's copy of {name} differs from the record's, so a hold could miss "
        "the record (the record itself verifies: restore the item's row from a backup)",
        record_uid=uid,
    )


def _verify(
    store: Store, conn: Connection, verifier: Verifier, *, check_blobs: bool
) -> tuple[Break | None, int, int, int, tuple[str, ...]]:
    records = outages = blobs_checked = 0
    problem: Break | None = None
    orphans: tuple[str, ...] = ()
    for entry in repo.iter_ledger(conn):
        problem = verifier.entry(entry)
        if problem:
            break
    if problem is None:
        states = list(repo.iter_record_states(conn))
        records = len(states)
        problem = verifier.record_rows(states)
    if problem is None:
        problem = _identities(conn, states)
    if problem is None:
        outage_rows = repo.list_outages(conn)
        outages = len(outage_rows)
        problem = verifier.outage_rows(outage_rows)
    if problem is None:
        problem = _retention(conn, verifier)
    if problem is None:
        problem = _record_copies(conn)
    if problem is None:
        # the database builds the messages' canonical bytes; what does not match is rechecked
        # exactly from the rows (see commsgov.store.repo_verify)
        problem = verifier.message_digests(
            repo_verify.entry_digests(conn, batches=verifier.message_batches()),
            total=repo.count_messages(conn),
            rows=lambda seq: repo.iter_message_rows(conn, entry_seq=seq),
        )
    if problem is None and check_blobs:
        sizes = repo.blob_sizes(conn)
        registered = set(sizes)
        for digest in sorted(verifier.referenced_blobs()):
            if digest not in registered:
                problem = Break("blob", f"file {digest} is referenced but not registered")
                break
        if problem is None:
            for digest in sorted(registered):
                issue = store.blobs.check(digest, size=sizes[digest])
                blobs_checked += 1
                if issue:
                    problem = Break("blob", issue)
                    break
        orphans = tuple(sorted(set(store.blobs.all()) - registered))
    return problem, records, outages, blobs_checked, orphans

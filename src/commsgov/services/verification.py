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
    what was checked, the head of the chain, stored files no record refers to, and how many
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
    audit_entries: int = 0


def verify(store: Store, *, actor: Actor, check_blobs: bool = True) -> VerifyReport:
    """Recompute the whole chain and every stored hash; stop at the first broken link."""
    from commsgov.services import audit

    verifier = Verifier()
    records = outages = blobs_checked = audited = 0
    orphans: tuple[str, ...] = ()
    try:
        with store.read() as conn:
            problem, records, outages, blobs_checked, orphans = _verify(
                store, conn, verifier, check_blobs=check_blobs
            )
            if problem is None:  # the trail notes the ledger: checked once the ledger holds
                trail = audit.check(conn)
                audited = trail.entries
                if trail.problem is not None:
                    problem = Break("audit", f"audit trail {trail.problem}")
    except (ValueError, TypeError, KeyError, UnicodeError, sqlite3.Error, DBAPIError) as exc:
        # rows a tamperer made unreadable (bad UTF-8, wrong types, broken JSON) are a break too
        problem = Break("unreadable", f"{type(exc).__name__}: {exc}".splitlines()[0])
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
        audited,
    )


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

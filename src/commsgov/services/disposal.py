"""Disposal: destroy what may be destroyed (a residual stub, a certificate and redacted ledger
payloads remain), checking holds at that moment.

The retention tables say what looks due; the ledger decides (:mod:`commsgov.services.proof`): a
record is destroyed only when the ledger proves its approval (or its record class, whose
schedule deletes it by then), and kept when any hold the ledger or the table knows covers it.
A table row the ledger does not back is refused and reported."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commsgov.accounts.actor import Actor
from commsgov.records.canonical import canonical_json
from commsgov.records.errors import NotFoundError
from commsgov.records.events import DestructionCertified, RecordDisposed, TransferCertified
from commsgov.records.links import links_of
from commsgov.records.models import record_hash
from commsgov.records.timestamps import utc_text
from commsgov.retention import HoldScope, Schedule
from commsgov.retention.certificates import (
    Certificate,
    CheckedHold,
    CheckedReview,
    DisposedWhat,
    LedgerRef,
    ResidualStub,
    ScheduleAuthority,
    StubEntry,
)
from commsgov.services._support import clock, hex_text, judged_at
from commsgov.services.dispositions import (
    active_scopes,
    disposition,
    explicit_settings,
    hold_of,
    item_of,
    proved_scopes,
    sync,
)
from commsgov.services.ledger import append_events
from commsgov.services.schedules import citations_of, load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack
    from commsgov.services.proof import Proof

__all__ = [
    "Destroyed",
    "DisposalReport",
    "Kept",
    "dispose",
    "dispose_one",
    "held_now",
    "remove_files",
]


@dataclass(frozen=True, slots=True)
class Destroyed:
    """A record destroyed (or, in a dry run, that would be): under which authority, and the
    SHA-256 of its destruction certificate (``None`` in a dry run)."""

    uid: str
    authority: str
    certificate_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Kept:
    """A record due for destruction that was kept, and why (a hold)."""

    uid: str
    reason: str


@dataclass(frozen=True, slots=True)
class DisposalReport:
    """What a disposal run destroyed, what it kept under a hold, and what it refused because
    the ledger does not back what the table says (``refused``: tampering, or a changed pack)."""

    destroyed: tuple[Destroyed, ...]
    skipped: tuple[Kept, ...]
    dry_run: bool
    refused: tuple[Kept, ...] = ()


def _hold_history(conn: Connection, uid: str) -> tuple[CheckedHold, ...]:
    """Every hold that ever covered record ``uid`` (lifted ones too)."""
    history = []
    for row in rr.list_holds(conn):
        hold = hold_of(row)
        if rr.held_uids(conn, uids=[uid], held=[hold.scope]):
            history.append(
                CheckedHold(
                    uid=hold.id,
                    name=hold.name,
                    mandate=hold.mandate,
                    placed_by=hold.placed_by,
                    placed_at=row["placed_at_utc"],
                    lifted_by=hold.lifted_by,
                    lifted_at=row["lifted_at_utc"],
                    lift_reason=hold.lift_reason,
                )
            )
    return tuple(history)


def dispose_one(
    store: Store,
    conn: Connection,
    uid: str,
    *,
    outcome: str,
    authority: str,
    schedules: dict[str, Schedule],
    actor: Actor,
    now: dt.datetime,
    consignment: str | None = None,
    package_sha256: str | None = None,
    decision: tuple[LedgerRef, ...] = (),
) -> tuple[Certificate, list[str]]:
    """Destroy one record's content (or complete its transfer to ``consignment``); stub,
    certificate, ledger.

    Returns the certificate and the blob files to remove after the transaction commits.
    """
    found = repo.resolve_record(conn, ref=uid)
    item_row = rr.get_item(conn, uid=uid)
    if found is None or item_row is None:
        raise NotFoundError(f"no record {uid!r} to dispose of")
    state = repo.get_record_state(conn, record_id=found[0])
    record_sha = record_hash(state)
    history = repo.entries_for_record(conn, uid=uid)
    message_rows = repo.messages_of_record(conn, record_id=found[0], limit=None)
    blob_candidates = {a["sha256"] for a in state.get("attachments", []) if a.get("sha256")}
    # Every original file the record came from: its own source and any that joined it later.
    blob_candidates |= repo.source_hashes(conn, uid=uid)
    for m in message_rows:
        blob_candidates.update(
            a["sha256"] for a in json.loads(m["attachments_json"]) if a.get("sha256")
        )  # a reference-only file (no sha256) was never stored
    # files linked to its messages later (a zip imported after its .txt)
    blob_candidates.update(str(x["sha256"]) for x in links_of(history) if x.get("sha256"))
    schedule = schedules.get(item_row["record_class"])
    reviews = rr.reviews_of(conn, uid=uid)
    holds = _hold_history(conn, uid)
    stub = ResidualStub.of_record(
        state,
        record_class=item_row["record_class"],
        record_sha256=record_sha,
        message_sha256=tuple(hex_text(m["sha256"]) for m in message_rows),
        ledger=tuple(StubEntry(e.seq, e.kind, e.entry_hash, e.content_sha256) for e in history),
        schedule=schedule.id if schedule else item_row["record_class"],
        due_at_utc=item_row["due_at_utc"],
        holds=holds,
        reviews=tuple(
            CheckedReview(
                r["stage"], r["decision"], r["reviewer"], r["reason"], r["decided_at_utc"]
            )
            for r in reviews
        ),
    )
    certificate = Certificate(
        certificate="destruction" if outcome == "destroyed" else "transfer",
        record_uid=uid,
        record_sha256=record_sha,
        what=DisposedWhat(
            state["method"], state["occurred_at_utc"], len(message_rows), len(state["attachments"])
        ),
        when=utc_text(now),
        authority=authority,
        schedule=ScheduleAuthority(schedule.id, schedule.mandate, citations_of(schedule))
        if schedule
        else None,
        approved_by=tuple(
            sorted({r["reviewer"] for r in reviews if r["decision"] in ("destroy", "transfer")})
        ),
        executed_by=actor.name,
        holds_checked=tuple(h.name for h in holds),
        consignment=consignment,
        package_sha256=package_sha256,
        decision=decision,
    )
    certificate_sha = certificate.sha256()
    action = "delete" if outcome == "destroyed" else "transfer"
    disposed, certified = append_events(
        conn,
        [
            RecordDisposed(uid, action, authority),
            (DestructionCertified if outcome == "destroyed" else TransferCertified)(
                uid, certificate_sha256=certificate_sha, record_sha256=record_sha
            ),
        ],
        actor=actor,
        now=now,
    )
    certificate = certificate.with_entry(disposed.seq)
    repo.delete_record(conn, uid=uid)
    redacted = rr.redact_record_payloads(conn, uid=uid, disposed_seq=disposed.seq)
    rr.insert_stub(
        conn,
        row={
            "record_uid": uid,
            "disposed_at_utc": utc_text(now),
            "outcome": outcome,
            "stub": canonical_json(ResidualStub.stored(stub) | {"redacted_entries": redacted}),
            "certificate": canonical_json(certificate.stored()),
            "certificate_sha256": certificate_sha,
            "entry_seq": certified.seq,
        },
    )
    rr.update_item(conn, uid=uid, values={"status": outcome, "updated_at_utc": utc_text(now)})
    gone = rr.unreferenced_blobs(conn, candidates=blob_candidates)
    rr.delete_blob_rows(conn, digests=gone)
    return certificate, gone


def remove_files(store: Store, digests: Iterable[str]) -> None:
    """Delete blob files whose rows a committed disposal removed."""
    for digest in digests:
        store.blobs.delete(digest)


def dispose(
    store: Store,
    *,
    as_of: dt.date | dt.datetime | None = None,
    pack: CompiledPack | None = None,
    actor: Actor,
    dry_run: bool = False,
    zone: str | None = None,
    now: dt.datetime | None = None,
) -> DisposalReport:
    """Destroy what may be destroyed by ``as_of`` (default now; a date: the end of that day in
    ``zone``): approved destructions, and due ``delete`` schedules, as the ledger proves them.

    Holds are checked again at this moment, those of the ledger and of the table: a record held
    since its approval is skipped. A row the ledger does not back is refused (reported, kept);
    a ledger that fails its own checks refuses everything (:class:`LedgerProofError`).
    """
    from commsgov.services.proof import prove

    now = clock(now)
    as_of = judged_at(as_of, now=now, zone=zone)
    schedules = load_schedules(pack)
    sync(store, actor=actor, pack=pack, now=now)
    destroyed: list[Destroyed] = []
    skipped: list[Kept] = []
    refused: list[Kept] = []
    files: list[str] = []
    cutoff = utc_text(as_of)
    with store.write() as conn:
        table_scopes = active_scopes(conn, schedules, pack=pack)
        approved = rr.items_with_status(conn, statuses=["approved-destroy"])
        scheduled = rr.due_items(conn, as_of=cutoff, held=table_scopes, action="delete")
        candidates = [(r["record_uid"], "approved") for r in approved] + [
            (r["record_uid"], "schedule") for r in scheduled
        ]
        uids = [u for u, _ in candidates]
        proof = prove(store, conn, uids=uids)
        held = held_now(conn, proof, uids, table_scopes, schedules, pack=pack)
        for uid, why in candidates:
            if uid in held:
                skipped.append(Kept(uid, "under a hold"))
                continue
            basis = _basis(proof, uid, why, schedules, cutoff)
            if isinstance(basis, str):
                refused.append(Kept(uid, basis))
                continue
            if dry_run:
                destroyed.append(Destroyed(uid, why))
                continue
            row = rr.get_item(conn, uid=uid)
            assert row is not None
            record_class = proof.retention.item(uid).record_class
            schedule = schedules.get(record_class)
            if why == "approved":
                authority = f"disposal review approved destruction (schedule {record_class})"
            else:
                authority = (
                    f"schedule {record_class}: delete after "
                    f"{schedule.period if schedule else '?'} without review"
                )
            certificate, gone = dispose_one(
                store,
                conn,
                uid,
                outcome="destroyed",
                authority=authority,
                schedules=schedules,
                actor=actor,
                now=now,
                decision=basis,
            )
            files += gone
            destroyed.append(Destroyed(uid, authority, certificate.sha256()))
    if not dry_run:
        remove_files(store, files)
    return DisposalReport(
        destroyed=tuple(destroyed),
        skipped=tuple(skipped),
        dry_run=dry_run,
        refused=tuple(refused),
    )


def held_now(
    conn: Connection,
    proof: Proof,
    uids: list[str],
    table_scopes: list[HoldScope],
    schedules: dict[str, Schedule],
    *,
    pack: CompiledPack | None = None,
) -> set[str]:
    """Which of ``uids`` a hold covers now: a hold of the table or of the ledger, matched on
    the table's record or on the record the ledger proves (when in doubt, keep)."""
    scopes = [*table_scopes, *proved_scopes(proof.retention, schedules, pack=pack)]
    held = rr.held_uids(conn, uids=uids, held=scopes)
    for uid in uids:
        state = proof.records.get(uid)
        if state is None or uid in held:
            continue
        item = item_of(state, proof.retention.item(uid).record_class)
        if any(scope.matches(item) for scope in scopes):
            held.add(uid)
    return held


def _basis(
    proof: Proof, uid: str, why: str, schedules: dict[str, Schedule], cutoff: str
) -> tuple[LedgerRef, ...] | str:
    """The ledger entries that allow destroying ``uid`` now, or why the ledger does not."""
    item = proof.retention.item(uid)
    state = proof.records.get(uid)
    if state is None:
        return "the ledger has no record to destroy (its capture is missing or disposed of)"
    if why == "approved":
        if item.status != "approved-destroy" or not item.decision:
            return (
                "the table says it is approved for destruction, but the ledger has no such "
                f"approval (status {item.status}): kept; run `commsgov verify`"
            )
        return tuple(LedgerRef(d.seq, d.kind, d.entry_hash) for d in item.decision)
    schedule = schedules.get(item.record_class)
    if item.status != "scheduled":
        return f"the table says it is due for deletion, but the ledger has it {item.status}"
    due, action = disposition(
        item_of(state, item.record_class),
        schedules,
        explicit_settings({"explicit": item.row()["explicit"]}),
    )
    if schedule is None or action != "delete" or due is None or due > cutoff:
        when = f"on {due[:10]}" if due else "at review"
        return (
            f"the table says it is due for deletion, but its record class on the ledger "
            f"({item.record_class}) and the pack's schedule have it {action or 'kept'} {when}"
        )
    basis = item.classified or proof.captured.get(uid)
    return () if basis is None else (LedgerRef(basis.seq, basis.kind, basis.entry_hash),)

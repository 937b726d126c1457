"""Disposal: destroy what may be destroyed (a residual stub, a certificate and redacted ledger
payloads remain), checking holds at that moment."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from commsgov.records.canonical import (
    canonical_json,
    sha256_hex,
)
from commsgov.records.errors import NotFoundError
from commsgov.records.events import (
    Note,
    RecordDisposed,
)
from commsgov.records.models import (
    record_hash,
)
from commsgov.records.timestamps import utc_text
from commsgov.retention import (
    Schedule,
)
from commsgov.services._support import clock, hex_text
from commsgov.services.actor import Actor
from commsgov.services.dispositions import active_scopes, hold_of, sync
from commsgov.services.ledger import append_events
from commsgov.services.schedules import citations_of, load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = ["dispose"]


def _hold_history(conn: Connection, state: dict[str, Any]) -> list[dict[str, Any]]:
    history = []
    for row in rr.list_holds(conn):
        hold = hold_of(row)
        if rr.held_uids(conn, uids=[state["uid"]], held=[hold.scope]):
            history.append(
                {
                    "uid": hold.id,
                    "name": hold.name,
                    "mandate": hold.mandate,
                    "placed_by": hold.placed_by,
                    "placed_at": row["placed_at_utc"],
                    "lifted_by": hold.lifted_by,
                    "lifted_at": row["lifted_at_utc"],
                    "lift_reason": hold.lift_reason,
                }
            )
    return history


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
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Destroy one record's content (or complete its transfer); stub, certificate, ledger.

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
    schedule = schedules.get(item_row["record_class"])
    reviews = rr.reviews_of(conn, uid=uid)
    holds = _hold_history(conn, state)
    stub = {
        "uid": uid,
        "record_class": item_row["record_class"],
        "method": state["method"],
        "device": state["device"],
        "occurred_at_utc": state["occurred_at_utc"],
        "occurred_zone": state["occurred_zone"],
        "captured_at_utc": state["captured_at_utc"],
        "captured_by": state["captured_by"],
        "participants": state["participants"],
        "outage_uid": state["outage_uid"],
        "scenario": state["scenario"],
        "record_sha256": record_sha,
        "attachments": [{"sha256": a["sha256"], "size": a["size"]} for a in state["attachments"]],
        "message_count": len(message_rows),
        "message_sha256": [hex_text(m["sha256"]) for m in message_rows],
        "ledger": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "entry_hash": e.entry_hash,
                "content_sha256": e.content_sha256,
            }
            for e in history
        ],
        "schedule": schedule.id if schedule else item_row["record_class"],
        "due_at_utc": item_row["due_at_utc"],
        "holds": holds,
        "reviews": [
            {k: r[k] for k in ("stage", "decision", "reviewer", "reason", "decided_at_utc")}
            for r in reviews
        ],
    }
    approvers = sorted({r["reviewer"] for r in reviews if r["decision"] in ("destroy", "transfer")})
    certificate = {
        "certificate": "destruction" if outcome == "destroyed" else "transfer",
        "record_uid": uid,
        "record_sha256": record_sha,
        "what": {
            "method": state["method"],
            "occurred_at_utc": state["occurred_at_utc"],
            "messages": len(message_rows),
            "attachments": len(state["attachments"]),
        },
        "when": utc_text(now),
        "authority": authority,
        "schedule": {
            "id": schedule.id,
            "mandate": schedule.mandate,
            "citations": citations_of(schedule),
        }
        if schedule
        else None,
        "approved_by": approvers,
        "executed_by": actor.name,
        "holds_checked": [h["name"] for h in holds],
        **(extra or {}),
    }
    certificate_sha = sha256_hex(canonical_json(certificate))
    action = "delete" if outcome == "destroyed" else "transfer"
    disposed, certified = append_events(
        conn,
        [
            RecordDisposed(uid, action, authority),
            Note(
                "destruction-certified" if outcome == "destroyed" else "transfer-certified",
                uid,
                {"certificate_sha256": certificate_sha, "record_sha256": record_sha},
            ),
        ],
        actor=actor,
        now=now,
    )
    certificate["ledger_entry"] = disposed.seq
    repo.delete_record(conn, uid=uid)
    stub["redacted_entries"] = rr.redact_record_payloads(conn, uid=uid, disposed_seq=disposed.seq)
    rr.insert_stub(
        conn,
        row={
            "record_uid": uid,
            "disposed_at_utc": utc_text(now),
            "outcome": outcome,
            "stub": canonical_json(stub),
            "certificate": canonical_json(certificate),
            "certificate_sha256": certificate_sha,
            "entry_seq": certified.seq,
        },
    )
    rr.update_item(conn, uid=uid, values={"status": outcome, "updated_at_utc": utc_text(now)})
    gone = rr.unreferenced_blobs(conn, candidates=blob_candidates)
    rr.delete_blob_rows(conn, digests=gone)
    return certificate, gone


def remove_files(store: Store, digests: Iterable[str]) -> None:
    for digest in digests:
        path = store.blobs.path(digest)
        path.unlink(missing_ok=True)


def dispose(
    store: Store,
    *,
    as_of: dt.datetime,
    pack: CompiledPack | None = None,
    actor: Actor,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Destroy what may be destroyed: approved destructions, and due ``delete`` schedules.

    Holds are checked again at this moment: a record held since its approval is skipped.
    """
    now = clock(now)
    schedules = load_schedules(pack)
    sync(store, actor=actor, pack=pack, now=now)
    destroyed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    files: list[str] = []
    with store.write() as conn:
        scopes = active_scopes(conn, schedules)
        approved = rr.items_with_status(conn, statuses=["approved-destroy"])
        scheduled = rr.due_items(conn, as_of=utc_text(as_of), held=scopes, action="delete")
        candidates = [(r["record_uid"], "approved") for r in approved] + [
            (r["record_uid"], "schedule") for r in scheduled
        ]
        held = rr.held_uids(conn, uids=[u for u, _ in candidates], held=scopes)
        for uid, why in candidates:
            if uid in held:
                skipped.append({"uid": uid, "reason": "under a hold"})
                continue
            if dry_run:
                destroyed.append({"uid": uid, "authority": why})
                continue
            row = rr.get_item(conn, uid=uid)
            assert row is not None
            schedule = schedules.get(row["record_class"])
            if why == "approved":
                authority = f"disposal review approved destruction (schedule {row['record_class']})"
            else:
                authority = (
                    f"schedule {row['record_class']}: delete after "
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
            )
            files += gone
            destroyed.append(
                {
                    "uid": uid,
                    "authority": authority,
                    "certificate_sha256": sha256_hex(
                        canonical_json(
                            {k: v for k, v in certificate.items() if k != "ledger_entry"}
                        )
                    ),
                }
            )
    if not dry_run:
        remove_files(store, files)
    return {"destroyed": destroyed, "skipped": skipped, "dry_run": dry_run}

"""Disposal review: a reviewer's decision on records, one by one or in bulk, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import ReviewDecided
from commsgov.records.timestamps import utc_text
from commsgov.retention import (
    ReviewError,
    Setting,
    review_transition,
)
from commsgov.services._support import clock, judged_at
from commsgov.services.dispositions import active_scopes, explicit_settings, recompute, sync
from commsgov.services.ledger import append_events
from commsgov.services.proof import LedgerProofError, prove
from commsgov.services.schedules import load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = ["Reviewed", "review"]


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A review decision recorded: the record's new status and due date, and its entry."""

    uid: str
    decision: str
    status: str
    due: str | None
    entry_seq: int


def review(
    store: Store,
    *,
    uids: Sequence[str] = (),
    all_due: bool = False,
    as_of: dt.date | dt.datetime | None = None,
    decision: str,
    reason: str,
    until: dt.date | dt.datetime | None = None,
    stage: int = 1,
    stages_required: int = 1,
    actor: Actor,
    pack: CompiledPack | None = None,
    zone: str | None = None,
    now: dt.datetime | None = None,
) -> list[Reviewed]:
    """Record a reviewer's decision on records (or every due record); one transaction.

    ``destroy`` and ``transfer`` approve disposal (``stages_required=2``: a second reviewer
    must agree at ``stage=2``); ``extend`` needs ``until`` and sets an explicit review date (a
    date: the end of that day in ``zone``, the configured zone by default);
    ``defer`` leaves the item due for a later review. Held records cannot be approved.
    """
    now = clock(now)
    until = None if until is None else judged_at(until, now=now, zone=zone)
    if not reason.strip():
        raise InvalidFieldError("reason", "say why (the reason is kept with the decision)")
    if decision == "extend" and until is None:
        raise InvalidFieldError("until", "an extension needs the new review date")
    if decision == "extend" and until is not None and until <= now:
        raise InvalidFieldError("until", "the new review date must be in the future")
    schedules = load_schedules(pack)
    sync(store, actor=actor, pack=pack, now=now)
    results: list[Reviewed] = []
    with store.write() as conn:
        targets: list[str] = []
        for ref in uids:
            found = repo.resolve_record(conn, ref=ref)
            if found is None:
                stub = rr.get_stub(conn, uid=ref)
                if stub is not None:
                    raise ReviewError(f"record {stub['record_uid']} is already {stub['outcome']}")
                raise NotFoundError(f"no record {ref!r}")
            targets.append(found[1])
        if all_due:
            due_rows = rr.due_items(
                conn,
                as_of=utc_text(judged_at(as_of, now=now, zone=zone)),
                held=active_scopes(conn, schedules, pack=pack),
            )
            targets += [r["record_uid"] for r in due_rows if r["action"] != "delete"]
            if stage == 2:
                targets += [
                    r["record_uid"]
                    for r in rr.items_with_status(conn, statuses=["awaiting-second-stage"])
                ]
        targets = list(dict.fromkeys(targets))
        held = rr.held_uids(conn, uids=targets, held=active_scopes(conn, schedules, pack=pack))
        proof = prove(store, conn, uids=targets)
        for uid in targets:
            row = rr.get_item(conn, uid=uid)
            if row is None:
                raise NotFoundError(f"no record {uid!r} under retention")
            proved = proof.retention.item(uid)
            if (row["status"], row["review_stage"]) != (proved.status, proved.review_stage):
                # a decision taken on a state SQL wrote would launder it into the ledger
                raise LedgerProofError(
                    f"record {uid}: the table has it {row['status']} (stage "
                    f"{row['review_stage']}) but the ledger {proved.status} (stage "
                    f"{proved.review_stage}): nothing decided; run `commsgov verify`"
                )
            try:
                move = review_transition(
                    row["status"],
                    decision,
                    stage=stage,
                    stages_required=stages_required,
                    held=uid in held,
                )
            except ReviewError as exc:
                raise ReviewError(f"record {uid}: {exc}") from exc
            (entry,) = append_events(
                conn,
                [
                    ReviewDecided(
                        uid,
                        decision=decision,
                        stage=stage,
                        reason=reason,
                        until=utc_text(until) if until else None,
                        status=move.status,
                    )
                ],
                actor=actor,
                now=now,
            )
            rr.insert_review(
                conn,
                row={
                    "record_uid": uid,
                    "stage": stage,
                    "decision": decision,
                    "reviewer": actor.name,
                    "reason": reason,
                    "until_utc": utc_text(until) if until else None,
                    "decided_at_utc": utc_text(now),
                    "entry_seq": entry.seq,
                },
            )
            values: dict[str, Any] = {"status": move.status, "review_stage": move.stage}
            if decision == "extend" and until is not None:
                explicit = [
                    *explicit_settings(row),
                    Setting(f"review by {actor.name}: extended", True, until, "review", "explicit"),
                ]
                values.update(recompute(conn, uid, schedules, explicit=explicit, now=now))
            rr.update_item(conn, uid=uid, values=values)
            due = values.get("due_at_utc", row["due_at_utc"])
            results.append(Reviewed(uid, decision, move.status, due, entry.seq))
    return results

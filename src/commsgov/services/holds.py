"""Holds: placed and lifted as audited acts; nothing in a hold's scope is disposed of."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

from commsgov.records.canonical import (
    canonical_json,
)
from commsgov.records.errors import NotFoundError
from commsgov.records.events import (
    Note,
)
from commsgov.records.timestamps import utc_text
from commsgov.retention import (
    Hold,
    HoldScope,
)
from commsgov.services._support import clock
from commsgov.services.actor import Actor
from commsgov.services.dispositions import active_scopes, hold_of, recompute
from commsgov.services.ledger import append_events
from commsgov.services.schedules import load_schedules
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = ["lift_hold", "list_holds", "place_hold"]


def place_hold(
    store: Store,
    *,
    name: str,
    mandate: str,
    scope: HoldScope,
    actor: Actor,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Place a named hold; returns it with the records it covers now (new ones join later)."""
    now = clock(now)
    hold = Hold(uuid.uuid4().hex, name.strip(), mandate.strip(), scope, actor.name, now)
    row = {
        "uid": hold.id,
        "name": hold.name,
        "mandate": hold.mandate,
        "scope": rr.scope_to_json(scope),
        "placed_by": actor.name,
        "placed_at_utc": utc_text(now),
    }
    with store.write() as conn:
        (entry,) = append_events(
            conn,
            [
                Note(
                    "hold-placed",
                    None,
                    {**row, "scope": json.loads(row["scope"])},
                )
            ],
            actor=actor,
            now=now,
        )
        rr.insert_hold(conn, row=row)
        covered = rr.uids_matching(conn, scope=scope)
    return {**row, "scope": json.loads(row["scope"]), "covers": covered, "entry_seq": entry.seq}


def lift_hold(
    store: Store,
    *,
    ref: str,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> dict[str, Any]:
    """Lift a hold (its own audited act); due dates of what it covered are recomputed."""
    now = clock(now)
    schedules = load_schedules(pack)
    with store.write() as conn:
        row = rr.find_hold(conn, ref=ref)
        if row is None:
            raise NotFoundError(f"no hold {ref!r} (give its id or exact name)")
        lifted = hold_of(row).lift(by=actor.name, at=now, reason=reason)
        (entry,) = append_events(
            conn,
            [
                Note(
                    "hold-lifted",
                    None,
                    {
                        "uid": row["uid"],
                        "name": row["name"],
                        "lifted_by": actor.name,
                        "reason": reason,
                    },
                )
            ],
            actor=actor,
            now=now,
        )
        rr.lift_hold(conn, uid=row["uid"], at=utc_text(now), by=actor.name, reason=reason)
        covered = rr.uids_matching(conn, scope=lifted.scope)
        still = rr.held_uids(conn, uids=covered, held=active_scopes(conn, schedules))
        recomputed = []
        for uid in covered:
            if rr.get_item(conn, uid=uid) is not None:
                values = recompute(conn, uid, schedules, now=now)
                recomputed.append({"uid": uid, "due": values["due_at_utc"], "held": uid in still})
    return {
        "uid": row["uid"],
        "name": row["name"],
        "lifted_by": actor.name,
        "reason": reason,
        "entry_seq": entry.seq,
        "recomputed": recomputed,
    }


def list_holds(store: Store, *, actor: Actor, include_lifted: bool = False) -> list[dict[str, Any]]:
    """Holds (active only unless ``include_lifted``), each with how many records it covers."""
    with store.read() as conn:
        rows = rr.list_holds(conn, active_only=not include_lifted)
        for row in rows:
            row["scope"] = json.loads(row["scope"])
            row["covers"] = len(
                rr.uids_matching(conn, scope=rr.scope_from_json(canonical_json(row["scope"])))
            )
    return rows

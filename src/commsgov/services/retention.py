"""Retention as a service: when, holds, the due sweep, review, destruction, explain, transfer.

The pure rules live in :mod:`commsgov.retention`; this module reads and writes the store. Every
change (a hold placed or lifted, a review decision, a destruction, a transfer) is a ledger entry
appended in the same transaction as the table change, so the chain proves what was done.

Public API (keyword-only after the first argument)::

    load_schedules(pack=None) -> dict[str, Schedule]
    when(*, channel, created, modified=None, pack=None, today=None) -> dict
        what happens to an item of a channel or record class, and when (no database)
    sync(store, *, pack=None, now=None) -> int        dispositions for new records
    place_hold(store, *, name, mandate, scope, actor=None, now=None) -> dict
    lift_hold(store, *, ref, reason, actor=None, now=None) -> dict
    list_holds(store, *, include_lifted=False) -> list[dict]
    due(store, *, as_of, pack=None, limit=50) -> dict          the set-based sweep
    review(store, *, uids=(), all_due=False, decision, reason, ...) -> list[dict]
    dispose(store, *, as_of, pack=None, actor=None, dry_run=False) -> dict
    explain(store, ref, *, pack=None, as_of=None) -> dict
    build_transfer(store, *, out_dir, ...) -> dict; confirm_transfer(store, *, consignment, ...)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsgov.records.canonical import canonical_json, sha256_hex
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import Note, RecordDisposed
from commsgov.records.timestamps import parse_utc_text, resolve_zone, utc_text
from commsgov.retention import (
    Hold,
    HoldScope,
    Item,
    Outcome,
    ReviewError,
    Schedule,
    Setting,
    UnknownScheduleError,
    decide,
    due_at,
    find_schedule,
    paused_holds,
    review_transition,
    schedule_setting,
    schedules_from_pack,
    staff_advice,
    trigger_time,
)
from commsgov.services.records import (
    Store,
    _actor,
    _now,
    _pack,
    _record_hash,
    append_events,
    source_hashes,
)
from commsgov.store import repo
from commsgov.store import repo_retention as rr

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "DEFAULT_CLASS",
    "build_transfer",
    "confirm_transfer",
    "dispose",
    "due",
    "explain",
    "lift_hold",
    "list_holds",
    "load_schedules",
    "place_hold",
    "review",
    "sync",
    "when",
]

#: the record class of commsgov's own captured records
DEFAULT_CLASS = "captured-record"

#: statuses of items waiting for someone to act (a second reviewer, disposal, the archive)
AWAITING = (
    "awaiting-second-stage",
    "approved-destroy",
    "approved-transfer",
    "transferred-awaiting-accession",
)


def load_schedules(pack: CompiledPack | None = None) -> dict[str, Schedule]:
    """The pack's retention schedules by record class id (compiled with the pack: no YAML)."""
    return schedules_from_pack(_pack(pack).retention)


def _schedule_for(name: str, schedules: dict[str, Schedule], pack: CompiledPack) -> Schedule:
    """A schedule by record class id, channel id, or any channel name the pack knows."""
    try:
        return find_schedule(schedules, name)
    except UnknownScheduleError:
        pass
    from commsgov.policy.errors import UnknownIdError

    try:
        channel = pack.channel(name)
    except UnknownIdError as exc:
        raise UnknownScheduleError(
            f"no retention schedule for {name!r} (record classes: {', '.join(sorted(schedules))})"
        ) from exc
    try:
        return find_schedule(schedules, channel.id)
    except UnknownScheduleError as exc:
        raise UnknownScheduleError(
            f"no retention schedule for {name!r} (channel {channel.id}); record classes: "
            f"{', '.join(sorted(schedules))}"
        ) from exc


def _citations(schedule: Schedule) -> list[dict[str, str]]:
    return [{"document": d, "quote": q} for d, q in schedule.citations]


def _hex(value: Any) -> str:
    """A digest as hex text, whether stored as text or as raw bytes."""
    return bytes(value).hex() if isinstance(value, (bytes, bytearray, memoryview)) else str(value)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return {
        "action": outcome.action,
        "at": _iso(outcome.at),
        "retained_until": _iso(outcome.retained_until),
        "retained_indefinitely": outcome.retained_indefinitely,
        "winner": outcome.winner,
        "held_by": list(outcome.held_by),
        "steps": [s.to_dict() for s in outcome.steps],
        "moves": [s.describe() for s in outcome.moves],
    }


# -- when (no database) -------------------------------------------------------------------------
def when(
    *,
    channel: str,
    created: dt.datetime,
    modified: dt.datetime | None = None,
    closed: dt.datetime | None = None,
    event: dt.datetime | None = None,
    pack: CompiledPack | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What happens to an item of ``channel`` (a channel name or record class) and when.

    ``closed`` and ``event`` are the dates schedules triggered by ``closed`` or ``event`` count
    from (no due date until they are known).
    """
    compiled = _pack(pack)
    schedules = load_schedules(compiled)
    schedule = _schedule_for(channel, schedules, compiled)
    for name, value in (("modified", modified), ("closed", closed), ("event", event)):
        if value is not None and value < created:
            raise InvalidFieldError(name, "cannot precede the creation")
    item = Item(
        "query", schedule.id, created=created, modified=modified, closed=closed, event=event
    )
    outcome = decide(item, schedules=schedules, holds=paused_holds(schedules.values()))
    due = due_at(item, schedule=schedule)
    start = trigger_time(item, schedule=schedule)
    today = today or dt.datetime.now(created.tzinfo).date()
    return {
        "channel": schedule.channel or schedule.id,
        "record_class": schedule.id,
        "title": schedule.title,
        "action": schedule.action,
        "period": str(schedule.period) if schedule.period else None,
        "trigger": schedule.trigger,
        "trigger_at": _iso(start),
        "due": _iso(due),
        "due_date": due.date().isoformat() if due else None,
        "overdue": bool(due and due.date() < today),
        "paused": schedule.paused or bool(outcome.held_by),
        "held_by": list(outcome.held_by),
        "advice": staff_advice(
            schedule=schedule,
            outcome=outcome,
            label=schedule.label,
            today=today,
            due=due,
        ),
        "mandate": schedule.mandate,
        "notes": list(schedule.notes),
        "citations": _citations(schedule),
        "outcome": _outcome_dict(outcome),
    }


# -- items from the store ---------------------------------------------------------------------
def _participant_values(participants: Any) -> tuple[str, ...]:
    values: list[str] = []
    data = json.loads(participants) if isinstance(participants, str) else participants or []
    for p in data:
        for key in ("name", "number"):
            if p.get(key):
                values.append(str(p[key]))
    return tuple(values)


def _item_of(row: dict[str, Any], record_class: str, *, text: str = "") -> Item:
    zone = resolve_zone(row.get("occurred_zone") or "UTC")
    created = parse_utc_text(row["occurred_at_utc"]).astimezone(zone)
    return Item(
        uid=row["uid"],
        record_class=record_class,
        created=created,
        method=row.get("method"),
        participants=_participant_values(row.get("participants")),
        outage=row.get("outage_uid"),
        text=text,
    )


def _explicit(item_row: dict[str, Any] | None) -> list[Setting]:
    if not item_row or not item_row.get("explicit"):
        return []
    out = []
    for s in json.loads(item_row["explicit"]):
        out.append(
            Setting(
                source=s["source"],
                retain=bool(s["retain"]),
                ends=parse_utc_text(s["ends"]) if s.get("ends") else None,
                action=s.get("action"),
                scope=s.get("scope", "explicit"),
            )
        )
    return out


def _explicit_json(settings: Sequence[Setting]) -> str | None:
    if not settings:
        return None
    return canonical_json(
        [
            {
                "source": s.source,
                "retain": s.retain,
                "ends": utc_text(s.ends) if s.ends else None,
                "action": s.action,
                "scope": s.scope,
            }
            for s in settings
        ]
    )


def _disposition(
    item: Item, schedules: dict[str, Schedule], explicit: Sequence[Setting]
) -> tuple[str | None, str | None]:
    """``(due_at_utc, action)`` for the item, holds aside (the sweep applies holds in SQL)."""
    outcome = decide(
        item, schedules=schedules, explicit=explicit, class_scope=_class_scope(item.record_class)
    )
    due_text = utc_text(outcome.at) if outcome.at is not None else None
    action = outcome.action
    if action is None and not outcome.moves:
        action = None
    return due_text, action


def _class_scope(record_class: str) -> str:
    """A record class other than the default was given to the record explicitly."""
    return "org-wide" if record_class == DEFAULT_CLASS else "explicit"


def sync(store: Store, *, pack: CompiledPack | None = None, now: dt.datetime | None = None) -> int:
    """Give every record not yet known to retention its disposition; how many were added.

    New records take the pack's ``captured-record`` schedule (kept until review).
    """
    schedules = load_schedules(pack)
    if DEFAULT_CLASS not in schedules:
        raise UnknownScheduleError(f"the policy pack has no {DEFAULT_CLASS!r} schedule")
    stamp = utc_text(_now(now))
    default = schedules[DEFAULT_CLASS]
    if default.period is None:
        # kept until review: nothing to compute, so one INSERT ... SELECT does it, over the
        # records added since the last sync only (the watermark moves under the ledger lock,
        # so no writer can still be adding a record with a lower id)
        with store.write() as conn:
            repo.lock_ledger(conn)
            mark, top = rr.sync_mark(conn), rr.max_record_id(conn)
            if top <= mark:
                return 0
            added = rr.insert_undated_items(
                conn, record_class=DEFAULT_CLASS, action=default.action, stamp=stamp, after_id=mark
            )
            rr.set_sync_mark(conn, value=top)
            return added
    added = 0
    while True:
        with store.write() as conn:
            repo.lock_ledger(conn)
            mark = rr.sync_mark(conn)
            rows = rr.records_without_item(conn, limit=5000, after_id=mark)
            if not rows:
                return added
            values = []
            for row in rows:
                due_text, action = _disposition(_item_of(row, DEFAULT_CLASS), schedules, ())
                values.append(
                    {
                        "record_uid": row["uid"],
                        "record_class": DEFAULT_CLASS,
                        "explicit": None,
                        "due_at_utc": due_text,
                        "action": action or schedules[DEFAULT_CLASS].action,
                        "status": "scheduled",
                        "review_stage": 0,
                        "updated_at_utc": stamp,
                    }
                )
            rr.insert_items(conn, rows=values)
            rr.set_sync_mark(conn, value=max(int(r["id"]) for r in rows))
            added += len(values)


def _record_row(conn: Connection, uid: str) -> dict[str, Any] | None:
    found = repo.resolve_record(conn, ref=uid)
    if found is None:
        return None
    state = repo.get_record_state(conn, record_id=found[0])
    return state


def _recompute(
    conn: Connection,
    uid: str,
    schedules: dict[str, Schedule],
    *,
    explicit: Sequence[Setting] | None = None,
    record_class: str | None = None,
    now: dt.datetime,
) -> dict[str, Any]:
    row = rr.get_item(conn, uid=uid)
    state = _record_row(conn, uid)
    if row is None or state is None:
        raise NotFoundError(f"no record {uid!r} under retention")
    settings = list(explicit) if explicit is not None else _explicit(row)
    cls = record_class or row["record_class"]
    due_text, action = _disposition(_item_of(state, cls), schedules, settings)
    values = {
        "record_class": cls,
        "explicit": _explicit_json(settings),
        "due_at_utc": due_text,
        "action": action or schedules[cls].action,
        "updated_at_utc": utc_text(now),
    }
    rr.update_item(conn, uid=uid, values=values)
    return values


# -- holds ------------------------------------------------------------------------------------
def _hold_of(row: dict[str, Any]) -> Hold:
    return Hold(
        id=row["uid"],
        name=row["name"],
        mandate=row["mandate"],
        scope=rr.scope_from_json(row["scope"]),
        placed_by=row["placed_by"],
        placed_at=parse_utc_text(row["placed_at_utc"]),
        lifted_at=parse_utc_text(row["lifted_at_utc"]) if row["lifted_at_utc"] else None,
        lifted_by=row["lifted_by"],
        lift_reason=row["lift_reason"],
    )


def _active_scopes(conn: Connection, schedules: dict[str, Schedule]) -> list[HoldScope]:
    scopes = [rr.scope_from_json(h["scope"]) for h in rr.list_holds(conn, active_only=True)]
    scopes += [h.scope for h in paused_holds(schedules.values())]
    return scopes


def place_hold(
    store: Store,
    *,
    name: str,
    mandate: str,
    scope: HoldScope,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Place a named hold; returns it with the records it covers now (new ones join later)."""
    now, actor = _now(now), _actor(actor)
    hold = Hold(uuid.uuid4().hex, name.strip(), mandate.strip(), scope, actor, now)
    row = {
        "uid": hold.id,
        "name": hold.name,
        "mandate": hold.mandate,
        "scope": rr.scope_to_json(scope),
        "placed_by": actor,
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
    actor: str | None = None,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> dict[str, Any]:
    """Lift a hold (its own audited act); due dates of what it covered are recomputed."""
    now, actor = _now(now), _actor(actor)
    schedules = load_schedules(pack)
    with store.write() as conn:
        row = rr.find_hold(conn, ref=ref)
        if row is None:
            raise NotFoundError(f"no hold {ref!r} (give its id or exact name)")
        lifted = _hold_of(row).lift(by=actor, at=now, reason=reason)
        (entry,) = append_events(
            conn,
            [
                Note(
                    "hold-lifted",
                    None,
                    {"uid": row["uid"], "name": row["name"], "lifted_by": actor, "reason": reason},
                )
            ],
            actor=actor,
            now=now,
        )
        rr.lift_hold(conn, uid=row["uid"], at=utc_text(now), by=actor, reason=reason)
        covered = rr.uids_matching(conn, scope=lifted.scope)
        still = rr.held_uids(conn, uids=covered, held=_active_scopes(conn, schedules))
        recomputed = []
        for uid in covered:
            if rr.get_item(conn, uid=uid) is not None:
                values = _recompute(conn, uid, schedules, now=now)
                recomputed.append({"uid": uid, "due": values["due_at_utc"], "held": uid in still})
    return {
        "uid": row["uid"],
        "name": row["name"],
        "lifted_by": actor,
        "reason": reason,
        "entry_seq": entry.seq,
        "recomputed": recomputed,
    }


def list_holds(store: Store, *, include_lifted: bool = False) -> list[dict[str, Any]]:
    """Holds (active only unless ``include_lifted``), each with how many records it covers."""
    with store.read() as conn:
        rows = rr.list_holds(conn, active_only=not include_lifted)
        for row in rows:
            row["scope"] = json.loads(row["scope"])
            row["covers"] = len(
                rr.uids_matching(conn, scope=rr.scope_from_json(canonical_json(row["scope"])))
            )
    return rows


# -- the due sweep ------------------------------------------------------------------------------
def due(
    store: Store,
    *,
    as_of: dt.datetime,
    pack: CompiledPack | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What is due by ``as_of``, by action with counts (one SQL sweep), and what awaits action."""
    schedules = load_schedules(pack)
    added = sync(store, pack=pack, now=now)
    cutoff = utc_text(as_of)
    with store.read() as conn:
        scopes = _active_scopes(conn, schedules)
        summary = rr.due_summary(conn, as_of=cutoff, held=scopes)
        items = rr.due_items(conn, as_of=cutoff, held=scopes, limit=limit)
        awaiting = dict(rr.status_counts(conn, statuses=AWAITING))
    return {
        "as_of": as_of.isoformat(timespec="seconds"),
        "due": [{"action": a, "count": n} for a, n, _ in summary if n],
        "total": sum(n for _, n, _ in summary),
        "held": sum(h for _, _, h in summary),
        "awaiting": awaiting,
        "items": items,
        "synced": added,
    }


# -- review -------------------------------------------------------------------------------------
def review(
    store: Store,
    *,
    uids: Sequence[str] = (),
    all_due: bool = False,
    as_of: dt.datetime | None = None,
    decision: str,
    reason: str,
    until: dt.datetime | None = None,
    stage: int = 1,
    stages_required: int = 1,
    reviewer: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Record a reviewer's decision on records (or every due record); one transaction.

    ``destroy`` and ``transfer`` approve disposal (``stages_required=2``: a second reviewer
    must agree at ``stage=2``); ``extend`` needs ``until`` and sets an explicit review date;
    ``defer`` leaves the item due for a later review. Held records cannot be approved.
    """
    now, reviewer = _now(now), _actor(reviewer)
    if not reason.strip():
        raise InvalidFieldError("reason", "say why (the reason is kept with the decision)")
    if decision == "extend" and until is None:
        raise InvalidFieldError("until", "an extension needs the new review date")
    if decision == "extend" and until is not None and until <= now:
        raise InvalidFieldError("until", "the new review date must be in the future")
    schedules = load_schedules(pack)
    sync(store, pack=pack, now=now)
    results: list[dict[str, Any]] = []
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
                conn, as_of=utc_text(as_of or now), held=_active_scopes(conn, schedules)
            )
            targets += [r["record_uid"] for r in due_rows if r["action"] != "delete"]
            if stage == 2:
                targets += [
                    r["record_uid"]
                    for r in rr.items_with_status(conn, statuses=["awaiting-second-stage"])
                ]
        targets = list(dict.fromkeys(targets))
        held = rr.held_uids(conn, uids=targets, held=_active_scopes(conn, schedules))
        for uid in targets:
            row = rr.get_item(conn, uid=uid)
            if row is None:
                raise NotFoundError(f"no record {uid!r} under retention")
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
                    Note(
                        "review-decided",
                        uid,
                        {
                            "decision": decision,
                            "stage": stage,
                            "reason": reason,
                            "until": utc_text(until) if until else None,
                            "status": move.status,
                        },
                    )
                ],
                actor=reviewer,
                now=now,
            )
            rr.insert_review(
                conn,
                row={
                    "record_uid": uid,
                    "stage": stage,
                    "decision": decision,
                    "reviewer": reviewer,
                    "reason": reason,
                    "until_utc": utc_text(until) if until else None,
                    "decided_at_utc": utc_text(now),
                    "entry_seq": entry.seq,
                },
            )
            values: dict[str, Any] = {"status": move.status, "review_stage": move.stage}
            if decision == "extend" and until is not None:
                explicit = [
                    *_explicit(row),
                    Setting(f"review by {reviewer}: extended", True, until, "review", "explicit"),
                ]
                values.update(_recompute(conn, uid, schedules, explicit=explicit, now=now))
            rr.update_item(conn, uid=uid, values=values)
            results.append(
                {
                    "uid": uid,
                    "decision": decision,
                    "status": move.status,
                    "due": values.get("due_at_utc", row["due_at_utc"]),
                    "entry_seq": entry.seq,
                }
            )
    return results


def classify(
    store: Store,
    *,
    uids: Sequence[str],
    record_class: str,
    reason: str,
    actor: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Give records an explicit record class (its schedule then applies to them)."""
    now, actor = _now(now), _actor(actor)
    schedules = load_schedules(pack)
    find_schedule(schedules, record_class)
    if not reason.strip():
        raise InvalidFieldError("reason", "say why the record class changes")
    sync(store, pack=pack, now=now)
    out = []
    with store.write() as conn:
        for ref in uids:
            found = repo.resolve_record(conn, ref=ref)
            if found is None:
                raise NotFoundError(f"no record {ref!r}")
            uid = found[1]
            (entry,) = append_events(
                conn,
                [
                    Note(
                        "retention-classified",
                        uid,
                        {"record_class": record_class, "reason": reason},
                    )
                ],
                actor=actor,
                now=now,
            )
            values = _recompute(conn, uid, schedules, record_class=record_class, now=now)
            out.append(
                {
                    "uid": uid,
                    "record_class": record_class,
                    "due": values["due_at_utc"],
                    "action": values["action"],
                    "entry_seq": entry.seq,
                }
            )
    return out


# -- destruction --------------------------------------------------------------------------------
def _hold_history(conn: Connection, state: dict[str, Any]) -> list[dict[str, Any]]:
    history = []
    for row in rr.list_holds(conn):
        hold = _hold_of(row)
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


def _dispose_one(
    store: Store,
    conn: Connection,
    uid: str,
    *,
    outcome: str,
    authority: str,
    schedules: dict[str, Schedule],
    actor: str,
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
    record_sha = _record_hash(state)
    history = repo.entries_for_record(conn, uid=uid)
    message_rows = repo.messages_of_record(conn, record_id=found[0], limit=None)
    blob_candidates = {a["sha256"] for a in state.get("attachments", []) if a.get("sha256")}
    # Every original file the record came from: its own source and any that joined it later.
    blob_candidates |= source_hashes(conn, uid)
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
        "message_sha256": [_hex(m["sha256"]) for m in message_rows],
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
            "citations": _citations(schedule),
        }
        if schedule
        else None,
        "approved_by": approvers,
        "executed_by": actor,
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


def _remove_files(store: Store, digests: Iterable[str]) -> None:
    for digest in digests:
        path = store.blobs.path(digest)
        path.unlink(missing_ok=True)


def dispose(
    store: Store,
    *,
    as_of: dt.datetime,
    pack: CompiledPack | None = None,
    actor: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Destroy what may be destroyed: approved destructions, and due ``delete`` schedules.

    Holds are checked again at this moment: a record held since its approval is skipped.
    """
    now, actor = _now(now), _actor(actor)
    schedules = load_schedules(pack)
    sync(store, pack=pack, now=now)
    destroyed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    files: list[str] = []
    with store.write() as conn:
        scopes = _active_scopes(conn, schedules)
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
            certificate, gone = _dispose_one(
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
        _remove_files(store, files)
    return {"destroyed": destroyed, "skipped": skipped, "dry_run": dry_run}


# -- explain ------------------------------------------------------------------------------------
def explain(
    store: Store,
    ref: str,
    *,
    pack: CompiledPack | None = None,
    as_of: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Each rule that applies to a record, the holds on it, and why the outcome won."""
    now = _now(now)
    as_of = as_of or now
    schedules = load_schedules(pack)
    sync(store, pack=pack, now=now)
    with store.read() as conn:
        found = repo.resolve_record(conn, ref=ref)
        if found is None:
            stub = rr.get_stub(conn, uid=ref)
            if stub is None:
                raise NotFoundError(f"no record {ref!r}")
            return {
                "uid": stub["record_uid"],
                "status": stub["outcome"],
                "disposed_at": stub["disposed_at_utc"],
                "stub": json.loads(stub["stub"]),
                "certificate": json.loads(stub["certificate"]),
                "certificate_sha256": stub["certificate_sha256"],
            }
        uid = found[1]
        state = repo.get_record_state(conn, record_id=found[0])
        row = rr.get_item(conn, uid=uid)
        assert row is not None
        item = _item_of(state, row["record_class"])
        explicit = _explicit(row)
        holds = [_hold_of(h) for h in rr.list_holds(conn)]
        # coverage is decided by SQL (a saved search needs the full-text index)
        covering = [h for h in holds if rr.held_uids(conn, uids=[uid], held=[h.scope])]
        effective = [replace(h, scope=HoldScope(record_uids=frozenset({uid}))) for h in covering]
        history = [
            e
            for e in repo.entries_for_record(conn, uid=uid)
            if e.kind in ("review-decided", "retention-classified")
        ]
        reviews = rr.reviews_of(conn, uid=uid)
    standing = paused_holds(schedules.values())
    outcome = decide(
        item,
        schedules=schedules,
        holds=[*effective, *standing],
        explicit=explicit,
        at=as_of,
        class_scope=_class_scope(row["record_class"]),
    )
    schedule = schedules[row["record_class"]]
    return {
        "uid": uid,
        "record_class": row["record_class"],
        "status": row["status"],
        "schedule": {
            "id": schedule.id,
            "title": schedule.title,
            "period": str(schedule.period) if schedule.period else None,
            "trigger": schedule.trigger,
            "action": schedule.action,
            "mandate": schedule.mandate,
            "citations": _citations(schedule),
        },
        "trigger_at": _iso(trigger_time(item, schedule=schedule)),
        "settings": [
            schedule_setting(item, schedule, scope=_class_scope(schedule.id)).describe(),
            *(s.describe() for s in explicit),
        ],
        "holds": [
            {
                "name": h.name,
                "mandate": h.mandate,
                "placed_by": h.placed_by,
                "placed_at": _iso(h.placed_at),
                "active": h.active(as_of),
                "lifted_by": h.lifted_by,
                "lifted_at": _iso(h.lifted_at),
                "lift_reason": h.lift_reason,
            }
            for h in covering
        ],
        "outcome": _outcome_dict(outcome),
        "due": row["due_at_utc"],
        "due_now": outcome.due(as_of),
        "reviews": [
            {
                k: r[k]
                for k in ("stage", "decision", "reviewer", "reason", "until_utc", "decided_at_utc")
            }
            for r in reviews
        ],
        "ledger": [{"seq": e.seq, "kind": e.kind, "at": e.at, "actor": e.actor} for e in history],
    }


# -- transfer -----------------------------------------------------------------------------------
def build_transfer(
    store: Store,
    *,
    out_dir: Path,
    consignment: str | None = None,
    organisation: str | None = None,
    uids: Sequence[str] = (),
    actor: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Package records approved for transfer as a validated BagIt bag and ``.tar.gz``.

    The records are marked "transferred, awaiting accession"; their content stays until
    :func:`confirm_transfer`.
    """
    from commsgov import transfer
    from commsgov.services.records import get_record

    now, actor = _now(now), _actor(actor)
    compiled = _pack(pack)
    schedules = load_schedules(compiled)
    consignment = consignment or f"CG-{now:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    with store.read() as conn:
        if rr.get_transfer(conn, consignment=consignment) is not None:
            raise InvalidFieldError("consignment", f"{consignment!r} was already built")
        approved = [
            r["record_uid"] for r in rr.items_with_status(conn, statuses=["approved-transfer"])
        ]
        if uids:
            wanted = set()
            for ref in uids:
                found = repo.resolve_record(conn, ref=ref)
                if found is None:
                    raise NotFoundError(f"no record {ref!r}")
                wanted.add(found[1])
            not_ready = sorted(wanted - set(approved))
            if not_ready:
                raise ReviewError(f"record {not_ready[0]} is not approved for transfer")
            approved = [u for u in approved if u in wanted]
        held = rr.held_uids(conn, uids=approved, held=_active_scopes(conn, schedules))
    chosen = [u for u in approved if u not in held]
    if not chosen:
        raise ReviewError("nothing to transfer: no record is approved for transfer (and unheld)")
    records = [get_record(store, uid) for uid in chosen]
    files: dict[str, bytes] = {}
    for rec in records:
        for att in rec.get("attachments", []):
            if att.get("sha256"):
                files[att["sha256"]] = store.blobs.read(att["sha256"])
        for m in rec["messages"]:
            for att in m.get("attachments", []):
                if att.get("sha256") and att["sha256"] not in files:
                    files[att["sha256"]] = store.blobs.read(att["sha256"])
    result = transfer.build_bag(
        records,
        files=files,
        out_dir=Path(out_dir),
        consignment=consignment,
        organisation=organisation or compiled.organisation,
        built_at=now,
    )
    with store.write() as conn:
        (entry,) = append_events(
            conn,
            [
                Note(
                    "transfer-built",
                    None,
                    {
                        "consignment": consignment,
                        "package_sha256": result.package_sha256,
                        "record_uids": chosen,
                    },
                )
            ],
            actor=actor,
            now=now,
        )
        rr.insert_transfer(
            conn,
            row={
                "consignment": consignment,
                "built_at_utc": utc_text(now),
                "built_by": actor,
                "package": str(result.package),
                "package_sha256": result.package_sha256,
                "record_uids": canonical_json(chosen),
                "status": "awaiting-accession",
            },
        )
        for uid in chosen:
            rr.update_item(
                conn,
                uid=uid,
                values={
                    "status": "transferred-awaiting-accession",
                    "updated_at_utc": utc_text(now),
                },
            )
    return {
        "consignment": consignment,
        "bag": str(result.bag),
        "package": str(result.package),
        "package_sha256": result.package_sha256,
        "checksum_file": str(result.checksum_file),
        "records": chosen,
        "skipped_held": sorted(held),
        "entry_seq": entry.seq,
    }


def confirm_transfer(
    store: Store,
    *,
    consignment: str,
    accession: str | None = None,
    actor: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The archive confirmed accession: dispose of the transferred records (stub kept)."""
    now, actor = _now(now), _actor(actor)
    schedules = load_schedules(pack)
    files: list[str] = []
    with store.write() as conn:
        row = rr.get_transfer(conn, consignment=consignment)
        if row is None:
            raise NotFoundError(f"no transfer {consignment!r}")
        if row["status"] not in ("awaiting-accession", "partly-disposed"):
            raise ReviewError(f"transfer {consignment} is already {row['status']}")
        listed = json.loads(row["record_uids"])
        pending = {
            r["record_uid"]
            for r in rr.items_with_status(conn, statuses=["transferred-awaiting-accession"])
        }
        # the archive has its copy, but a record placed under a hold keeps its copy here too
        held = rr.held_uids(
            conn, uids=[u for u in listed if u in pending], held=_active_scopes(conn, schedules)
        )
        uids = [u for u in listed if u in pending and u not in held]
        append_events(
            conn,
            [
                Note(
                    "transfer-confirmed", None, {"consignment": consignment, "accession": accession}
                )
            ],
            actor=actor,
            now=now,
        )
        for uid in uids:
            _cert, gone = _dispose_one(
                store,
                conn,
                uid,
                outcome="transferred",
                authority=(
                    f"transferred to the archive in consignment {consignment}"
                    + (f" (accession {accession})" if accession else "")
                ),
                schedules=schedules,
                actor=actor,
                now=now,
                extra={"consignment": consignment, "package_sha256": row["package_sha256"]},
            )
            files += gone
        status = "partly-disposed" if held else "accessioned"
        rr.update_transfer(
            conn,
            consignment=consignment,
            values={"status": status, "confirmed_at_utc": utc_text(now), "confirmed_by": actor},
        )
    _remove_files(store, files)
    return {
        "consignment": consignment,
        "records": uids,
        "kept_held": sorted(held),
        "status": status,
    }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

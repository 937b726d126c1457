"""What retention knows of each record: its class, due date and status (synced from new
records), the due sweep, explicit record classes, and explanations.

Every change is a ledger entry appended in the same transaction as the table change."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.canonical import canonical_json
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import RetentionClassified
from commsgov.records.retention_state import DEFAULT_CLASS, RetentionReplay
from commsgov.records.timestamps import parse_utc_text, range_start, resolve_zone, utc_text
from commsgov.retention import (
    Hold,
    HoldScope,
    Item,
    Schedule,
    Setting,
    UnknownScheduleError,
    decide,
    find_schedule,
    paused_holds,
    schedule_setting,
    trigger_time,
)
from commsgov.retention.certificates import Certificate, ResidualStub
from commsgov.services._support import clock, iso, judged_at, resolve_pack
from commsgov.services.ledger import append_events
from commsgov.services.schedules import OutcomeView, ScheduleView, load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "DEFAULT_CLASS",
    "Classified",
    "DisposedExplanation",
    "DueCount",
    "DueItem",
    "DueReport",
    "Explanation",
    "HistoryLine",
    "HoldOnRecord",
    "QueueFilter",
    "ReviewLine",
    "ReviewQueue",
    "classify",
    "due",
    "explain",
    "review_queue",
    "sync",
]


@dataclass(frozen=True, slots=True)
class DueCount:
    """How many records fall due for one action."""

    action: str
    count: int


@dataclass(frozen=True, slots=True)
class DueItem:
    """A record due for its action, under no hold."""

    record_uid: str
    record_class: str
    due_at_utc: str
    action: str
    method: str
    occurred_at_utc: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class DueReport:
    """What is due by ``as_of``: counts by action, the total, how many a hold keeps, what awaits
    someone (a second reviewer, disposal, the archive) by status, the first due records, and how
    many new records retention learnt of on the way (``synced``)."""

    as_of: str
    due: tuple[DueCount, ...]
    total: int
    held: int
    awaiting: dict[str, int]
    items: tuple[DueItem, ...]
    synced: int


@dataclass(frozen=True, slots=True)
class Classified:
    """A record given an explicit record class: its new due date and action."""

    uid: str
    record_class: str
    due: str | None
    action: str
    entry_seq: int


@dataclass(frozen=True, slots=True)
class HoldOnRecord:
    """A hold that covers (or covered) a record."""

    name: str
    mandate: str
    placed_by: str
    placed_at: str | None
    active: bool
    lifted_by: str | None
    lifted_at: str | None
    lift_reason: str | None


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """A review decision on a record."""

    stage: int
    decision: str
    reviewer: str
    reason: str
    until_utc: str | None
    decided_at_utc: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """A retention entry of a record's ledger (a review or a new record class)."""

    seq: int
    kind: str
    at: str
    actor: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a record is kept or disposed of: its schedule, every setting that applies, the holds
    on it, the outcome with each principle that decided it, its reviews and their entries."""

    uid: str
    record_class: str
    status: str
    schedule: ScheduleView
    trigger_at: str | None
    settings: tuple[str, ...]
    holds: tuple[HoldOnRecord, ...]
    outcome: OutcomeView
    due: str | None
    due_now: bool
    reviews: tuple[ReviewLine, ...]
    ledger: tuple[HistoryLine, ...]


@dataclass(frozen=True, slots=True)
class DisposedExplanation:
    """A record already disposed of: when, its residual stub and its certificate."""

    uid: str
    status: str
    disposed_at: str
    stub: ResidualStub
    certificate: Certificate
    certificate_sha256: str


#: statuses of items waiting for someone to act (a second reviewer, disposal, the archive)
AWAITING = (
    "awaiting-second-stage",
    "approved-destroy",
    "approved-transfer",
    "transferred-awaiting-accession",
)


def _participant_values(participants: Any) -> tuple[str, ...]:
    values: list[str] = []
    data = json.loads(participants) if isinstance(participants, str) else participants or []
    for p in data:
        for key in ("name", "number"):
            if p.get(key):
                values.append(str(p[key]))
    return tuple(values)


def item_of(row: dict[str, Any], record_class: str, *, text: str = "") -> Item:
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


def explicit_settings(item_row: dict[str, Any] | None) -> list[Setting]:
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


def explicit_json(settings: Sequence[Setting]) -> str | None:
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


def disposition(
    item: Item, schedules: dict[str, Schedule], explicit: Sequence[Setting]
) -> tuple[str | None, str | None]:
    """``(due_at_utc, action)`` for the item, holds aside (the sweep applies holds in SQL)."""
    outcome = decide(
        item, schedules=schedules, explicit=explicit, class_scope=class_scope(item.record_class)
    )
    due_text = utc_text(outcome.at) if outcome.at is not None else None
    action = outcome.action
    if action is None and not outcome.moves:
        action = None
    return due_text, action


def class_scope(record_class: str) -> str:
    """A record class other than the default was given to the record explicitly."""
    return "org-wide" if record_class == DEFAULT_CLASS else "explicit"


def sync(
    store: Store,
    *,
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Give every record not yet known to retention its disposition; how many were added.

    New records take the pack's ``captured-record`` schedule (kept until review).
    """
    schedules = load_schedules(pack)
    if DEFAULT_CLASS not in schedules:
        raise UnknownScheduleError(f"the policy pack has no {DEFAULT_CLASS!r} schedule")
    stamp = utc_text(clock(now))
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
                due_text, action = disposition(item_of(row, DEFAULT_CLASS), schedules, ())
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
                        **rr.record_copies(row),
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


def recompute(
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
    settings = list(explicit) if explicit is not None else explicit_settings(row)
    cls = record_class or row["record_class"]
    due_text, action = disposition(item_of(state, cls), schedules, settings)
    values = {
        "record_class": cls,
        "explicit": explicit_json(settings),
        "due_at_utc": due_text,
        "action": action or schedules[cls].action,
        "updated_at_utc": utc_text(now),
    }
    rr.update_item(conn, uid=uid, values=values)
    return values


def hold_of(row: dict[str, Any]) -> Hold:
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


def active_scopes(
    conn: Connection, schedules: dict[str, Schedule], *, pack: CompiledPack | None = None
) -> list[HoldScope]:
    """The scopes of the active holds in the table and of the pack's standing pauses."""
    scopes = [rr.scope_from_json(h["scope"]) for h in rr.list_holds(conn, active_only=True)]
    return _in_force(scopes, schedules, pack)


def proved_scopes(
    replay: RetentionReplay, schedules: dict[str, Schedule], *, pack: CompiledPack | None = None
) -> list[HoldScope]:
    """The scopes of the holds the ledger proves active, and of the pack's standing pauses."""
    scopes = [rr.scope_from_json(h.scope) for h in replay.active_holds()]
    return _in_force(scopes, schedules, pack)


def _in_force(
    scopes: list[HoldScope], schedules: dict[str, Schedule], pack: CompiledPack | None
) -> list[HoldScope]:
    """The scopes with each method also as the channel the pack resolves it to (a hold placed
    before holds resolved channels may name ``sms`` for ``corporate-phone``: when in doubt, it
    keeps both), and the standing pauses."""
    widened = [with_channels(s, pack) if s.methods else s for s in scopes]
    return widened + [h.scope for h in paused_holds(schedules.values())]


def with_channels(scope: HoldScope, pack: CompiledPack | None) -> HoldScope:
    """``scope`` with each of its methods also as the pack's channel id for it."""
    from commsgov.policy.errors import UnknownIdError

    compiled = resolve_pack(pack)
    methods = set(scope.methods)
    for method in scope.methods:
        try:
            methods.add(compiled.channel(method).id)
        except UnknownIdError:
            continue
    return replace(scope, methods=frozenset(methods))


def due(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    pack: CompiledPack | None = None,
    limit: int = 50,
    zone: str | None = None,
    now: dt.datetime | None = None,
) -> DueReport:
    """What is due by ``as_of`` (default now; a date: the end of that day in ``zone``), by
    action with counts (one SQL sweep), and what awaits action."""
    now = clock(now)
    as_of = judged_at(as_of, now=now, zone=zone)
    schedules = load_schedules(pack)
    added = sync(store, actor=actor, pack=pack, now=now)
    cutoff = utc_text(as_of)
    with store.read() as conn:
        scopes = active_scopes(conn, schedules, pack=pack)
        summary = rr.due_summary(conn, as_of=cutoff, held=scopes)
        items = rr.due_items(conn, as_of=cutoff, held=scopes, limit=limit)
        awaiting = dict(rr.status_counts(conn, statuses=AWAITING))
    return DueReport(
        as_of=as_of.isoformat(timespec="seconds"),
        due=tuple(DueCount(a, n) for a, n, _ in summary if n),
        total=sum(n for _, n, _ in summary),
        held=sum(h for _, _, h in summary),
        awaiting=awaiting,
        items=tuple(DueItem(**i) for i in items),
        synced=added,
    )


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which items of the review queue a reviewer asks for: with ``action`` (what a schedule
    says to do: ``delete``, ``review``, ...), of ``record_class`` (a schedule), over ``method``
    (a channel id, alias or name), at review ``stage`` (1: due for a first review; 2: a first
    reviewer approved, a second must agree), due on or after ``due_from`` (a date: from the
    start of that day)."""

    action: str | None = None
    record_class: str | None = None
    method: str | None = None
    stage: int = 1
    due_from: dt.date | dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """The review queue as filtered: the whole queue's counts with the first matching items
    (``report``), how many items match (``matching``), and what the filters offer: the
    schedules' actions and record classes."""

    report: DueReport
    matching: int
    actions: tuple[str, ...]
    classes: tuple[str, ...]


def _due_filter(
    flt: QueueFilter, schedules: dict[str, Schedule], pack: CompiledPack | None, zone: str | None
) -> rr.DueFilter:
    """The store's filter for ``flt``; a value the schedules or the pack do not know is an
    error naming its field."""
    actions = {s.action for s in schedules.values()}
    if flt.action is not None and flt.action not in actions:
        raise InvalidFieldError("action", f"one of {', '.join(sorted(actions))}")
    if flt.record_class is not None and flt.record_class not in schedules:
        raise InvalidFieldError("record_class", f"no schedule is called {flt.record_class!r}")
    if flt.stage not in (1, 2):
        raise InvalidFieldError("stage", "the review stage is 1 or 2")
    method = None
    if flt.method is not None:
        from commsgov.policy.errors import UnknownIdError

        try:
            method = resolve_pack(pack).channel(flt.method).id
        except UnknownIdError as exc:
            raise InvalidFieldError("method", str(exc)) from exc
    since = None
    if flt.due_from is not None:
        since = utc_text(range_start(flt.due_from, zone=zone or _zone()))
    return rr.DueFilter(
        action=flt.action, record_class=flt.record_class, method=method, since_utc=since,
        status="scheduled" if flt.stage == 1 else "awaiting-second-stage",
    )  # fmt: skip


def _zone() -> str:
    from commsgov.services._support import configured_zone

    return configured_zone()


def review_queue(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    flt: QueueFilter = QueueFilter(),
    pack: CompiledPack | None = None,
    limit: int = 50,
    zone: str | None = None,
    now: dt.datetime | None = None,
) -> ReviewQueue:
    """What is due by ``as_of`` (as :func:`due` gives it) with the listed items those
    matching ``flt``, filtered in the store, and how many match."""
    now = clock(now)
    schedules = load_schedules(pack)
    store_filter = _due_filter(flt, schedules, pack, zone)
    whole = due(store, actor=actor, as_of=as_of, pack=pack, limit=0, zone=zone, now=now)
    cutoff = utc_text(judged_at(as_of, now=now, zone=zone))
    with store.read() as conn:
        scopes = active_scopes(conn, schedules, pack=pack)
        items = rr.due_items(conn, as_of=cutoff, held=scopes, limit=limit, flt=store_filter)
        matching = rr.due_count(conn, as_of=cutoff, held=scopes, flt=store_filter)
    return ReviewQueue(
        report=replace(whole, items=tuple(DueItem(**i) for i in items)),
        matching=matching,
        actions=tuple(sorted({s.action for s in schedules.values()})),
        classes=tuple(sorted(schedules)),
    )


def classify(
    store: Store,
    *,
    uids: Sequence[str],
    record_class: str,
    reason: str,
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> list[Classified]:
    """Give records an explicit record class (its schedule then applies to them)."""
    now = clock(now)
    schedules = load_schedules(pack)
    find_schedule(schedules, record_class)
    if not reason.strip():
        raise InvalidFieldError("reason", "say why the record class changes")
    sync(store, actor=actor, pack=pack, now=now)
    out = []
    with store.write() as conn:
        for ref in uids:
            found = repo.require_record(conn, ref=ref)
            uid = found[1]
            (entry,) = append_events(
                conn,
                [RetentionClassified(uid, record_class=record_class, reason=reason)],
                actor=actor,
                now=now,
            )
            values = recompute(conn, uid, schedules, record_class=record_class, now=now)
            out.append(
                Classified(uid, record_class, values["due_at_utc"], values["action"], entry.seq)
            )
    return out


def explain(
    store: Store,
    ref: str,
    *,
    actor: Actor,
    pack: CompiledPack | None = None,
    as_of: dt.date | dt.datetime | None = None,
    zone: str | None = None,
    now: dt.datetime | None = None,
) -> Explanation | DisposedExplanation:
    """Each rule that applies to a record, the holds on it, and why the outcome won, judged
    ``as_of`` (default now; a date: the end of that day in ``zone``)."""
    now = clock(now)
    as_of = judged_at(as_of, now=now, zone=zone)
    schedules = load_schedules(pack)
    sync(store, actor=actor, pack=pack, now=now)
    with store.read() as conn:
        found = repo.resolve_record(conn, ref=ref)
        if found is None:
            stub = rr.get_stub(conn, uid=ref)
            if stub is None:
                raise NotFoundError(f"no record {ref!r}")
            return DisposedExplanation(
                uid=stub["record_uid"],
                status=stub["outcome"],
                disposed_at=stub["disposed_at_utc"],
                stub=ResidualStub.from_stored(json.loads(stub["stub"])),
                certificate=Certificate.from_stored(json.loads(stub["certificate"])),
                certificate_sha256=stub["certificate_sha256"],
            )
        uid = found[1]
        state = repo.get_record_state(conn, record_id=found[0])
        row = rr.get_item(conn, uid=uid)
        assert row is not None
        item = item_of(state, row["record_class"])
        explicit = explicit_settings(row)
        holds = [hold_of(h) for h in rr.list_holds(conn)]
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
        class_scope=class_scope(row["record_class"]),
    )
    schedule = schedules[row["record_class"]]
    return Explanation(
        uid=uid,
        record_class=row["record_class"],
        status=row["status"],
        schedule=ScheduleView.of(schedule),
        trigger_at=iso(trigger_time(item, schedule=schedule)),
        settings=(
            schedule_setting(item, schedule, scope=class_scope(schedule.id)).describe(),
            *(s.describe() for s in explicit),
        ),
        holds=tuple(
            HoldOnRecord(
                name=h.name,
                mandate=h.mandate,
                placed_by=h.placed_by,
                placed_at=iso(h.placed_at),
                active=h.active(as_of),
                lifted_by=h.lifted_by,
                lifted_at=iso(h.lifted_at),
                lift_reason=h.lift_reason,
            )
            for h in covering
        ),
        outcome=OutcomeView.of(outcome),
        due=row["due_at_utc"],
        due_now=outcome.due(as_of),
        reviews=tuple(
            ReviewLine(**{k: r[k] for k in ReviewLine.__dataclass_fields__}) for r in reviews
        ),
        ledger=tuple(HistoryLine(e.seq, e.kind, e.at, e.actor) for e in history),
    )

"""Holds: placed and lifted as audited acts; nothing in a hold's scope is disposed of."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import HoldLifted, HoldPlaced
from commsgov.records.timestamps import utc_text
from commsgov.retention import (
    Hold,
    HoldScope,
    find_schedule,
)
from commsgov.services._support import clock, resolve_pack
from commsgov.services.dispositions import active_scopes, hold_of, recompute, with_channels
from commsgov.services.ledger import append_events
from commsgov.services.schedules import load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "HoldView",
    "LiftedHold",
    "PlacedHold",
    "Recomputed",
    "ScopeView",
    "hold_scope",
    "lift_hold",
    "list_holds",
    "place_hold",
    "resolve_scope",
]


@dataclass(frozen=True, slots=True)
class ScopeView:
    """What a hold covers, as stored: records, participants, methods, a date range (UTC text),
    outages, a saved search and record classes (an empty list does not narrow the scope)."""

    record_uids: tuple[str, ...]
    participants: tuple[str, ...]
    methods: tuple[str, ...]
    date_from: str | None
    date_to: str | None
    outages: tuple[str, ...]
    search: str | None
    record_classes: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> ScopeView:
        """From the stored scope (canonical JSON: ``repo_retention.scope_to_json``)."""
        data: Mapping[str, Any] = json.loads(text)
        return cls(
            record_uids=tuple(data.get("record_uids") or ()),
            participants=tuple(data.get("participants") or ()),
            methods=tuple(data.get("methods") or ()),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            outages=tuple(data.get("outages") or ()),
            search=data.get("search"),
            record_classes=tuple(data.get("record_classes") or ()),
        )


@dataclass(frozen=True, slots=True)
class PlacedHold:
    """A hold just placed, with the records it covers now (records added later join it), and
    a warning when it covers none (its scope may not say what was meant)."""

    uid: str
    name: str
    mandate: str
    scope: ScopeView
    placed_by: str
    placed_at_utc: str
    covers: tuple[str, ...]
    entry_seq: int
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class Recomputed:
    """A record a lifted hold covered: its new due date, and whether another hold keeps it."""

    uid: str
    due: str | None
    held: bool


@dataclass(frozen=True, slots=True)
class LiftedHold:
    """A hold just lifted, and the records whose due dates were recomputed."""

    uid: str
    name: str
    lifted_by: str
    reason: str
    entry_seq: int
    recomputed: tuple[Recomputed, ...]


@dataclass(frozen=True, slots=True)
class HoldView:
    """A hold as listed, with how many records it covers now."""

    id: int
    uid: str
    name: str
    mandate: str
    scope: ScopeView
    placed_by: str
    placed_at_utc: str
    lifted_at_utc: str | None
    lifted_by: str | None
    lift_reason: str | None
    covers: int


def resolve_scope(
    conn: Connection, scope: HoldScope, *, pack: CompiledPack | None = None
) -> HoldScope:
    """``scope`` as the store names things: each channel resolved through the pack's names and
    aliases exactly as capture resolves it (``sms`` is ``corporate-phone``), record ids and
    outage ids completed from unique prefixes, record classes by id; an unknown channel, record,
    outage or class, and a date range that ends before it starts, are refused."""
    from commsgov.policy.errors import UnknownIdError

    compiled = resolve_pack(pack)
    if scope.date_from and scope.date_to and scope.date_to < scope.date_from:
        raise InvalidFieldError(
            "to",
            f"the range ends ({scope.date_to.isoformat()}) before it starts "
            f"({scope.date_from.isoformat()})",
        )
    methods = set()
    for method in scope.methods:
        try:
            methods.add(compiled.channel(method).id)
        except UnknownIdError as exc:
            raise InvalidFieldError("method", str(exc)) from exc
    records = set()
    for ref in scope.record_uids:
        found = repo.resolve_record(conn, ref=ref.strip())
        if found is not None:
            records.add(found[1])
        elif (stub := rr.get_stub(conn, uid=ref.strip())) is not None:
            records.add(str(stub["record_uid"]))  # disposed of already: harmless to name
        else:
            raise NotFoundError(f"no record {ref!r}")
    outages = set()
    known = [o["uid"] for o in repo.list_outages(conn)]
    for ref in scope.outages:
        matching = [uid for uid in known if uid == ref or uid.startswith(ref.strip())]
        if len(matching) != 1:
            raise InvalidFieldError("outage", f"no outage {ref!r} (`commsgov outage list`)")
        outages.add(matching[0])
    schedules = load_schedules(compiled)
    classes = {find_schedule(schedules, c).id for c in scope.record_classes}
    participants = {p.strip() for p in scope.participants if p.strip()}
    return replace(
        scope,
        methods=frozenset(methods),
        record_uids=frozenset(records),
        outages=frozenset(outages),
        record_classes=frozenset(classes),
        participants=frozenset(participants),
        search=scope.search.strip() if scope.search and scope.search.strip() else None,
    )


def hold_scope(
    *,
    records: Iterable[str] = (),
    participants: Iterable[str] = (),
    methods: Iterable[str] = (),
    date_from: dt.date | dt.datetime | None = None,
    date_to: dt.date | dt.datetime | None = None,
    outages: Iterable[str] = (),
    search: str | None = None,
    record_classes: Iterable[str] = (),
    zone: str | None = None,
) -> HoldScope:
    """A hold's scope as a person gives it: a bare date ``date_from`` is the first moment of
    that day, ``date_to`` its last, in ``zone`` (default: the configured zone)."""
    from commsgov.records.timestamps import range_end, range_start
    from commsgov.services._support import configured_zone

    where = zone or configured_zone()
    return HoldScope(
        record_uids=frozenset(records),
        participants=frozenset(participants),
        methods=frozenset(methods),
        date_from=range_start(date_from, zone=where) if date_from else None,
        date_to=range_end(date_to, zone=where) if date_to else None,
        outages=frozenset(outages),
        search=search,
        record_classes=frozenset(record_classes),
    )


def place_hold(
    store: Store,
    *,
    name: str,
    mandate: str,
    scope: HoldScope,
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> PlacedHold:
    """Place a named hold; returns it with the records it covers now (new ones join later).

    Its scope is resolved first (:func:`resolve_scope`): a hold holds what it names, or is
    refused. A hold that covers nothing now is placed, with a ``warning``."""
    now = clock(now)
    with store.read() as conn:
        scope = resolve_scope(conn, scope, pack=pack)
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
                HoldPlaced(
                    uid=hold.id,
                    name=hold.name,
                    mandate=hold.mandate,
                    scope=json.loads(row["scope"]),
                    placed_by=actor.name,
                    placed_at_utc=row["placed_at_utc"],
                )
            ],
            actor=actor,
            now=now,
        )
        rr.insert_hold(conn, row=row)
        covered = rr.uids_matching(conn, scope=scope)
    warning = None
    if not covered:
        warning = (
            f"hold {hold.name!r} covers no record now ({scope.describe()}): it holds records "
            "captured later in its scope, but check that its scope says what you meant"
        )
    return PlacedHold(
        uid=hold.id,
        name=hold.name,
        mandate=hold.mandate,
        scope=ScopeView.of(row["scope"]),
        placed_by=actor.name,
        placed_at_utc=row["placed_at_utc"],
        covers=tuple(covered),
        entry_seq=entry.seq,
        warning=warning,
    )


def lift_hold(
    store: Store,
    *,
    ref: str,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    pack: CompiledPack | None = None,
) -> LiftedHold:
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
            [HoldLifted(row["uid"], row["name"], lifted_by=actor.name, reason=reason)],
            actor=actor,
            now=now,
        )
        rr.lift_hold(conn, uid=row["uid"], at=utc_text(now), by=actor.name, reason=reason)
        covered = rr.uids_matching(conn, scope=lifted.scope)
        still = rr.held_uids(conn, uids=covered, held=active_scopes(conn, schedules, pack=pack))
        recomputed = []
        for uid in covered:
            if rr.get_item(conn, uid=uid) is not None:
                values = recompute(conn, uid, schedules, now=now)
                recomputed.append(Recomputed(uid, values["due_at_utc"], uid in still))
    return LiftedHold(
        uid=row["uid"],
        name=row["name"],
        lifted_by=actor.name,
        reason=reason,
        entry_seq=entry.seq,
        recomputed=tuple(recomputed),
    )


def list_holds(
    store: Store,
    *,
    actor: Actor,
    include_lifted: bool = False,
    pack: CompiledPack | None = None,
) -> list[HoldView]:
    """Holds (active only unless ``include_lifted``), each with how many records it covers
    (a channel named the way an earlier version stored it counts as the pack's channel too)."""
    with store.read() as conn:
        return [
            HoldView(
                **{**row, "scope": ScopeView.of(row["scope"])},
                covers=len(
                    rr.uids_matching(
                        conn, scope=with_channels(rr.scope_from_json(row["scope"]), pack)
                    )
                ),
            )
            for row in rr.list_holds(conn, active_only=not include_lifted)
        ]

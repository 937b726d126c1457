"""Capture one communication into the record, correct it, dispose of it (each one transaction)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import (
    RecordCaptured,
    RecordCorrected,
)
from commsgov.records.exceptions import policy_exception_for
from commsgov.records.ledger import LedgerEntry
from commsgov.records.models import (
    CORRECTABLE_FIELDS,
    Participant,
    PolicyException,
    RecordDraft,
    record_state,
    require_storable,
)
from commsgov.records.timestamps import gap_problem, utc_text
from commsgov.services._support import clock, new_uid, resolve_pack
from commsgov.services.files import store_file
from commsgov.services.ledger import append_events
from commsgov.store import repo
from commsgov.store.faults import pause_point
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = ["CaptureResult", "Correction", "capture", "correct_record"]


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """A captured record: its uid, ledger position, device, outage and any policy exception."""

    uid: str
    ledger_seq: int
    device: str
    outage_uid: str | None
    policy_exception: PolicyException | None


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction recorded: the record, its ledger entry and the fields it changed."""

    uid: str
    ledger_seq: int
    fields: tuple[str, ...]


#: what capture needs to know of a channel: its kind, and the ``(document, quote)`` of the rule
#: a capture outside an outage breaches (the pack's ban on mobile messaging apps)
_Policy = tuple[str, tuple[str, str]]


def resolve_draft(draft: RecordDraft, pack: CompiledPack) -> tuple[RecordDraft, _Policy]:
    """The draft with its method and device resolved against the pack, and the channel's policy."""
    from commsgov.policy.errors import UnknownIdError

    draft.validate()
    method, usual_device, policy = channel_policy(pack, draft.method)
    if draft.scenario:
        try:
            scenario = pack.scenario(draft.scenario).id
        except UnknownIdError as exc:
            raise InvalidFieldError("scenario", str(exc)) from exc
        draft = dataclasses.replace(draft, scenario=scenario)
    device = draft.device or usual_device
    return dataclasses.replace(draft, method=method, device=device), policy  # type: ignore[arg-type]


def channel_policy(pack: CompiledPack, method: str) -> tuple[str, str, _Policy]:
    """The channel's id, its usual device, and its policy (what capture needs to judge it)."""
    from commsgov.policy.errors import UnknownIdError

    try:
        channel = pack.channel(method)
    except UnknownIdError as exc:
        raise InvalidFieldError("method", str(exc)) from exc
    ban = pack.rule("mma_ban")
    cite = ban.cite[0] if ban is not None and ban.cite else None
    policy = (channel.kind, (cite.document, cite.quote) if cite else ("", ""))
    return channel.id, channel.device, policy


def insert_record(
    conn: Connection,
    draft: RecordDraft,
    policy: _Policy,
    *,
    actor: Actor,
    now: dt.datetime,
) -> tuple[int, str, LedgerEntry, dict[str, Any]]:
    occurred_utc = utc_text(draft.occurred_at)
    repo.lock_ledger(conn)
    outage_uid = repo.outage_covering(conn, at_utc=occurred_utc)
    exception = policy_exception_for(
        method=draft.method,
        channel_kind=policy[0],
        cite=policy[1],
        device=draft.device or "corporate",
        covered_by=outage_uid,
    )
    uid = new_uid()
    state = record_state(
        draft,
        uid=uid,
        captured_at=now,
        captured_by=actor.name,
        outage_uid=outage_uid,
        policy_exception=exception,
    )
    (entry,) = append_events(conn, [RecordCaptured(state)], actor=actor, now=now)
    record_id = repo.insert_record(conn, state=state, stored_at=utc_text(now))
    return record_id, uid, entry, state


def capture(
    store: Store,
    draft: RecordDraft,
    *,
    actor: Actor,
    attach: Sequence[Path] = (),
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> CaptureResult:
    """Capture one communication (validated against the pack) with its attached files.

    A wall time that no clock showed (the spring clock change) is refused, asking for its
    offset: the person capturing is there to say which they meant (an import cannot ask, so
    ingest keeps such a time and flags it ``dst-nonexistent``)."""
    now = clock(now)
    resolved, policy = resolve_draft(draft, resolve_pack(pack))
    if resolved.occurred_at > now + dt.timedelta(minutes=5):
        raise InvalidFieldError("at", f"{resolved.occurred_at.isoformat()} is in the future")
    gap = gap_problem(resolved.occurred_at)
    if gap is not None:
        raise InvalidFieldError("at", gap)
    # (files stored before the transaction are not orphans to `store clean` meanwhile)
    with store.blobs.writing():
        refs = tuple(store_file(store, Path(p), actor=actor, field_name="attach") for p in attach)
        if refs:
            resolved = dataclasses.replace(resolved, attachments=resolved.attachments + refs)
        with store.write() as conn:
            _id, uid, entry, state = insert_record(conn, resolved, policy, actor=actor, now=now)
            pause_point("capture.before-commit")  # (the crash tests kill the process here)
    exception = state["policy_exception"]
    return CaptureResult(
        uid,
        entry.seq,
        state["device"],
        state["outage_uid"],
        PolicyException(**exception) if exception else None,
    )


def correct_record(
    store: Store,
    *,
    uid: str,
    changes: dict[str, Any],
    reason: str,
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> Correction:
    """Correct fields of a record: a new ledger entry, the old values kept in the ledger.

    A new method or scenario is resolved against the pack (an id, alias or name), as at capture.
    """
    unknown = sorted(set(changes) - CORRECTABLE_FIELDS)
    if unknown:
        raise InvalidFieldError(
            unknown[0],
            f"cannot be corrected (correctable: {', '.join(sorted(CORRECTABLE_FIELDS))})",
        )
    if not reason.strip():
        raise InvalidFieldError("reason", "say why the record is corrected")
    changes = dict(changes)
    if "participants" in changes:
        changes["participants"] = [
            p.to_dict() if isinstance(p, Participant) else Participant.from_dict(p).to_dict()
            for p in changes["participants"]
        ]
    require_storable("reason", reason)
    for name, value in changes.items():
        if name == "participants":
            for p in value:
                for text in (p["name"], p["number"], p["organisation"]):
                    require_storable("participants", text)
        elif isinstance(value, str):
            require_storable(name, value)
    if "method" in changes or "scenario" in changes:
        from commsgov.policy.errors import UnknownIdError

        compiled = resolve_pack(pack)
        try:
            if "method" in changes:
                changes["method"] = compiled.channel(changes["method"]).id
            if changes.get("scenario") is not None:
                changes["scenario"] = compiled.scenario(changes["scenario"]).id
        except UnknownIdError as exc:
            field = "scenario" if exc.kind == "scenario" else "method"
            raise InvalidFieldError(field, str(exc)) from exc
    with store.write() as conn:
        found = repo.require_record(conn, ref=uid)
        (entry,) = append_events(
            conn, [RecordCorrected(found[1], changes, reason)], actor=actor, now=now
        )
        repo.update_record(conn, uid=found[1], changes=changes)
    return Correction(found[1], entry.seq, tuple(sorted(changes)))


@dataclass(frozen=True, slots=True)
class QueuedCapture:
    """An item of a browser's offline queue captured: the record, and whether it was already
    held (the same item sent again after its answer was lost: nothing new is written)."""

    result: CaptureResult
    again: bool


def capture_queued(
    store: Store,
    draft: RecordDraft,
    *,
    actor: Actor,
    attach: Sequence[Path] = (),
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> QueuedCapture:
    """Capture an item a browser kept while it had no network (``draft.source`` carries the
    device's time, zone and key for it): once, however many times it is sent."""
    made_id = draft.source.made_id
    if made_id is None:
        raise InvalidFieldError("made_id", "the queued item's key is required")
    with store.read() as conn:
        found = repo.find_queued(conn, made_id=made_id, captured_by=actor.name,
                                 occurred_at_utc=utc_text(draft.occurred_at))  # fmt: skip
        if found is not None:
            state = repo.get_record_state(conn, record_id=found)
            seq = repo.entries_for_record(conn, uid=state["uid"])[0].seq
    if found is None:
        return QueuedCapture(capture(store, draft, actor=actor, attach=attach, pack=pack,
                                     now=now), again=False)  # fmt: skip
    exception = state["policy_exception"]
    held = CaptureResult(state["uid"], seq, state["device"], state["outage_uid"],
                         PolicyException(**exception) if exception else None)  # fmt: skip
    return QueuedCapture(held, again=True)

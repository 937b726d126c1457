"""The corporate record as a service: capture, bulk conversations, outages, verify, search, export.

Every function takes a :class:`Store` (``open_store()``) and runs in one transaction: it either
writes everything (rows, ledger entries, search index) or nothing.

Public API (keyword-only after the first argument)::

    open_store(url=None, *, blob_dir=None, migrate=True) -> Store
        url defaults to settings (COMMSGOV_DATABASE_URL or SQLite in the data folder); blobs
        live beside a SQLite file (<db>.blobs/) or in <data_dir>/blobs for other databases.
    store_file(store, path) -> AttachmentRef
        put a file in the content-addressed blob store (idempotent); use the result as an
        attachment or as a record's Source(kind="file", file_sha256=ref.sha256, ...).
    capture(store, draft: RecordDraft, *, actor=None, attach=(), pack=None, now=None)
        -> CaptureResult(uid, seq, device, outage_uid, policy_exception)
    store_conversation(store, *, record: RecordDraft, messages: Iterable[MessageDraft],
                       actor=None, original_file: Path | None = None, pack=None,
                       batch_size=10_000, now=None) -> ConversationResult
        find-or-create the record for (record.method, record.conversation_key) and add the
        messages not already held (message identity = SHA-256 of method, conversation key,
        UTC time, sender, exact text and, for a repeat within the export, its occurrence;
        unique within the record). Returns
        ConversationResult(record_uid, created, new_messages, already_held, entries).
        original_file is stored content-addressed and its SHA-256 set on the record's source.
    add_messages(store, *, record_uid, messages, actor=None, batch_size=10_000, now=None)
        -> ConversationResult (append to an existing record)
    correct_record(store, *, uid, changes: dict, reason, actor=None, pack=None) -> int (seq)
    dispose_record(store, *, uid, action="delete", reason, actor=None) -> int (seq)
    append_events(conn, events, *, actor, now=None) -> list[LedgerEntry]
        for other services (retention holds, reviews): put their own events on the chain
        inside their own transaction (``with store.engine.begin() as conn``).
    start_outage / end_outage / list_outages, verify(store) -> VerifyReport,
    receipt(store, ref) -> Receipt, check_receipt(store, data) -> list[str],
    get_record / list_records / search_records / exceptions / export_records.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import mimetypes
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from commsgov.records.canonical import (
    canonical_bytes,
    canonical_json,
    json_string,
    sha256_hex,
)
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import (
    Event,
    MessagesAdded,
    OutageEnded,
    OutageStarted,
    RecordCaptured,
    RecordCorrected,
    RecordDisposed,
    RecordsExported,
    SourceAdded,
)
from commsgov.records.exceptions import policy_exception_for
from commsgov.records.ledger import LedgerEntry, Receipt, make_entry
from commsgov.records.models import (
    CORRECTABLE_FIELDS,
    SYSTEM_SENDER,
    AttachmentRef,
    MessageDraft,
    Participant,
    RecordDraft,
    Source,
    flags_text,
    record_state,
)
from commsgov.records.timestamps import utc_text, zone_name
from commsgov.records.verify import Break, Verifier, messages_digest
from commsgov.store import repo, repo_verify
from commsgov.store.blobs import BlobStore

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "CaptureResult",
    "ConversationResult",
    "Store",
    "VerifyReport",
    "add_messages",
    "append_events",
    "capture",
    "check_receipt",
    "correct_record",
    "dispose_record",
    "end_outage",
    "exceptions",
    "export_records",
    "get_record",
    "list_outages",
    "list_records",
    "open_store",
    "receipt",
    "search_records",
    "source_hashes",
    "start_outage",
    "store_conversation",
    "store_file",
    "verify",
]


# -- the store ----------------------------------------------------------------------------
@dataclass
class Store:
    """An open record store: the database engine and the blob folder."""

    url: str
    engine: Engine
    blobs: BlobStore

    def write(self) -> Any:
        """A write transaction (``with store.write() as conn``)."""
        return self.engine.begin()

    def read(self) -> Any:
        """A read-only transaction (does not take SQLite's write lock)."""
        return self.engine.connect().execution_options(commsgov_read=True)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def default_blob_dir(url: str) -> Path:
    """Where blobs live: beside a SQLite file, else in the data folder."""
    from commsgov.config import get_settings
    from commsgov.store.engine import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".blobs")
    return get_settings().data_dir / "blobs"


def open_store(
    url: str | None = None, *, blob_dir: Path | None = None, migrate: bool = True
) -> Store:
    """Open (and by default migrate) the record store at ``url``."""
    from commsgov.config import get_settings
    from commsgov.store import migrate as migrations
    from commsgov.store.engine import make_engine

    url = url or get_settings().resolved_database_url()
    engine = make_engine(url)
    if migrate:
        migrations.upgrade(engine)
    return Store(url=url, engine=engine, blobs=BlobStore(blob_dir or default_blob_dir(url)))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    from commsgov.config import get_settings

    return get_settings().actor()


def _new_uid() -> str:
    return uuid.uuid4().hex


# -- the ledger ---------------------------------------------------------------------------
def append_events(
    conn: Connection, events: Sequence[Event], *, actor: str, now: dt.datetime | None = None
) -> list[LedgerEntry]:
    """Append events to the chain inside the caller's write transaction; the new entries."""
    repo.lock_ledger(conn)
    seq, prev = repo.ledger_head(conn)
    at = _now(now)
    entries = []
    for event in events:
        seq += 1
        entry = make_entry(event, seq=seq, prev_hash=prev, actor=actor, at=at)
        entries.append(entry)
        prev = entry.entry_hash
    repo.insert_entries(conn, entries)
    return entries


# -- files --------------------------------------------------------------------------------
def store_file(store: Store, path: Path, *, field_name: str = "attach") -> AttachmentRef:
    """Store a file content-addressed; raises InvalidFieldError when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InvalidFieldError(field_name, f"no such file: {path}")
    try:
        blob = store.blobs.put_file(path)
    except OSError as exc:
        raise InvalidFieldError(field_name, f"cannot read {path}: {exc}") from exc
    media_type = mimetypes.guess_type(path.name)[0]
    return AttachmentRef(
        sha256=blob.sha256, size=blob.size, filename=path.name, media_type=media_type
    )


# -- capture ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CaptureResult:
    """A captured record: its uid, ledger position, device, outage and any policy exception."""

    uid: str
    seq: int
    device: str
    outage_uid: str | None
    policy_exception: dict[str, Any] | None


def _pack(pack: CompiledPack | None) -> CompiledPack:
    if pack is not None:
        return pack
    from commsgov.policy.cache import compiled_pack

    return compiled_pack()


#: what capture needs to know of a channel: its kind, and the ``(document, quote)`` of the rule
#: a capture outside an outage breaches (the pack's ban on mobile messaging apps)
_Policy = tuple[str, tuple[str, str]]


def _resolve(draft: RecordDraft, pack: CompiledPack) -> tuple[RecordDraft, _Policy]:
    """The draft with its method and device resolved against the pack, and the channel's policy."""
    from commsgov.policy.errors import UnknownIdError

    draft.validate()
    try:
        channel = pack.channel(draft.method)
    except UnknownIdError as exc:
        raise InvalidFieldError("method", str(exc)) from exc
    if draft.scenario:
        try:
            scenario = pack.scenario(draft.scenario).id
        except UnknownIdError as exc:
            raise InvalidFieldError("scenario", str(exc)) from exc
        draft = dataclasses.replace(draft, scenario=scenario)
    device = draft.device or channel.device
    ban = pack.rule("mma_ban")
    cite = ban.cite[0] if ban is not None and ban.cite else None
    policy = (channel.kind, (cite.document, cite.quote) if cite else ("", ""))
    return dataclasses.replace(draft, method=channel.id, device=device), policy  # type: ignore[arg-type]


def _insert_record(
    conn: Connection,
    draft: RecordDraft,
    policy: _Policy,
    *,
    actor: str,
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
    uid = _new_uid()
    state = record_state(
        draft,
        uid=uid,
        captured_at=now,
        captured_by=actor,
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
    actor: str | None = None,
    attach: Sequence[Path] = (),
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> CaptureResult:
    """Capture one communication (validated against the pack) with its attached files."""
    now = _now(now)
    actor = _actor(actor)
    resolved, policy = _resolve(draft, _pack(pack))
    if resolved.occurred_at > now + dt.timedelta(minutes=5):
        raise InvalidFieldError("at", f"{resolved.occurred_at.isoformat()} is in the future")
    refs = tuple(store_file(store, Path(p), field_name="attach") for p in attach)
    if refs:
        resolved = dataclasses.replace(resolved, attachments=resolved.attachments + refs)
    with store.write() as conn:
        _id, uid, entry, state = _insert_record(conn, resolved, policy, actor=actor, now=now)
    return CaptureResult(
        uid, entry.seq, state["device"], state["outage_uid"], state["policy_exception"]
    )


# -- conversations and messages -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConversationResult:
    """What a bulk write did: the record, whether it was new, messages added and already held."""

    record_uid: str
    created: bool
    new_messages: int
    already_held: int
    entries: int


#: time zones whose name is the same for every instant (cached per zone in the hot loop)
_FIXED_ZONES = (ZoneInfo, dt.timezone)


def _chunks(items: Iterable[MessageDraft], size: int) -> Iterator[list[MessageDraft]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _write_messages(
    conn: Connection,
    *,
    record_id: int,
    record_uid: str,
    method: str,
    conversation: str,
    messages: Iterable[MessageDraft],
    actor: str,
    now: dt.datetime,
    batch_size: int,
    new_record: bool = False,
) -> tuple[int, int, int]:
    """Deduplicate, hash and insert messages in batches, one ledger entry per batch.

    The hot loop inlines :func:`~commsgov.records.models.message_identity`,
    :func:`~commsgov.records.models.message_canonical` (the pre-0006 form for plain messages) and
    :func:`~commsgov.records.timestamps.utc_text` (same bytes; the tests check it): the canonical
    JSON lists are assembled from pieces quoted once (the method, conversation and record uid per
    call, each sender and zone once), the text is quoted once for both hashes, and UTC and local
    times are ISO text that needs no escaping. Identities and hashes are stored as raw 32-byte
    digests (their hex form is what gets hashed). For a record created in this transaction no
    stored message can share an identity (deduplication is within a record), so the database is
    not asked which ones it holds; the unique index still guards it.
    """
    repo.lock_ledger(conn)
    seq, prev = repo.ledger_head(conn)
    at_text = utc_text(now)
    sha256 = hashlib.sha256
    quote = json_string
    system_sender = SYSTEM_SENDER
    # '["message","<method>","<conversation>","' then the UTC time; '["<uid>","' then the identity
    identity_head = "[" + ",".join(map(quote, ("message", method, conversation))) + ',"'
    message_head = "[" + quote(record_uid) + ',"'
    quoted: dict[str, str] = {}  # sender -> its JSON string
    zones: dict[Any, tuple[str, str]] = {}  # tzinfo -> (zone name, its JSON string)
    seen: dict[bytes, int] = {}  # identity of a first occurrence -> how many so far
    chunks = _chunks(messages, batch_size)
    done = 0  # messages prepared so far (errors name a message by done + its position)

    def prepare(entry_seq: int) -> tuple[int, list[tuple[Any, ...]], list[AttachmentRef]]:
        """The next batch's size, its rows and the files they attach."""
        nonlocal done
        batch = next(chunks, [])
        rows: list[tuple[Any, ...]] = []
        files: list[AttachmentRef] = []
        add_row = rows.append
        occurrences = seen.get
        cached_zone = zones.get
        cached_sender = quoted.get
        for position, m in enumerate(batch):
            when = m.sent_at
            local = when.isoformat()
            # utc_text(when) from the local text when its offset is whole hours ("+HH:00") and
            # the day does not change: only the hour differs
            if local[-6] in "+-" and local[-3:] == ":00":
                hour = int(local[11:13]) - int(local[-6:-3])
                if 0 <= hour < 24:
                    rest = local[13:-6]  # ":MM:SS" or ":MM:SS.ffffff"
                    utc = (
                        f"{local[:11]}{hour:02d}{rest}Z"
                        if len(rest) > 6
                        else f"{local[:11]}{hour:02d}{rest}.000000Z"
                    )
                else:
                    utc = utc_text(when)
            elif when.utcoffset() is None:
                raise InvalidFieldError(
                    f"messages[{done + position}].sent_at", "the time must be timezone-aware"
                )
            else:
                utc = utc_text(when)
            sender = m.sender
            kind = m.kind
            if kind == "message":
                if not sender:
                    raise InvalidFieldError(
                        f"messages[{done + position}].sender", "a sender is required"
                    )
            elif kind != "system":
                raise InvalidFieldError(
                    f"messages[{done + position}].kind", f"{kind!r} is not 'message' or 'system'"
                )
            flags = "[]"
            if m.flags:
                if not all(isinstance(f, str) and f for f in m.flags):
                    raise InvalidFieldError(
                        f"messages[{done + position}].flags", "a flag is not a word"
                    )
                flags = flags_text(m.flags)
            atts = "[]"
            if m.attachments:
                atts = canonical_json([a.to_dict() for a in m.attachments])
                files.extend(a for a in m.attachments if a.sha256 is not None)  # not references
            who = system_sender if sender is None else sender
            who_json = cached_sender(who)
            if who_json is None:
                who_json = quoted[who] = quote(who)
            text_ = m.text
            # sender and text, closing the list: the tail of both canonical lists
            tail = f"{who_json},{quote(text_)}]"
            identity = sha256(f'{identity_head}{utc}",{tail}'.encode()).digest()
            earlier = occurrences(identity)
            if earlier is None:
                seen[identity] = 1
            else:
                # the same time, sender and text again in this export: another message (minute
                # precision), named by its occurrence (see message_identity)
                seen[identity] = earlier + 1
                identity = sha256(f'{identity_head}{utc}",{tail[:-1]},{earlier}]'.encode()).digest()
            tz = when.tzinfo
            # others may name a different offset per instant (or not be hashable)
            fixed = type(tz) in _FIXED_ZONES
            zone_pair = cached_zone(tz) if fixed else None
            if zone_pair is None:
                zone = zone_name(when)
                zone_pair = (zone, quote(zone))
                if fixed:
                    zones[tz] = zone_pair
            zone = zone_pair[0]
            if kind == "message" and flags == "[]":  # sender is set: the seven-string form
                canonical = (
                    f'{message_head}{identity.hex()}","{utc}",{zone_pair[1]},"{local}",{tail}'
                    f"\x1e{atts}"
                ).encode()
            else:
                canonical = (
                    canonical_bytes(
                        [record_uid, identity.hex(), utc, zone, local, sender, text_, kind, flags]
                    )
                    + b"\x1e"
                    + atts.encode()
                )
            add_row(
                (record_id, entry_seq, position, identity, utc, zone, local, sender, text_, atts,
                 kind, flags, sha256(canonical).digest())
            )  # fmt: skip
        done += len(batch)
        return len(batch), rows, files

    new_total = held_total = entries = 0
    pending: Future[tuple[int, list[tuple[Any, ...]], list[AttachmentRef]]] | None = None
    # the next batch is prepared in a worker thread while SQLite feeds the full-text index with
    # this one (that step does not hold the GIL); the worker never touches the connection
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="commsgov-write") as pool:

        def prepare_next() -> None:
            nonlocal pending
            pending = pool.submit(prepare, seq + 1)

        while True:
            if pending is None:
                size, rows, files = prepare(seq + 1)
            else:
                size, rows, files = pending.result()
                pending = None
            if not size:
                break
            for a in files:
                if a.sha256 is not None and a.size is not None:
                    repo.ensure_blob(conn, sha256=a.sha256, size=a.size, stored_at=at_text)
            if rows and not new_record:
                held = repo.existing_identities(
                    conn, record_id=record_id, keys=[(r[4], r[3]) for r in rows]
                )
                if held:
                    kept = [r for r in rows if r[3] not in held]
                    held_total += len(rows) - len(kept)
                    rows = [(*r[:2], p, *r[3:]) for p, r in enumerate(kept)]
            if not rows:
                continue
            seq += 1
            # the batch digest hashes the digests in position order (one concatenation)
            digest = messages_digest([b"".join([r[12] for r in rows])])
            event = MessagesAdded(record_uid, len(rows), digest, size - len(rows))
            entry = make_entry(event, seq=seq, prev_hash=prev, actor=actor, at=now)
            repo.insert_entries(conn, [entry])
            repo.insert_messages(conn, rows=rows, meanwhile=prepare_next)
            prev = entry.entry_hash
            new_total += len(rows)
            entries += 1
    return new_total, held_total, entries


def store_conversation(
    store: Store,
    *,
    record: RecordDraft,
    messages: Iterable[MessageDraft],
    actor: str | None = None,
    original_file: Path | None = None,
    pack: CompiledPack | None = None,
    batch_size: int = 10_000,
    now: dt.datetime | None = None,
) -> ConversationResult:
    """Store a conversation and its messages in one transaction (see the module docstring)."""
    now = _now(now)
    actor = _actor(actor)
    if not record.conversation_key:
        raise InvalidFieldError("conversation_key", "a conversation needs a key to deduplicate on")
    resolved, policy = _resolve(record, _pack(pack))
    if original_file is not None:
        ref = store_file(store, Path(original_file), field_name="original_file")
        resolved = dataclasses.replace(
            resolved,
            source=Source(
                kind="file",
                file_name=ref.filename,
                file_sha256=ref.sha256,
                format=resolved.source.format,
            ),
        )
    with store.write() as conn:
        repo.lock_ledger(conn)
        found = repo.find_conversation(
            conn, method=resolved.method, key=resolved.conversation_key or ""
        )
        created = found is None
        if found is None:
            record_id, uid, _entry, _state = _insert_record(
                conn, resolved, policy, actor=actor, now=now
            )
        else:
            record_id, uid = found
        added_source = 0
        if resolved.source.file_sha256:
            source_file = store.blobs.path(resolved.source.file_sha256)
            if not source_file.is_file():
                raise InvalidFieldError(
                    "source.file_sha256",
                    f"{resolved.source.file_sha256} is not in the blob store (store_file first)",
                )
            repo.ensure_blob(
                conn,
                sha256=resolved.source.file_sha256,
                size=source_file.stat().st_size,
                stored_at=utc_text(now),
            )
            if not created and resolved.source.file_sha256 not in source_hashes(conn, uid):
                event = SourceAdded(uid, resolved.source.to_dict())
                append_events(conn, [event], actor=actor, now=now)
                added_source = 1
        new, held, entries = _write_messages(
            conn,
            record_id=record_id,
            record_uid=uid,
            method=resolved.method,
            conversation=resolved.conversation_key or "",
            messages=messages,
            actor=actor,
            now=now,
            batch_size=batch_size,
            new_record=created,
        )
    return ConversationResult(
        uid, created, new, held, entries + (1 if created else 0) + added_source
    )


def source_hashes(conn: Connection, uid: str) -> set[str]:
    """SHA-256 of every original file record ``uid`` came from (its source, ``source-added``)."""
    history = repo.entries_for_record(conn, uid=uid)
    return {s["file_sha256"] for s in _sources(conn, uid, history) if s.get("file_sha256")}


def _sources(conn: Connection, uid: str, history: Sequence[LedgerEntry]) -> list[dict[str, Any]]:
    """The record's source, then every file that joined it later, in ledger order."""
    found = repo.resolve_record(conn, ref=uid)
    sources: list[dict[str, Any]] = []
    if found is not None:
        sources.append(repo.get_record_state(conn, record_id=found[0])["source"])
    for e in history:
        if e.kind == SourceAdded.kind:
            sources.append(json.loads(e.payload)["source"] | {"ledger_seq": e.seq})
    return sources


def add_messages(
    store: Store,
    *,
    record_uid: str,
    messages: Iterable[MessageDraft],
    actor: str | None = None,
    batch_size: int = 10_000,
    now: dt.datetime | None = None,
) -> ConversationResult:
    """Add messages to an existing record (deduplicated), in one transaction."""
    now = _now(now)
    actor = _actor(actor)
    with store.write() as conn:
        found = repo.resolve_record(conn, ref=record_uid)
        if found is None:
            raise NotFoundError(f"no record {record_uid!r}")
        record_id, uid = found
        state = repo.get_record_state(conn, record_id=record_id)
        new, held, entries = _write_messages(
            conn,
            record_id=record_id,
            record_uid=uid,
            method=state["method"],
            conversation=state["conversation_key"] or uid,
            messages=messages,
            actor=actor,
            now=now,
            batch_size=batch_size,
        )
    return ConversationResult(uid, False, new, held, entries)


# -- corrections and disposal -------------------------------------------------------------
def correct_record(
    store: Store,
    *,
    uid: str,
    changes: dict[str, Any],
    reason: str,
    actor: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Correct fields of a record: a new ledger entry, the old values kept in the ledger."""
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
    if "method" in changes:
        from commsgov.policy.errors import UnknownIdError

        try:
            changes["method"] = _pack(pack).channel(changes["method"]).id
        except UnknownIdError as exc:
            raise InvalidFieldError("method", str(exc)) from exc
    actor = _actor(actor)
    with store.write() as conn:
        found = repo.resolve_record(conn, ref=uid)
        if found is None:
            raise NotFoundError(f"no record {uid!r}")
        (entry,) = append_events(
            conn, [RecordCorrected(found[1], changes, reason)], actor=actor, now=now
        )
        repo.update_record(conn, uid=found[1], changes=changes)
    return entry.seq


def dispose_record(
    store: Store,
    *,
    uid: str,
    reason: str,
    action: str = "delete",
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Destroy (or mark transferred and remove) a record and its messages, on the ledger."""
    actor = _actor(actor)
    with store.write() as conn:
        found = repo.resolve_record(conn, ref=uid)
        if found is None:
            raise NotFoundError(f"no record {uid!r}")
        (entry,) = append_events(
            conn, [RecordDisposed(found[1], action, reason)], actor=actor, now=now
        )
        repo.delete_record(conn, uid=found[1])
    return entry.seq


# -- outages ------------------------------------------------------------------------------
def start_outage(
    store: Store,
    *,
    reason: str,
    kind: str = "outage",
    started_at: dt.datetime | None = None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Declare an outage (or an exemption) from ``started_at`` (default now); its state."""
    if not reason or not reason.strip():
        raise InvalidFieldError("reason", "say why (e.g. 'SCOTS network down: cyber-attack')")
    if kind not in ("outage", "exemption"):
        raise InvalidFieldError("kind", f"{kind!r} is not 'outage' or 'exemption'")
    now = _now(now)
    actor = _actor(actor)
    start = started_at or now
    if start.tzinfo is None:
        raise InvalidFieldError("at", "the time must be timezone-aware")
    state = {
        "uid": _new_uid(),
        "kind": kind,
        "reason": reason.strip(),
        "started_at_utc": utc_text(start),
        "declared_at_utc": utc_text(now),
        "declared_by": actor,
        "ended_at_utc": None,
        "ended_by": None,
    }
    with store.write() as conn:
        append_events(conn, [OutageStarted(state)], actor=actor, now=now)
        repo.insert_outage(conn, state=state)
    return state


def end_outage(
    store: Store,
    *,
    uid: str | None = None,
    ended_at: dt.datetime | None = None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """End an open outage (the only open one when ``uid`` is not given); its new state."""
    now = _now(now)
    actor = _actor(actor)
    end = ended_at or now
    with store.write() as conn:
        open_ = repo.list_outages(conn, open_only=True)
        if uid is not None:
            open_ = [o for o in open_ if o["uid"] == uid or o["uid"].startswith(uid)]
        if not open_:
            raise NotFoundError("no open outage" + (f" {uid!r}" if uid else ""))
        if len(open_) > 1:
            raise InvalidFieldError(
                "outage",
                "several outages are open; name one: " + ", ".join(o["uid"] for o in open_),
            )
        outage = open_[0]
        end_text = utc_text(end)
        if end_text < outage["started_at_utc"]:
            raise InvalidFieldError("at", "an outage cannot end before it started")
        append_events(conn, [OutageEnded(outage["uid"], end_text, actor)], actor=actor, now=now)
        repo.end_outage(conn, uid=outage["uid"], ended_at_utc=end_text, ended_by=actor)
    return {**outage, "ended_at_utc": end_text, "ended_by": actor}


def list_outages(store: Store) -> list[dict[str, Any]]:
    """Every declared outage and exemption, newest first."""
    with store.read() as conn:
        return repo.list_outages(conn)


# -- verify and receipts ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :func:`verify`: the first problem (if any) and what was checked."""

    problem: Break | None
    entries: int
    records: int
    messages: int
    outages: int
    blobs: int
    head_seq: int
    head_hash: str
    orphan_blobs: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether everything verified."""
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "ok": self.ok,
            "problem": None
            if self.problem is None
            else {
                "check": self.problem.check,
                "entry_seq": self.problem.entry_seq,
                "record_uid": self.problem.record_uid,
                "detail": self.problem.detail,
                "message": str(self.problem),
            },
            "entries": self.entries,
            "records": self.records,
            "messages": self.messages,
            "outages": self.outages,
            "blobs": self.blobs,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "orphan_blobs": list(self.orphan_blobs),
        }


def verify(store: Store, *, check_blobs: bool = True) -> VerifyReport:
    """Recompute the whole chain and every stored hash; stop at the first broken link."""
    verifier = Verifier()
    records = outages = blobs_checked = 0
    orphans: tuple[str, ...] = ()
    try:
        with store.read() as conn:
            problem, records, outages, blobs_checked, orphans = _verify(
                store, conn, verifier, check_blobs=check_blobs
            )
    except (ValueError, TypeError, KeyError, UnicodeError, sqlite3.Error, DBAPIError) as exc:
        # rows a tamperer made unreadable (bad UTF-8, wrong types, broken JSON) are a break too
        problem = Break("unreadable", f"{type(exc).__name__}: {exc}".splitlines()[0])
    return VerifyReport(
        problem,
        verifier.entries,
        records,
        verifier.messages_checked,
        outages,
        blobs_checked,
        verifier.entries,
        verifier.head_hash,
        orphans,
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


def _record_hash(state: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(state))


def _add_record_hash(row: dict[str, Any]) -> int:
    """Set a listed record's ``record_sha256`` (over its state without the message count, which
    stays last); its message count."""
    count = row.pop("message_count")
    row["record_sha256"] = _record_hash(row)
    row["message_count"] = count
    return int(count)


def receipt(store: Store, ref: str, *, now: dt.datetime | None = None) -> Receipt:
    """A receipt for record ``ref`` (uid or unique prefix) against the current head."""
    with store.read() as conn:
        found = repo.resolve_record(conn, ref=ref)
        if found is None:
            raise NotFoundError(f"no record {ref!r}")
        record_id, uid = found
        state = repo.get_record_state(conn, record_id=record_id)
        entries = repo.entries_for_record(conn, uid=uid)
        head_seq, head_hash = repo.ledger_head(conn)
    last = entries[-1]
    return Receipt(
        record_uid=uid,
        record_sha256=_record_hash(state),
        entry_seq=last.seq,
        entry_hash=last.entry_hash,
        head_seq=head_seq,
        head_hash=head_hash,
        issued_at=utc_text(_now(now)),
    )


def check_receipt(store: Store, data: dict[str, Any]) -> list[str]:
    """Problems found checking a receipt against the store (empty: the receipt holds)."""
    problems: list[str] = []
    try:
        uid = str(data["record_uid"])
        entry_seq, head_seq = int(data["entry_seq"]), int(data["head_seq"])
        want_record, want_entry, want_head = (
            str(data["record_sha256"]),
            str(data["entry_hash"]),
            str(data["head_hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidFieldError("receipt", f"not a commsgov receipt ({exc})") from exc
    with store.read() as conn:
        entry = repo.get_entry(conn, seq=entry_seq)
        head = repo.get_entry(conn, seq=head_seq)
        history = [e for e in repo.entries_for_record(conn, uid=uid) if e.seq <= entry_seq]
        found = repo.resolve_record(conn, ref=uid)
        current = _record_hash(repo.get_record_state(conn, record_id=found[0])) if found else None
    if entry is None or entry.entry_hash != want_entry:
        problems.append(f"ledger entry {entry_seq} is missing or no longer has the receipt's hash")
    if head is None or head.entry_hash != want_head:
        problems.append(f"ledger entry {head_seq} (the head then) no longer has the receipt's hash")
    state: dict[str, Any] = {}
    for e in history:
        payload = json.loads(e.payload)
        if e.kind == "record-captured" or payload.get("set"):
            state.update(payload.get("set") or {})
    if not history or _record_hash(state) != want_record:
        problems.append("the ledger's history of the record does not give the receipt's hash")
    if current is None:
        problems.append("the record is no longer in the store (disposed of?)")
    elif current != want_record and not problems and not _entries_after(store, uid, entry_seq):
        problems.append("the record differs from the receipt and no later entry explains it")
    report = verify(store, check_blobs=False)
    if report.problem is not None:
        problems.append(f"the store does not verify: {report.problem}")
    return problems


def _entries_after(store: Store, uid: str, seq: int) -> list[LedgerEntry]:
    """Ledger entries about record ``uid`` after position ``seq`` (later corrections)."""
    with store.read() as conn:
        return [e for e in repo.entries_for_record(conn, uid=uid) if e.seq > seq]


# -- reading ------------------------------------------------------------------------------
def get_record(store: Store, ref: str, *, message_limit: int | None = None) -> dict[str, Any]:
    """A record's state, its hash, its ledger history and its messages."""
    with store.read() as conn:
        found = repo.resolve_record(conn, ref=ref)
        if found is None:
            raise NotFoundError(f"no record {ref!r}")
        state = repo.get_record_state(conn, record_id=found[0])
        history = repo.entries_for_record(conn, uid=found[1])
        sources = _sources(conn, found[1], history)
        messages = repo.messages_of_record(conn, record_id=found[0], limit=message_limit)
    state["record_sha256"] = _record_hash(state)
    state["sources"] = sources
    state["ledger"] = [
        {"seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind, "entry_hash": e.entry_hash}
        for e in history
    ]
    state["messages"] = [
        {
            k: m[k]
            for k in ("sent_at_utc", "sent_zone", "sent_local", "sender", "text", "kind", "sha256")
        }
        | {"flags": json.loads(m["flags"]), "attachments": json.loads(m["attachments_json"])}
        for m in messages
    ]
    return state


def list_records(
    store: Store, *, flt: repo.RecordFilter | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Records matching the filters, most recent first."""
    with store.read() as conn:
        rows = repo.list_records(conn, flt=flt or repo.RecordFilter(), limit=limit, offset=offset)
    for row in rows:
        _add_record_hash(row)
    return rows


def search_records(
    store: Store, *, terms: str, flt: repo.RecordFilter | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Records whose content, participants or messages hold every word of ``terms``."""
    with store.read() as conn:
        rows = repo.search_records(conn, terms=terms, flt=flt or repo.RecordFilter(), limit=limit)
        for row in rows:
            count = _add_record_hash(row)
            found = repo.resolve_record(conn, ref=row["uid"])
            row["matching_messages"] = (
                repo.search_messages(conn, terms=terms, limit=20, record_id=found[0])
                if found and count
                else []
            )
    return rows


def exceptions(store: Store, *, flt: repo.RecordFilter | None = None) -> list[dict[str, Any]]:
    """Records flagged as policy exceptions, most recent first."""
    flt = dataclasses.replace(flt or repo.RecordFilter(), exceptions_only=True)
    return list_records(store, flt=flt, limit=1_000_000)


def export_records(
    store: Store,
    records: list[dict[str, Any]],
    *,
    fmt: str,
    messages: bool = True,
    query: str = "",
    actor: str | None = None,
    audit: bool = True,
) -> str:
    """Export records (from list/search) with their hashes as ``json`` or ``csv`` text.

    Unless ``audit`` is off, the export is logged as a ``records-exported`` ledger entry with the
    SHA-256 of the returned text.
    """
    text = _export_text(store, records, fmt=fmt, messages=messages)
    if audit:
        event = RecordsExported(tuple(r["uid"] for r in records), fmt, query, sha256_hex(text))
        with store.write() as conn:
            append_events(conn, [event], actor=_actor(actor))
    return text


def _export_text(store: Store, records: list[dict[str, Any]], *, fmt: str, messages: bool) -> str:
    head_seq, head_hash = 0, ""
    with store.read() as conn:
        head_seq, head_hash = repo.ledger_head(conn)
    full = [get_record(store, r["uid"]) if messages else r for r in records]
    if fmt == "json":
        return (
            json.dumps(
                {
                    "exported_at": utc_text(_now(None)),
                    "ledger_head_seq": head_seq,
                    "ledger_head_hash": head_hash,
                    "records": full,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if fmt != "csv":
        raise InvalidFieldError("format", f"{fmt!r} is not 'csv' or 'json'")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "row_type",
            "record_uid",
            "occurred_at_utc",
            "occurred_local",
            "method",
            "device",
            "participants",
            "subject",
            "summary_or_text",
            "sender",
            "outage_uid",
            "policy_exception",
            "sha256",
            "ledger_head_hash",
            "kind",
            "flags",
        ]
    )
    for r in full:
        writer.writerow(
            [
                "record",
                r["uid"],
                r["occurred_at_utc"],
                r["occurred_local"],
                r["method"],
                r["device"],
                "; ".join(p["name"] for p in r["participants"]),
                r["subject"] or "",
                r["summary"] or r["content"] or "",
                "",
                r["outage_uid"] or "",
                (r["policy_exception"] or {}).get("rule", ""),
                r["record_sha256"],
                head_hash,
                "record",
                "",
            ]
        )
        for m in r.get("messages", []):
            writer.writerow(
                [
                    "message",
                    r["uid"],
                    m["sent_at_utc"],
                    m["sent_local"],
                    r["method"],
                    r["device"],
                    "",
                    "",
                    m["text"],
                    m["sender"],
                    "",
                    "",
                    m["sha256"],
                    head_hash,
                    m["kind"],
                    " ".join(m["flags"]),
                ]
            )
    return out.getvalue()

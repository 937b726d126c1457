"""Conversations: bulk, deduplicated, all-or-nothing message writes (ingest calls these).

:func:`store_conversation` finds or creates the record for ``(method, conversation key)`` and adds
the messages it does not already hold (message identity = SHA-256 of method, conversation key,
UTC time, sender, exact text and, for a repeat within the export, its occurrence; unique within
the record); :func:`add_messages` appends to an existing record. Both run in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.canonical import canonical_json
from commsgov.records.commitment import ConversationCommitment
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import (
    MessagesAdded,
    SourceAdded,
)
from commsgov.records.ledger import LedgerEntry, make_entry
from commsgov.records.models import (
    AttachmentRef,
    MessageDraft,
    RecordDraft,
    Source,
    flags_text,
)
from commsgov.records.timestamps import utc_text
from commsgov.records.verify import messages_digest
from commsgov.services._support import clock, resolve_pack
from commsgov.services.audit import note_ledger
from commsgov.services.captures import insert_record, resolve_draft
from commsgov.services.files import store_file
from commsgov.services.ledger import append_events
from commsgov.store import repo
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = ["ConversationResult", "add_messages", "store_conversation"]


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """What a bulk write did: the record, whether it was new, messages added and already held."""

    record_uid: str
    created: bool
    new_messages: int
    already_held: int
    entries: int


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
    actor: Actor,
    now: dt.datetime,
    batch_size: int,
    new_record: bool = False,
) -> tuple[int, int, int]:
    """Deduplicate, hash and insert messages in batches, one ledger entry per batch.

    Each message's identity and hash come from one :class:`ConversationCommitment` (the record's
    uid, method and conversation quoted once, each sender and zone once, the text once for both
    hashes); :func:`~commsgov.records.timestamps.utc_text` is inlined (same bytes; the tests
    check it). Identities and hashes are stored as raw 32-byte digests (their hex form is what
    gets hashed). For a record created in this transaction no stored message can share an
    identity (deduplication is within a record), so the database is not asked which ones it
    holds; the unique index still guards it.
    """
    repo.lock_ledger(conn)
    seq, prev = repo.ledger_head(conn)
    at_text = utc_text(now)
    commit = ConversationCommitment(
        record_uid=record_uid, method=method, conversation=conversation
    ).message
    chunks = _chunks(messages, batch_size)
    done = 0  # messages prepared so far (errors name a message by done + its position)

    def prepare(entry_seq: int) -> tuple[int, list[tuple[Any, ...]], list[AttachmentRef]]:
        """The next batch's size, its rows and the files they attach."""
        nonlocal done
        batch = next(chunks, [])
        rows: list[tuple[Any, ...]] = []
        files: list[AttachmentRef] = []
        add_row = rows.append
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
            text_ = m.text
            identity, zone, digest = commit(when, utc, local, sender, text_, kind, flags, atts)
            add_row(
                (record_id, entry_seq, position, identity, utc, zone, local, sender, text_,
                 atts, kind, flags, digest)
            )  # fmt: skip
        done += len(batch)
        return len(batch), rows, files

    new_total = held_total = entries = 0
    made: list[tuple[MessagesAdded, LedgerEntry]] = []  # noted in the audit trail at the end
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
            entry = make_entry(event, seq=seq, prev_hash=prev, actor=actor.name, at=now)
            repo.insert_entries(conn, [entry])
            made.append((event, entry))
            repo.insert_messages(conn, rows=rows, meanwhile=prepare_next)
            prev = entry.entry_hash
            new_total += len(rows)
            entries += 1
    if made:
        note_ledger(conn, made, actor=actor, now=now)
    return new_total, held_total, entries


def store_conversation(
    store: Store,
    *,
    record: RecordDraft,
    messages: Iterable[MessageDraft],
    actor: Actor,
    original_file: Path | None = None,
    pack: CompiledPack | None = None,
    batch_size: int = 10_000,
    now: dt.datetime | None = None,
    conn: Connection | None = None,
) -> ConversationResult:
    """Store a conversation and its messages in one transaction (see the module docstring);
    with ``conn``, in the caller's write transaction (one export of several chats is one unit
    of work)."""
    now = clock(now)
    if not record.conversation_key:
        raise InvalidFieldError("conversation_key", "a conversation needs a key to deduplicate on")
    resolved, policy = resolve_draft(record, resolve_pack(pack))
    if original_file is not None:
        ref = store_file(store, Path(original_file), actor=actor, field_name="original_file")
        resolved = dataclasses.replace(
            resolved,
            source=Source(
                kind="file",
                file_name=ref.filename,
                file_sha256=ref.sha256,
                format=resolved.source.format,
            ),
        )
    with nullcontext(conn) if conn is not None else store.write() as conn:
        repo.lock_ledger(conn)
        found = repo.find_conversation(
            conn, method=resolved.method, key=resolved.conversation_key or ""
        )
        created = found is None
        if found is None:
            record_id, uid, _entry, _state = insert_record(
                conn, resolved, policy, actor=actor, now=now
            )
        else:
            record_id, uid = found
        added_source = 0
        if resolved.source.file_sha256:
            source_size = store.blobs.size(resolved.source.file_sha256)
            if source_size is None:
                raise InvalidFieldError(
                    "source.file_sha256",
                    f"{resolved.source.file_sha256} is not in the blob store (store_file first)",
                )
            repo.ensure_blob(
                conn,
                sha256=resolved.source.file_sha256,
                size=source_size,
                stored_at=utc_text(now),
            )
            if not created and resolved.source.file_sha256 not in repo.source_hashes(conn, uid=uid):
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


def add_messages(
    store: Store,
    *,
    record_uid: str,
    messages: Iterable[MessageDraft],
    actor: Actor,
    batch_size: int = 10_000,
    now: dt.datetime | None = None,
) -> ConversationResult:
    """Add messages to an existing record (deduplicated), in one transaction."""
    now = clock(now)
    with store.write() as conn:
        found = repo.require_record(conn, ref=record_uid)
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

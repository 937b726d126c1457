"""Conversations: bulk, deduplicated, all-or-nothing message writes (ingest calls these).

:func:`store_conversation` finds or creates the record for ``(method, conversation key)`` and adds
the messages it does not already hold (message identity = SHA-256 of method, conversation key,
UTC time, sender, exact text and, for a repeat within the export, its occurrence; unique within
the record); :func:`add_messages` appends to an existing record. Both run in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from commsgov.accounts.actor import Actor
from commsgov.records.canonical import canonical_json
from commsgov.records.commitment import ConversationCommitment
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import (
    FilesLinked,
    MessagesAdded,
    SourceAdded,
)
from commsgov.records.ledger import LedgerEntry, make_entry
from commsgov.records.models import (
    AttachmentRef,
    RecordDraft,
    Source,
    flags_text,
)
from commsgov.records.timestamps import UtcTexts, utc_text
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

__all__ = ["ConversationResult", "MessageLike", "add_messages", "store_conversation"]


class MessageLike(Protocol):
    """What the bulk writer reads of a message: a :class:`~commsgov.records.MessageDraft`'s
    fields (ingest hands in lighter tuples with the same names, cheaper to build by the
    hundred thousand)."""

    @property
    def sent_at(self) -> dt.datetime: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def attachments(self) -> tuple[AttachmentRef, ...]: ...
    @property
    def kind(self) -> str: ...
    @property
    def flags(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """What a bulk write did: the record, whether it was new, messages added and already held."""

    record_uid: str
    created: bool
    new_messages: int
    already_held: int
    entries: int


def _chunks(items: Iterable[MessageLike], size: int) -> Iterator[list[MessageLike]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (it frees no cycles here; reference counting frees
    the rows as they are written)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _write_messages(
    conn: Connection,
    *,
    record_id: int,
    record_uid: str,
    method: str,
    conversation: str,
    messages: Iterable[MessageLike],
    actor: Actor,
    now: dt.datetime,
    batch_size: int,
    new_record: bool = False,
    held_with_files: list[tuple[str, bytes, str]] | None = None,
) -> tuple[int, int, int]:
    """Deduplicate, hash and insert messages in batches, one ledger entry per batch.

    Each message's identity and hash come from one :class:`ConversationCommitment` (the record's
    uid, method and conversation quoted once, each sender and zone once, the text once for both
    hashes); :func:`~commsgov.records.timestamps.utc_text` comes from each message's local text
    (:class:`~commsgov.records.timestamps.UtcTexts`: same bytes; the tests check it).
    Identities and hashes are stored as raw 32-byte digests (their hex form is what gets
    hashed). For a record created in this transaction no stored message can share an identity
    (deduplication is within a record), so the database is not asked which ones it holds; the
    unique index still guards it.

    ``held_with_files`` collects ``(sent_at_utc, identity, attachments JSON)`` of each message
    already held
    that comes with a stored file this time (see :func:`_link_files`).
    """
    repo.lock_ledger(conn)
    seq, prev = repo.ledger_head(conn)
    at_text = utc_text(now)
    commit = ConversationCommitment(
        record_uid=record_uid, method=method, conversation=conversation
    ).message
    chunks = _chunks(messages, batch_size)
    done = 0  # messages prepared so far (errors name a message by done + its position)

    utc_texts = UtcTexts()  # utc_text from each message's local text (see UtcTexts)

    def prepare(entry_seq: int) -> tuple[int, list[tuple[Any, ...]], list[AttachmentRef]]:
        """The next batch's size, its rows and the files they attach."""
        nonlocal done
        batch = next(chunks, [])
        rows: list[tuple[Any, ...]] = []
        files: list[AttachmentRef] = []
        add_row = rows.append
        hour_of = utc_texts.hours.get
        for position, m in enumerate(batch):
            when = m.sent_at
            local = when.isoformat()
            hour = hour_of(local[:13] + local[-6:])
            if hour is None:
                if when.utcoffset() is None:
                    raise InvalidFieldError(
                        f"messages[{done + position}].sent_at", "the time must be timezone-aware"
                    )
                utc = utc_texts.text(when, local)
            elif len(local) == 25:  # no microseconds
                utc = f"{hour}{local[13:19]}.000000Z"
            else:
                utc = f"{hour}{local[13:26]}Z"
            sender = m.sender
            kind = m.kind
            flags = "[]"
            atts = "[]"
            if kind != "message" or not sender or m.flags or m.attachments:
                if kind == "message":
                    if not sender:
                        raise InvalidFieldError(
                            f"messages[{done + position}].sender", "a sender is required"
                        )
                elif kind != "system":
                    raise InvalidFieldError(
                        f"messages[{done + position}].kind",
                        f"{kind!r} is not 'message' or 'system'",
                    )
                if m.flags:
                    if not all(isinstance(f, str) and f for f in m.flags):
                        raise InvalidFieldError(
                            f"messages[{done + position}].flags", "a flag is not a word"
                        )
                    flags = flags_text(m.flags)
                if m.attachments:
                    atts = canonical_json([a.to_dict() for a in m.attachments])
                    files.extend(a for a in m.attachments if a.sha256 is not None)  # not refs
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
    # this one (that step does not hold the GIL); the worker never touches the connection.
    # The rows are tuples, which the cyclic garbage collector would otherwise walk (with every
    # object the caller holds, a parsed chat of 200,000 messages) several times an import.
    with (
        _no_cyclic_gc(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="commsgov-write") as pool,
    ):

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
                    if held_with_files is not None:
                        held_with_files.extend(
                            (r[4], r[3], r[9])
                            for r in rows
                            if r[3] in held and '"sha256":"' in r[9]
                        )
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
    messages: Iterable[MessageLike],
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
    # a file stored before the transaction commits is no orphan to `store clean` meanwhile
    guard = ExitStack()
    if original_file is not None:
        guard.enter_context(store.blobs.writing())
        try:
            ref = store_file(store, Path(original_file), actor=actor, field_name="original_file")
        except BaseException:
            guard.close()
            raise
        resolved = dataclasses.replace(
            resolved,
            source=Source(
                kind="file",
                file_name=ref.filename,
                file_sha256=ref.sha256,
                format=resolved.source.format,
            ),
        )
    with guard, nullcontext(conn) if conn is not None else store.write() as conn:
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
        held_with_files: list[tuple[str, bytes, str]] = []
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
            held_with_files=held_with_files,
        )
        linked = _link_files(
            conn,
            record_id=record_id,
            record_uid=uid,
            held_with_files=held_with_files,
            source_sha256=resolved.source.file_sha256,
            actor=actor,
            now=now,
        )
    return ConversationResult(
        uid, created, new, held, entries + (1 if created else 0) + added_source + linked
    )


def _link_files(
    conn: Connection,
    *,
    record_id: int,
    record_uid: str,
    held_with_files: list[tuple[str, bytes, str]],
    source_sha256: str | None,
    actor: Actor,
    now: dt.datetime,
) -> int:
    """Link files this import holds to messages already held that name them as references only
    (a ``.txt`` imported before its zip): one ``message-files-linked`` entry, or none.

    A link fills a reference (no SHA-256) of the same name at the same place in the message's
    attachments; the message row and its hash stay as first stored, and a reference linked
    before is not linked again, so importing the zip twice adds nothing. Returns the number of
    ledger entries written (0 or 1).
    """
    if not held_with_files:
        return 0
    stored = repo.message_attachments(
        conn, record_id=record_id, keys=[(utc, identity) for utc, identity, _ in held_with_files]
    )
    done = {
        (str(link["identity"]), int(link["index"]))
        for link in repo.file_links(conn, uid=record_uid)
    }
    links: list[dict[str, Any]] = []
    for _utc, identity, incoming_json in held_with_files:
        held_json = stored.get(identity)
        if held_json is None:
            continue
        identity_hex = identity.hex()
        incoming, held = json.loads(incoming_json), json.loads(held_json)
        for index, (new, old) in enumerate(zip(incoming, held, strict=False)):
            if (
                new.get("sha256")
                and old.get("sha256") is None
                and new.get("filename") == old.get("filename")
                and (identity_hex, index) not in done
            ):
                done.add((identity_hex, index))
                links.append({"identity": identity_hex, "index": index, **new})
    if not links:
        return 0
    append_events(
        conn,
        [FilesLinked(record_uid, tuple(links), source_sha256)],
        actor=actor,
        now=now,
    )
    return 1


def add_messages(
    store: Store,
    *,
    record_uid: str,
    messages: Iterable[MessageLike],
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

"""Repository functions: every read and write of the corporate record's tables.

Each function is keyword-only after the connection and runs inside the caller's transaction
(``with engine.begin() as conn``), so a service can make many calls atomic. Writers must call
:func:`lock_ledger` first: it serialises appends to the hash chain (SQLite already holds its write
lock from ``BEGIN IMMEDIATE``; PostgreSQL takes a transaction-scoped advisory lock).

Rows come back as plain dictionaries. JSON columns (``participants``, ``policy_exception``,
``source``) hold canonical JSON text; :func:`record_state_from_row` turns a row into the state
the ledger hashes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    and_,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from commsgov.records.errors import NotFoundError
from commsgov.records.events import SourceAdded
from commsgov.records.ledger import GENESIS, LedgerEntry
from commsgov.records.links import FILE_ADDING_KINDS
from commsgov.records.verify import MessageRow
from commsgov.store.handle import LEDGER_HEAD
from commsgov.store.tables import (
    attachments,
    blobs,
    ledger,
    messages,
    outages,
    record_identities,
    records,
)

_LEDGER_LOCK = 0x636F6D6D  # "comm"
_IN_CHUNK = 500

#: PostgreSQL: a message's words (sender, text, attachment names); the GIN index of migration
#: 0009 is on this expression, so queries must use it as it is
PG_MESSAGES_TSV = (
    "to_tsvector('simple', coalesce(messages.sender, '') || ' ' || messages.text || ' ' || "
    "coalesce(commsgov_attachment_words(messages.attachments_json), ''))"
)
#: PostgreSQL: the words of a record's attachment's name (the GIN index of migration 0009)
PG_ATTACHMENTS_TSV = (
    "to_tsvector('simple', attachments.filename || ' ' || "
    "translate(attachments.filename, './\\', '   '))"
)
#: SQLite: index the messages of one ledger entry (what the full-text index reads for each
#: message, attachment names worked out, is the view ``fts_messages_source``: migration 0009)
SQLITE_INDEX_MESSAGES = (
    "INSERT INTO fts_messages (rowid, sender, text, attachments) "
    "SELECT id, sender, text, attachments FROM fts_messages_source WHERE entry_seq = ?"
)
PG_RECORDS_TSV = (
    "(to_tsvector('simple', coalesce(records.subject, '') || ' ' || coalesce(records.summary, '') "
    "|| ' ' || coalesce(records.content, '')) "
    "|| to_tsvector('simple', records.participants::jsonb))"
)


# -- the ledger ---------------------------------------------------------------------------
def lock_ledger(conn: Connection) -> None:
    """Serialise writers to the ledger for the rest of this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEDGER_LOCK})


def ledger_head(conn: Connection) -> tuple[int, str]:
    """``(seq, entry_hash)`` of the last entry; ``(0, GENESIS)`` on an empty ledger."""
    row = conn.execute(
        select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


#: built once (:func:`read_ledger_head` runs on every advisor request)
_HEAD = select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)


def read_ledger_head(engine: Engine) -> tuple[int, str]:
    """:func:`ledger_head` in a read of its own, as quickly as the backend allows
    (:func:`commsgov.store.quick.quick_rows`)."""
    from commsgov.store.quick import quick_rows

    found = quick_rows(engine, _HEAD, {})
    return (0, GENESIS) if not found else (int(found[0][0]), str(found[0][1]))


def insert_entries(conn: Connection, entries: Sequence[LedgerEntry]) -> None:
    """Append entries (already chained by :func:`commsgov.records.ledger.make_entry`); the
    last one's ``(seq, hash)`` is left on the connection for the store to sign after commit."""
    if entries:
        conn.info[LEDGER_HEAD] = (entries[-1].seq, entries[-1].entry_hash)
        conn.execute(
            insert(ledger),
            [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "kind": e.kind,
                    "record_uid": e.record_uid,
                    "payload": e.payload,
                    "content_sha256": e.content_sha256,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                }
                for e in entries
            ],
        )


def iter_ledger(conn: Connection, *, after: int = 0, chunk: int = 5000) -> Iterator[LedgerEntry]:
    """Every entry after ``after``, in ``seq`` order (read in chunks)."""
    cols = [
        ledger.c.seq,
        ledger.c.at,
        ledger.c.actor,
        ledger.c.kind,
        ledger.c.record_uid,
        ledger.c.payload,
        ledger.c.content_sha256,
        ledger.c.prev_hash,
        ledger.c.entry_hash,
    ]
    last = after
    while True:
        rows = conn.execute(
            select(*cols).where(ledger.c.seq > last).order_by(ledger.c.seq).limit(chunk)
        ).all()
        if not rows:
            return
        for r in rows:
            yield LedgerEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        last = int(rows[-1][0])


def get_entry(conn: Connection, *, seq: int) -> LedgerEntry | None:
    """One ledger entry by position."""
    r = conn.execute(select(ledger).where(ledger.c.seq == seq)).first()
    return None if r is None else LedgerEntry(**r._mapping)


def entries_for_record(conn: Connection, *, uid: str) -> list[LedgerEntry]:
    """Every ledger entry about record ``uid``, in order."""
    rows = conn.execute(select(ledger).where(ledger.c.record_uid == uid).order_by(ledger.c.seq))
    return [LedgerEntry(**r._mapping) for r in rows]


def record_sources(
    conn: Connection, uid: str, history: Sequence[LedgerEntry]
) -> list[dict[str, Any]]:
    """Record ``uid``'s source, then every file that joined it later (``source-added`` entries
    of its ``history``), in ledger order."""
    found = resolve_record(conn, ref=uid)
    sources: list[dict[str, Any]] = []
    if found is not None:
        sources.append(get_record_state(conn, record_id=found[0])["source"])
    for e in history:
        if e.kind == SourceAdded.kind:
            sources.append(json.loads(e.payload)["source"] | {"ledger_seq": e.seq})
    return sources


def source_hashes(conn: Connection, *, uid: str) -> set[str]:
    """SHA-256 of every original file record ``uid`` came from (its source, ``source-added``)."""
    history = entries_for_record(conn, uid=uid)
    return {s["file_sha256"] for s in record_sources(conn, uid, history) if s.get("file_sha256")}


def file_links(conn: Connection, *, uid: str) -> list[dict[str, Any]]:
    """Every file linked to record ``uid``'s messages after they were stored, in ledger order."""
    from commsgov.records.links import links_of

    return links_of(entries_for_record(conn, uid=uid))


def message_attachments(
    conn: Connection, *, record_id: int, keys: Sequence[tuple[str, bytes]]
) -> dict[bytes, str]:
    """The attachments JSON of record ``record_id``'s messages ``keys`` (``(sent_at_utc,
    identity)``, as :func:`existing_identities` looks them up)."""
    wanted = {identity for _, identity in keys}
    times = sorted({sent_at_utc for sent_at_utc, _ in keys})
    found: dict[bytes, str] = {}
    for i in range(0, len(times), _IN_CHUNK):
        query = select(messages.c.identity, messages.c.attachments_json).where(
            messages.c.record_id == record_id,
            messages.c.sent_at_utc.in_(times[i : i + _IN_CHUNK]),
        )
        for identity, files in conn.execute(query):
            if bytes(identity) in wanted:
                found[bytes(identity)] = str(files)
    return found


# -- blobs --------------------------------------------------------------------------------
def ensure_blob(conn: Connection, *, sha256: str, size: int, stored_at: str) -> bool:
    """Register a blob row once; ``True`` when it was new."""
    exists = conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha256)).first()
    if exists:
        return False
    conn.execute(insert(blobs).values(sha256=sha256, size=size, stored_at=stored_at))
    return True


def blob_registered(conn: Connection, *, sha256: str) -> bool:
    """Whether a stored file is registered (some record, export or package has used it)."""
    return conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha256)).first() is not None


def blob_sizes(conn: Connection) -> dict[str, int]:
    """Every registered blob and its size in bytes."""
    rows = conn.execute(select(blobs.c.sha256, blobs.c.size).order_by(blobs.c.sha256))
    return {str(r[0]): int(r[1]) for r in rows}


# -- outages ------------------------------------------------------------------------------
OUTAGE_FIELDS = (
    "uid",
    "kind",
    "reason",
    "started_at_utc",
    "declared_at_utc",
    "declared_by",
    "ended_at_utc",
    "ended_by",
)


def insert_outage(conn: Connection, *, state: dict[str, Any]) -> None:
    """Store a declared outage (``state`` has every field of :data:`OUTAGE_FIELDS`)."""
    conn.execute(insert(outages).values(**{k: state.get(k) for k in OUTAGE_FIELDS}))


def end_outage(conn: Connection, *, uid: str, ended_at_utc: str, ended_by: str) -> None:
    """Mark an outage over."""
    conn.execute(
        update(outages)
        .where(outages.c.uid == uid)
        .values(ended_at_utc=ended_at_utc, ended_by=ended_by)
    )


def list_outages(conn: Connection, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Outages, newest first."""
    query = select(*[outages.c[k] for k in OUTAGE_FIELDS]).order_by(
        outages.c.started_at_utc.desc(), outages.c.id.desc()
    )
    if open_only:
        query = query.where(outages.c.ended_at_utc.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def outage_covering(conn: Connection, *, at_utc: str) -> str | None:
    """The uid of a declared outage or exemption covering instant ``at_utc``, if any."""
    row = conn.execute(
        select(outages.c.uid)
        .where(
            outages.c.started_at_utc <= at_utc,
            or_(outages.c.ended_at_utc.is_(None), outages.c.ended_at_utc >= at_utc),
        )
        .order_by(outages.c.started_at_utc)
        .limit(1)
    ).first()
    return None if row is None else str(row[0])


# -- records ------------------------------------------------------------------------------
_JSON_FIELDS = ("participants", "policy_exception", "source")
RECORD_FIELDS = (
    "uid",
    "method",
    "device",
    "occurred_at_utc",
    "occurred_zone",
    "occurred_local",
    "captured_at_utc",
    "captured_by",
    "participants",
    "subject",
    "summary",
    "content",
    "scenario",
    "conversation_key",
    "outage_uid",
    "policy_exception",
    "source",
)


def _dump(value: Any) -> str | None:
    from commsgov.records.canonical import canonical_json

    return None if value is None else canonical_json(value)


def record_row_values(state: dict[str, Any]) -> dict[str, Any]:
    """Column values for a record state (JSON fields as canonical text)."""
    values = {k: state.get(k) for k in RECORD_FIELDS}
    for name in _JSON_FIELDS:
        values[name] = _dump(values[name])
    return values


def insert_record(conn: Connection, *, state: dict[str, Any], stored_at: str) -> int:
    """Store a new record with its attachments; returns its row id."""
    values = record_row_values(state)
    record_id = int(
        conn.execute(insert(records).values(**values).returning(records.c.id)).scalar_one()
    )
    _put_identities(conn, record_id, state.get("participants") or [], new=True)
    rows = []
    for position, att in enumerate(state.get("attachments", [])):
        ensure_blob(conn, sha256=att["sha256"], size=att["size"], stored_at=stored_at)
        rows.append({"record_id": record_id, "position": position, **att})
    if rows:
        conn.execute(insert(attachments), rows)
    return record_id


def _put_identities(
    conn: Connection, record_id: int, participants: Iterable[Any], *, new: bool = False
) -> None:
    """Store the identities of a record's participants (replacing any it had, unless ``new``)."""
    from commsgov.records.identities import participant_identities

    if not new:
        conn.execute(delete(record_identities).where(record_identities.c.record_id == record_id))
    values = participant_identities(participants)
    if values:
        conn.execute(
            insert(record_identities), [{"record_id": record_id, "value": v} for v in values]
        )


def update_record(conn: Connection, *, uid: str, changes: dict[str, Any]) -> None:
    """Apply corrected fields to a record's current state (the ledger keeps the history), and
    to the copies of them its retention item keeps for holds."""
    from commsgov.store.repo_retention import RECORD_COPIES, refresh_record_copies

    values = dict(changes)
    for name in _JSON_FIELDS:
        if name in values:
            values[name] = _dump(values[name])
    conn.execute(update(records).where(records.c.uid == uid).values(**values))
    if any(name in values for name in RECORD_COPIES):
        refresh_record_copies(conn, uid=uid)
    if "participants" in changes:
        found = conn.execute(select(records.c.id).where(records.c.uid == uid)).scalar_one()
        _put_identities(conn, int(found), changes["participants"])


def record_identity_rows(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Each record's stored participant identities, by record uid (for verify)."""
    query = (
        select(records.c.uid, record_identities.c.value)
        .join(records, records.c.id == record_identities.c.record_id)
        .order_by(records.c.uid, record_identities.c.value)
    )
    found: dict[str, list[str]] = {}
    for uid, value in conn.execute(query):
        found.setdefault(str(uid), []).append(str(value))
    return {uid: tuple(values) for uid, values in found.items()}


def delete_record(conn: Connection, *, uid: str) -> int:
    """Delete a record, its attachments and messages (after a disposal entry); rows deleted."""
    row = conn.execute(select(records.c.id).where(records.c.uid == uid)).first()
    if row is None:
        return 0
    count = conn.execute(delete(messages).where(messages.c.record_id == row[0])).rowcount
    conn.execute(delete(attachments).where(attachments.c.record_id == row[0]))
    conn.execute(delete(record_identities).where(record_identities.c.record_id == row[0]))
    conn.execute(delete(records).where(records.c.id == row[0]))
    return int(count) + 1


def resolve_record(
    conn: Connection, *, ref: str, visible_to: Visibility | None = None
) -> tuple[int, str] | None:
    """``(id, uid)`` of the record whose uid is ``ref`` or starts with it (if unambiguous),
    among those ``visible_to`` may see (all when ``None``)."""
    where = _visible(visible_to)
    query = select(records.c.id, records.c.uid)
    row = conn.execute(query.where(records.c.uid == ref, *where)).first()
    if row is not None:
        return int(row[0]), str(row[1])
    if len(ref) < 4:
        return None
    rows = conn.execute(query.where(records.c.uid.startswith(ref), *where).limit(2)).all()
    return (int(rows[0][0]), str(rows[0][1])) if len(rows) == 1 else None


def require_record(
    conn: Connection, *, ref: str, visible_to: Visibility | None = None
) -> tuple[int, str]:
    """``(id, uid)`` of record ``ref`` (uid or unique prefix) among those ``visible_to`` may
    see; ``NotFoundError`` when none (a record someone may not see is not found)."""
    found = resolve_record(conn, ref=ref, visible_to=visible_to)
    if found is None:
        raise NotFoundError(f"no record {ref!r}")
    return found


def find_conversation(conn: Connection, *, method: str, key: str) -> tuple[int, str] | None:
    """``(id, uid)`` of the record holding conversation ``key`` over ``method``."""
    row = conn.execute(
        select(records.c.id, records.c.uid).where(
            records.c.method == method, records.c.conversation_key == key
        )
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def find_queued(
    conn: Connection, *, made_id: str, captured_by: str, occurred_at_utc: str
) -> int | None:
    """Row id of the record already captured from a browser's queued item ``made_id`` (its
    source's key; the item sent again after its answer was lost), if any. The caller checks
    ``made_id`` holds no LIKE wildcard; the indexed time narrows the scan."""
    pattern = f'%"made_id":"{made_id}"%'  # the source column is canonical JSON: no spaces
    row = conn.execute(
        select(records.c.id).where(
            records.c.occurred_at_utc == occurred_at_utc,
            records.c.captured_by == captured_by,
            records.c.source.like(pattern),
        )
    ).first()
    return None if row is None else int(row[0])


def record_state_from_row(row: dict[str, Any], atts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The canonical state of a stored record (what replaying its ledger entries must give)."""
    state = {k: row[k] for k in RECORD_FIELDS}
    for name in _JSON_FIELDS:
        state[name] = None if state[name] is None else json.loads(state[name])
    state["attachments"] = [
        {
            "sha256": a["sha256"],
            "size": a["size"],
            "filename": a["filename"],
            "media_type": a["media_type"],
        }
        for a in atts
    ]
    return state


def _attachments_by_record(
    conn: Connection, ids: Sequence[int] | None
) -> dict[int, list[dict[str, Any]]]:
    query = select(attachments).order_by(attachments.c.record_id, attachments.c.position)
    if ids is not None:
        query = query.where(attachments.c.record_id.in_(ids))
    found: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(query):
        found.setdefault(int(r.record_id), []).append(dict(r._mapping))
    return found


def iter_record_states(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every record's current state, for verify."""
    atts = _attachments_by_record(conn, None)
    for r in conn.execute(select(records).order_by(records.c.id)):
        row = dict(r._mapping)
        yield record_state_from_row(row, atts.get(int(row["id"]), []))


def get_record_state(conn: Connection, *, record_id: int) -> dict[str, Any]:
    """One record's current state."""
    r = conn.execute(select(records).where(records.c.id == record_id)).one()
    row = dict(r._mapping)
    return record_state_from_row(row, _attachments_by_record(conn, [record_id]).get(record_id, []))


@dataclass(frozen=True, slots=True)
class Visibility:
    """Whose records a reader may see: those ``username`` captured, and those a participant
    of which carries one of the identities of user ``user_id`` (``user_identities``)."""

    username: str
    user_id: int


def _visible(visible_to: Visibility | None) -> list[Any]:
    """The condition on ``records`` that keeps what ``visible_to`` may see (none: no limit)."""
    if visible_to is None:
        return []
    from commsgov.store.tables_accounts import user_identities

    theirs = select(user_identities.c.value).where(user_identities.c.user_id == visible_to.user_id)
    took_part = select(record_identities.c.record_id).where(record_identities.c.value.in_(theirs))
    return [or_(records.c.captured_by == visible_to.username, records.c.id.in_(took_part))]


def visible_records(visible_to: Visibility) -> Any:
    """A query of the ids of the records ``visible_to`` may see (to filter other tables)."""
    return select(records.c.id).where(*_visible(visible_to))


def file_visible(conn: Connection, *, sha256: str, visible_to: Visibility | None) -> bool:
    """Whether stored file ``sha256`` belongs to a record ``visible_to`` may see: a record's
    attachment, a message's attachment (or a file linked to it later), or the original file a
    record came from (its source, or a later ``source-added`` entry). Asked in SQL over the
    visible records only."""
    if visible_to is None:
        return True
    mine = visible_records(visible_to)
    pattern = f'%"{sha256}"%'  # 64 hex digits: nothing in them is a LIKE wildcard
    checks = [
        select(attachments.c.id).where(
            attachments.c.sha256 == sha256, attachments.c.record_id.in_(mine)
        ),
        select(records.c.id).where(records.c.source.like(pattern), records.c.id.in_(mine)),
        select(messages.c.id).where(
            messages.c.record_id.in_(mine), messages.c.attachments_json.like(pattern)
        ),
        select(ledger.c.seq).where(
            # an original file that joined the record, or a file linked to its messages
            ledger.c.kind.in_(FILE_ADDING_KINDS),
            ledger.c.payload.like(pattern),
            ledger.c.record_uid.in_(select(records.c.uid).where(records.c.id.in_(mine))),
        ),
    ]
    return any(conn.execute(q.limit(1)).first() is not None for q in checks)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Filters for listing and searching records (UTC text bounds, inclusive); ``visible_to``
    keeps only what a reader may see (``None``: every record)."""

    since_utc: str | None = None
    until_utc: str | None = None
    method: str | None = None
    participant: str | None = None
    outage_uid: str | None = None
    exceptions_only: bool = False
    visible_to: Visibility | None = None


def _filtered(query: Any, flt: RecordFilter) -> Any:
    conditions = _visible(flt.visible_to)
    if flt.since_utc:
        conditions.append(records.c.occurred_at_utc >= flt.since_utc)
    if flt.until_utc:
        conditions.append(records.c.occurred_at_utc <= flt.until_utc)
    if flt.method:
        conditions.append(records.c.method == flt.method)
    if flt.participant:
        conditions.append(func.lower(records.c.participants).contains(flt.participant.lower()))
    if flt.outage_uid:
        conditions.append(records.c.outage_uid == flt.outage_uid)
    if flt.exceptions_only:
        conditions.append(records.c.policy_exception.is_not(None))
    return query.where(and_(*conditions)) if conditions else query


def _with_counts(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    ids = [int(r.id) for r in rows]
    counts: dict[int, int] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        for rid, n in conn.execute(
            select(messages.c.record_id, func.count())
            .where(messages.c.record_id.in_(chunk))
            .group_by(messages.c.record_id)
        ):
            counts[int(rid)] = int(n)
    atts = _attachments_by_record(conn, ids) if ids else {}
    out = []
    for r in rows:
        row = dict(r._mapping)
        state = record_state_from_row(row, atts.get(int(row["id"]), []))
        state["message_count"] = counts.get(int(row["id"]), 0)
        out.append(state)
    return out


def list_records(
    conn: Connection, *, flt: RecordFilter = RecordFilter(), limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Records matching ``flt``, most recent first, with their message counts."""
    query = _filtered(select(records), flt).order_by(
        records.c.occurred_at_utc.desc(), records.c.id.desc()
    )
    return _with_counts(conn, conn.execute(query.limit(limit).offset(offset)).all())


def count_records(conn: Connection, *, flt: RecordFilter = RecordFilter()) -> int:
    """How many records match ``flt``."""
    query = _filtered(select(func.count()).select_from(records), flt)
    return int(conn.execute(query).scalar_one())


def records_per_month(
    conn: Connection, *, flt: RecordFilter = RecordFilter()
) -> list[tuple[str, int]]:
    """``(YYYY-MM, count)`` of the records matching ``flt`` by the UTC month they happened in,
    oldest first; months with none are left out. Counted in SQL (the times are fixed-width
    UTC text, so the month is their first seven characters on either backend)."""
    month = func.substr(records.c.occurred_at_utc, 1, 7)
    query = _filtered(select(month.label("month"), func.count()).select_from(records), flt)
    rows = conn.execute(query.group_by(month).order_by(month)).all()
    return [(str(m), int(n)) for m, n in rows]


#: a word as the full-text indexes see it: letters and digits (SQLite's unicode61 tokenizer and
#: PostgreSQL's parser both split at anything else), so punctuation a user types is a break
_WORD = re.compile(r"[^\W_]+")
#: what separates words in a search: spaces and query syntax (quotes, brackets, ``:``, ``*``,
#: ``^``, ``+``, ...); ``-``, ``.``, ``/``, ``'`` and ``_`` join the parts of one word
_SYNTAX = re.compile(r"[^\w\-./']+")


def search_words(terms: str) -> list[tuple[str, bool]]:
    """What a user typed as words, each with whether it is a prefix (a trailing ``*``).

    Query syntax (``NEAR(a b)``, quotes, ``OR``, ``col:x``, brackets) is taken as words, never as
    syntax, alike on both databases. A word joined by ``-``, ``.``, ``/``, ``'`` or ``_``
    (``e-mail``, ``IMG-0001.jpg``) stays one: each database searches it as a phrase.

    >>> search_words('NEAR(budget "cuts*  col:x e-mail')  # doctest: +NORMALIZE_WHITESPACE
    [('NEAR', False), ('budget', False), ('cuts', True), ('col', False), ('x', False),
     ('e-mail', False)]
    """
    found: list[tuple[str, bool]] = []
    for chunk in terms.split():
        pieces = [p for p in _SYNTAX.split(chunk) if _WORD.search(p)]
        prefix = chunk.rstrip("\"')]}").endswith("*")
        found.extend((w, prefix and i == len(pieces) - 1) for i, w in enumerate(pieces))
    return found


def fts5_query(terms: str) -> str:
    """A safe FTS5 query: every word (:func:`search_words`) quoted, all required (prefix search
    with a trailing ``*``; a joined word is a phrase).

    >>> fts5_query('budget "x" cuts* NEAR(a e-mail')
    '"budget" "x" "cuts"* "NEAR" "a" "e-mail"'
    """
    return " ".join(f'"{w}"' + ("*" if prefix else "") for w, prefix in search_words(terms))


def pg_tsquery(terms: str) -> str:
    """A safe PostgreSQL ``to_tsquery`` text: every word (:func:`search_words`) quoted and
    required (``word*``: prefix). A joined word matches as PostgreSQL's parser reads it whole
    (``CV.pdf`` is one token to it) or as the phrase of its parts, as on SQLite.

    >>> pg_tsquery("budget cut* e-mail")
    "'budget' & 'cut':* & ('e-mail' | 'e' <-> 'mail')"
    """
    parts = []
    for word, prefix in search_words(terms):
        star = ":*" if prefix else ""
        pieces = _WORD.findall(word)  # letters and digits: nothing to escape
        if len(pieces) == 1:
            parts.append(f"'{pieces[0]}'{star}")
            continue
        whole = word.replace("'", "''")
        phrase = " <-> ".join(f"'{w}'" for w in pieces)
        parts.append(f"('{whole}'{star} | {phrase}{star})")
    return " & ".join(parts)


def _matching_record_ids(conn: Connection, terms: str) -> Any:
    if conn.dialect.name == "sqlite":
        q = fts5_query(terms)
        return text(
            "SELECT rowid AS id FROM fts_records WHERE fts_records MATCH :q "
            "UNION SELECT record_id FROM messages WHERE id IN "
            "(SELECT rowid FROM fts_messages WHERE fts_messages MATCH :q) "
            "UNION SELECT record_id FROM attachments WHERE id IN "
            "(SELECT rowid FROM fts_attachments WHERE fts_attachments MATCH :q)"
        ).bindparams(q=q)
    return text(
        f"SELECT id FROM records WHERE {PG_RECORDS_TSV} @@ to_tsquery('simple', :q) "
        f"UNION SELECT record_id FROM messages WHERE {PG_MESSAGES_TSV} "
        "@@ to_tsquery('simple', :q) "
        f"UNION SELECT record_id FROM attachments WHERE {PG_ATTACHMENTS_TSV} "
        "@@ to_tsquery('simple', :q)"
    ).bindparams(q=pg_tsquery(terms))


def search_records(
    conn: Connection, *, terms: str, flt: RecordFilter = RecordFilter(), limit: int = 100
) -> list[dict[str, Any]]:
    """Records whose content, participants or messages contain every word of ``terms``."""
    if not fts5_query(terms) or not pg_tsquery(terms):
        return []
    ids = _matching_record_ids(conn, terms).columns(column("id", Integer)).subquery()
    query = _filtered(select(records).where(records.c.id.in_(select(ids.c.id))), flt)
    query = query.order_by(records.c.occurred_at_utc.desc(), records.c.id.desc()).limit(limit)
    return _with_counts(conn, conn.execute(query).all())


def search_messages(
    conn: Connection, *, terms: str, limit: int = 50, record_id: int | None = None
) -> list[dict[str, Any]]:
    """The most recently stored ``limit`` messages containing every word of ``terms``
    (optionally within one record), newest first.

    Results stream from the full-text index in descending row order and stop at ``limit``,
    so a common word costs no more than a rare one.
    """
    cols = (
        "messages.id, records.uid AS record_uid, messages.sent_at_utc, messages.sent_local, "
        "messages.sender, messages.text, messages.sha256"
    )
    where_record = " AND messages.record_id = :rid" if record_id is not None else ""
    params: dict[str, Any] = {"limit": limit}
    if record_id is not None:
        params["rid"] = record_id
    if conn.dialect.name == "sqlite":
        params["q"] = fts5_query(terms)
        if not params["q"]:
            return []
        sql = (
            f"SELECT {cols} FROM fts_messages "
            "JOIN messages ON messages.id = fts_messages.rowid "
            "JOIN records ON records.id = messages.record_id "
            f"WHERE fts_messages MATCH :q{where_record} "
            "ORDER BY fts_messages.rowid DESC LIMIT :limit"
        )
    else:
        params["q"] = pg_tsquery(terms)
        if not params["q"]:
            return []
        sql = (
            f"SELECT {cols} FROM messages JOIN records ON records.id = messages.record_id "
            f"WHERE {PG_MESSAGES_TSV} @@ to_tsquery('simple', :q){where_record} "
            "ORDER BY messages.id DESC LIMIT :limit"
        )
    found = [_hex_digests(dict(r._mapping)) for r in conn.execute(text(sql), params)]
    return sorted(found, key=lambda m: (m["sent_at_utc"], m["id"]), reverse=True)


# -- messages -----------------------------------------------------------------------------
MESSAGE_COLUMNS = (
    "record_id",
    "entry_seq",
    "position",
    "identity",
    "sent_at_utc",
    "sent_zone",
    "sent_local",
    "sender",
    "text",
    "attachments_json",
    "kind",
    "flags",
    "sha256",
)


def existing_identities(
    conn: Connection, *, record_id: int, keys: Iterable[tuple[str, bytes]]
) -> set[bytes]:
    """Which of the messages ``keys`` (``(sent_at_utc, identity)``, the identity a raw 32-byte
    digest) record ``record_id`` already holds.

    An identity hashes the message's time, so it is looked up by record and time on the unique
    ``(record_id, sent_at_utc, identity)`` index: one probe per distinct time.
    """
    wanted: set[bytes] = set()
    times: set[str] = set()
    for sent_at_utc, identity in keys:
        wanted.add(identity)
        times.add(sent_at_utc)
    ordered = sorted(times)
    found: set[bytes] = set()
    for i in range(0, len(ordered), _IN_CHUNK):
        query = select(messages.c.identity).where(
            messages.c.record_id == record_id,
            messages.c.sent_at_utc.in_(ordered[i : i + _IN_CHUNK]),
        )
        found.update(bytes(r[0]) for r in conn.execute(query))
    return found & wanted


def insert_messages(
    conn: Connection,
    *,
    rows: Sequence[tuple[Any, ...]],
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Insert message rows, each a tuple in :data:`MESSAGE_COLUMNS` order (``identity`` and
    ``sha256`` as raw 32-byte digests), and index them.

    One ``executemany`` (``COPY`` on PostgreSQL); on SQLite the full-text index is then fed with
    one ``INSERT ... SELECT`` per ledger entry the rows belong to (PostgreSQL's GIN index is
    maintained by the database itself). ``meanwhile`` is called once the rows are written,
    before that indexing step, which runs in SQLite without holding Python's GIL: a caller can
    start preparing its next batch in another thread there (nothing else may use ``conn`` until
    this function returns).
    """
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    if conn.dialect.name == "postgresql":
        # COPY, on the transaction's own connection: several times faster than executemany
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            copy_sql = f"COPY messages ({', '.join(MESSAGE_COLUMNS)}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        if meanwhile is not None:
            meanwhile()
        return
    marks = ", ".join("?" if sqlite else "%s" for _ in MESSAGE_COLUMNS)
    sql = f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, list(rows))
    if meanwhile is not None:
        meanwhile()
    if sqlite:
        for seq in sorted({row[1] for row in rows}):
            conn.exec_driver_sql(SQLITE_INDEX_MESSAGES, (seq,))


def messages_of_record(
    conn: Connection, *, record_id: int, limit: int | None = None
) -> list[dict[str, Any]]:
    """A record's messages in time order."""
    query = (
        select(messages)
        .where(messages.c.record_id == record_id)
        .order_by(messages.c.sent_at_utc, messages.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_hex_digests(dict(r._mapping)) for r in conn.execute(query)]


def _hex_digests(row: dict[str, Any]) -> dict[str, Any]:
    """Digests leave the repository as hex text (they are stored as raw bytes)."""
    for name in ("identity", "sha256"):
        if isinstance(row.get(name), bytes | memoryview):
            row[name] = bytes(row[name]).hex()
    return row


def iter_message_rows(
    conn: Connection, *, chunk: int = 20000, entry_seq: int | None = None
) -> Iterator[MessageRow]:
    """Every message (or those of ledger entry ``entry_seq``) in ``(entry_seq, position)``
    order, as verify reads it (streamed).

    Rows are database rows in :class:`~commsgov.records.verify.MessageRow` field order (the
    record's uid joined in; ``None`` when the record row is gone; digests as raw bytes).
    """
    where = "" if entry_seq is None else f"WHERE m.entry_seq = {int(entry_seq)} "
    sql = (
        "SELECT m.entry_seq, m.position, r.uid, {identity}, m.sent_at_utc, m.sent_zone, "
        "m.sent_local, m.sender, m.text, m.attachments_json, m.kind, m.flags, {sha256} "
        "FROM messages AS m "
        f"LEFT JOIN records AS r ON r.id = m.record_id {where}ORDER BY m.entry_seq, m.position"
    )
    # SQLite columns hold whatever was written: read digests as bytes even if tampered with
    cast = "CAST(m.{0} AS BLOB)" if conn.dialect.name == "sqlite" else "m.{0}"
    sql = sql.format(identity=cast.format("identity"), sha256=cast.format("sha256"))
    # The raw driver cursor, in this transaction: SQLAlchemy's streaming fetches SQLite rows one
    # by one; PostgreSQL gets a server-side (named) cursor so rows are not all held in memory.
    dbapi = conn.connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi.driver_connection.cursor(name="commsgov_verify")  # type: ignore[union-attr]
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def count_messages(conn: Connection) -> int:
    """How many messages are stored."""
    return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())


def capture_times(conn: Connection, *, since_utc: str) -> list[tuple[str, str]]:
    """``(method, captured_at_utc)`` of each record captured at or after ``since_utc``."""
    query = select(records.c.method, records.c.captured_at_utc).where(
        records.c.captured_at_utc >= since_utc
    )
    return [(str(m), str(at)) for m, at in conn.execute(query)]


def exception_times(conn: Connection, *, since_utc: str) -> list[str]:
    """When each policy exception captured happened, at or after ``since_utc``."""
    query = select(records.c.occurred_at_utc).where(
        records.c.policy_exception.is_not(None), records.c.occurred_at_utc >= since_utc
    )
    return [str(at) for (at,) in conn.execute(query)]

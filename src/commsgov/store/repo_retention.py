"""Repository functions for retention: holds, dispositions, the set-based due sweep, stubs.

Keyword-only after the connection; each runs inside the caller's transaction. The due sweep is
one SQL statement over ``retention_items`` alone: an index range scan on ``(status,
due_at_utc, ...)`` reading each item's copies of the record columns holds decide on
(:data:`RECORD_COPIES`; no join to ``records``), with every active hold's scope compiled to a
SQL predicate so held records are left out by the database, not by a Python loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Integer,
    and_,
    cast,
    column,
    delete,
    false,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    update,
)

from commsgov.records.canonical import canonical_json
from commsgov.records.ledger import LedgerEntry
from commsgov.records.links import FILE_ADDING_KINDS
from commsgov.records.timestamps import utc_text
from commsgov.retention.holds import (
    NAME_SEPARATORS,
    NUMBER_DIGITS,
    HoldScope,
    name_words,
    number_key,
)
from commsgov.store import repo
from commsgov.store.tables import attachments, blobs, ledger, messages, records
from commsgov.store.tables_retention import (
    retention_holds,
    retention_items,
    retention_reviews,
    retention_state,
    retention_stubs,
    retention_transfers,
)

# -- holds ------------------------------------------------------------------------------------


def scope_to_json(scope: HoldScope) -> str:
    """Canonical JSON of a hold's scope."""
    return canonical_json(
        {
            "record_uids": sorted(scope.record_uids),
            "participants": sorted(scope.participants),
            "methods": sorted(scope.methods),
            "date_from": utc_text(scope.date_from) if scope.date_from else None,
            "date_to": utc_text(scope.date_to) if scope.date_to else None,
            "outages": sorted(scope.outages),
            "search": scope.search,
            "record_classes": sorted(scope.record_classes),
        }
    )


def scope_from_json(text: str) -> HoldScope:
    """Inverse of :func:`scope_to_json`."""
    from commsgov.records.timestamps import parse_utc_text

    data = json.loads(text)
    return HoldScope(
        record_uids=frozenset(data.get("record_uids") or ()),
        participants=frozenset(data.get("participants") or ()),
        methods=frozenset(data.get("methods") or ()),
        date_from=parse_utc_text(data["date_from"]) if data.get("date_from") else None,
        date_to=parse_utc_text(data["date_to"]) if data.get("date_to") else None,
        outages=frozenset(data.get("outages") or ()),
        search=data.get("search"),
        record_classes=frozenset(data.get("record_classes") or ()),
    )


def insert_hold(conn: Connection, *, row: dict[str, Any]) -> None:
    """Store a new hold."""
    conn.execute(insert(retention_holds).values(**row))


def lift_hold(conn: Connection, *, uid: str, at: str, by: str, reason: str) -> None:
    """Mark a hold lifted (the ledger keeps the act)."""
    conn.execute(
        update(retention_holds)
        .where(retention_holds.c.uid == uid)
        .values(lifted_at_utc=at, lifted_by=by, lift_reason=reason)
    )


def list_holds(conn: Connection, *, active_only: bool = False) -> list[dict[str, Any]]:
    """Holds, oldest first."""
    query = select(retention_holds).order_by(retention_holds.c.id)
    if active_only:
        query = query.where(retention_holds.c.lifted_at_utc.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def find_hold(conn: Connection, *, ref: str) -> dict[str, Any] | None:
    """A hold by uid, unique uid prefix, or exact name (the latest active one of that name)."""
    rows = [
        dict(r._mapping)
        for r in conn.execute(
            select(retention_holds)
            .where(
                or_(
                    retention_holds.c.uid == ref,
                    retention_holds.c.uid.startswith(ref) if len(ref) >= 4 else false(),
                    retention_holds.c.name == ref,
                )
            )
            .order_by(retention_holds.c.id.desc())
        )
    ]
    exact = [r for r in rows if r["uid"] == ref]
    if exact:
        return exact[0]
    active = [r for r in rows if r["lifted_at_utc"] is None]
    if len({r["uid"] for r in active}) == 1:
        return active[0]
    return rows[0] if len(rows) == 1 else None


@dataclass(frozen=True)
class Cols:
    """The columns a scope predicate reads: the tables' own, or a subquery's of the same names."""

    uid: Any = records.c.uid
    participants: Any = records.c.participants
    method: Any = records.c.method
    occurred_at_utc: Any = records.c.occurred_at_utc
    outage_uid: Any = records.c.outage_uid
    record_class: Any = retention_items.c.record_class

    @classmethod
    def of(cls, sub: Any) -> Cols:
        """The same columns of a subquery that selected them under these names."""
        return cls(*(getattr(sub.c, f.name) for f in fields(cls)))


_TABLE_COLS = Cols()

#: the record's columns each retention item keeps a copy of (the same names on both tables),
#: so the due sweep decides holds from ``retention_items`` alone
RECORD_COPIES = ("method", "occurred_at_utc", "outage_uid", "participants")


def record_copies(row: dict[str, Any]) -> dict[str, Any]:
    """The copies a new retention item keeps of its record's stored column values ``row``."""
    return {name: row[name] for name in RECORD_COPIES}


def refresh_record_copies(conn: Connection, *, uid: str) -> None:
    """Copy record ``uid``'s columns onto its retention item again (after it changed)."""
    conn.execute(
        update(retention_items)
        .where(retention_items.c.record_uid == uid)
        .values(
            {
                name: select(records.c[name]).where(records.c.uid == uid).scalar_subquery()
                for name in RECORD_COPIES
            }
        )
    )


def copies_out_of_step(conn: Connection) -> tuple[str, str] | None:
    """The first ``(record uid, column)`` whose retention item's copy differs from the record's
    value (a hold would then be decided on the wrong value); ``None`` when every copy agrees."""
    differs = {n: retention_items.c[n].is_distinct_from(records.c[n]) for n in RECORD_COPIES}
    row = conn.execute(
        # one pass over the join; which column differs is told apart in the one row found
        select(retention_items.c.record_uid, *differs.values())
        .select_from(retention_items.join(records, records.c.uid == retention_items.c.record_uid))
        .where(or_(*differs.values()))
        .order_by(retention_items.c.record_uid)
        .limit(1)
    ).first()
    if row is None:
        return None
    return str(row[0]), next(n for n, bad in zip(RECORD_COPIES, row[1:], strict=True) if bad)


def scope_predicate(
    conn: Connection, scope: HoldScope, cols: Cols = _TABLE_COLS
) -> ColumnElement[bool]:
    """SQL over ``records`` (and ``retention_items``) that is true where ``scope`` matches.

    Mirrors :meth:`HoldScope.matches` (tests check they agree): participants match a name
    however spaced, punctuated or ordered, or a number on its last digits; a saved search uses
    the full-text index.
    """
    if scope.is_empty():
        return false()
    parts: list[ColumnElement[bool]] = []
    if scope.record_uids:
        parts.append(cols.uid.in_(sorted(scope.record_uids)))
    if scope.participants:
        parts.append(_participants_predicate(conn, cols, sorted(scope.participants)))
    if scope.methods:
        parts.append(cols.method.in_(sorted(scope.methods)))
    if scope.date_from is not None:
        parts.append(cols.occurred_at_utc >= utc_text(scope.date_from))
    if scope.date_to is not None:
        parts.append(cols.occurred_at_utc <= utc_text(scope.date_to))
    if scope.outages:
        parts.append(cols.outage_uid.in_(sorted(scope.outages)))
    if scope.record_classes:
        parts.append(cols.record_class.in_(sorted(scope.record_classes)))
    if scope.search and scope.search.strip():
        if not repo.fts5_query(scope.search) or not repo.pg_tsquery(scope.search):
            parts.append(false())
        else:
            ids = repo._matching_record_ids(conn, scope.search)
            sub = ids.columns(column("id", Integer)).subquery()
            found = select(records.c.uid).where(records.c.id.in_(select(sub.c.id)))
            parts.append(cols.uid.in_(found))
    return and_(*parts)


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = _UPPER.lower()
_SPACES = " " * len(NAME_SEPARATORS)


def _pattern(word: str) -> str:
    """A LIKE pattern for one word of a hold's participant: a whole word of the name, any
    non-ASCII letter matching any one letter (SQL cannot fold its case alike everywhere)."""
    return "".join(c if c.isascii() else "_" for c in word)


def _participants_predicate(
    conn: Connection, cols: Cols, values: Sequence[str]
) -> ColumnElement[bool]:
    """True where a participant (its name or number) matches one of ``values``, as
    :func:`commsgov.retention.holds.participant_matches` says: every word of the value is a
    word of the name however spaced, punctuated or ordered, or a number's last digits agree.

    Each participant of the JSON list is looked at apart (SQLite ``json_each``, PostgreSQL
    ``json_array_elements``); a cheap ``LIKE`` on the whole list first leaves out the records
    that cannot match.
    """
    sqlite = conn.dialect.name == "sqlite"
    fields: list[Any]
    if sqlite:
        each = func.json_each(cols.participants).table_valued("value").alias("participant")
        fields = [func.json_extract(each.c.value, f"$.{k}") for k in ("name", "number")]
    else:
        each = (
            func.json_array_elements(cast(cols.participants, JSON))
            .table_valued("value")
            .alias("participant")
        )
        fields = [each.c.value.op("->>")(literal(k)) for k in ("name", "number")]

    def spaced(field: Any) -> Any:
        """`` <words of the field> ``: ASCII lowered, separators as spaces."""
        if sqlite:  # (the core's own function: see commsgov.store.engine)
            return func.commsgov_name_words(field)
        text = func.translate(
            func.coalesce(field, ""), literal(_UPPER + NAME_SEPARATORS), literal(_LOWER + _SPACES)
        )
        return literal(" ") + text + literal(" ")

    def digits(field: Any) -> Any:
        if sqlite:
            return func.commsgov_digits(field)
        return func.regexp_replace(func.coalesce(field, ""), literal("[^0-9]+"), literal(""), "g")

    matches: list[ColumnElement[bool]] = []
    cheap: list[ColumnElement[bool]] = []
    whole = func.lower(cols.participants)
    for value in values:
        words, key = name_words(value), number_key(value)
        if words:
            for field in fields:
                matches.append(and_(*(spaced(field).like(f"% {_pattern(w)} %") for w in words)))
            cheap.append(and_(*(whole.like(f"%{_pattern(w)}%") for w in words)))
        if key is not None:
            for field in fields:
                wanted = f"%{key}" if len(key) == NUMBER_DIGITS else key
                matches.append(digits(field).like(wanted))
            cheap.append(true())  # (the digits may be spaced out in the list)
    if not matches:
        return false()
    found = select(literal(1)).select_from(each).where(or_(*matches)).exists()
    return and_(or_(*cheap), found)


def held_predicate(
    conn: Connection, scopes: Sequence[HoldScope], cols: Cols = _TABLE_COLS
) -> ColumnElement[bool]:
    """True where any of the scopes (the active holds) matches."""
    if not scopes:
        return false()
    return or_(*(scope_predicate(conn, s, cols) for s in scopes))


def uids_matching(conn: Connection, *, scope: HoldScope) -> list[str]:
    """Record uids a scope matches now (for reporting what a hold covers)."""
    query = (
        select(records.c.uid)
        .select_from(
            records.outerjoin(retention_items, retention_items.c.record_uid == records.c.uid)
        )
        .where(scope_predicate(conn, scope))
        .order_by(records.c.uid)
    )
    return [str(r[0]) for r in conn.execute(query)]


# -- dispositions -----------------------------------------------------------------------------


SYNC_MARK = "synced-record-id"


def sync_mark(conn: Connection) -> int:
    """The highest ``records.id`` already given a disposition (0 before the first sync)."""
    value = conn.execute(
        select(retention_state.c.value).where(retention_state.c.name == SYNC_MARK)
    ).scalar_one_or_none()
    return int(value or 0)


def set_sync_mark(conn: Connection, *, value: int) -> None:
    """Move the watermark (callers hold the ledger lock, so no writer is mid-transaction)."""
    moved = conn.execute(
        update(retention_state).where(retention_state.c.name == SYNC_MARK).values(value=value)
    ).rowcount
    if not moved:
        conn.execute(insert(retention_state).values(name=SYNC_MARK, value=value))


def max_record_id(conn: Connection) -> int:
    """The highest ``records.id`` (0 when there are none)."""
    return int(conn.execute(select(func.max(records.c.id))).scalar_one() or 0)


def _without_item(after_id: int) -> tuple[Any, Any]:
    """Conditions on ``records``: after row ``after_id`` and not yet known to retention."""
    return (
        records.c.id > after_id,
        ~select(retention_items.c.record_uid)
        .where(retention_items.c.record_uid == records.c.uid)
        .exists(),
    )


def records_without_item(
    conn: Connection, *, limit: int, after_id: int = 0
) -> list[dict[str, Any]]:
    """Records after ``after_id`` not yet known to retention (sync computes their due dates)."""
    query = (
        select(
            records.c.id,
            records.c.uid,
            records.c.method,
            records.c.occurred_at_utc,
            records.c.occurred_zone,
            records.c.outage_uid,
            records.c.participants,
        )
        .where(*_without_item(after_id))
        .order_by(records.c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def insert_undated_items(
    conn: Connection, *, record_class: str, action: str, stamp: str, after_id: int = 0
) -> int:
    """Give every record without a disposition one with no due date, in one statement.

    Used when the default record class is kept "until review" (no date to compute).
    """
    missing = (
        select(
            records.c.uid,
            literal(record_class),
            null(),
            null(),
            literal(action),
            literal("scheduled"),
            literal(0),
            literal(stamp),
            *(records.c[name] for name in RECORD_COPIES),
        )
        .where(*_without_item(after_id))
        .order_by(records.c.id)
    )
    adding = insert(retention_items).from_select(
        [
            "record_uid",
            "record_class",
            "explicit",
            "due_at_utc",
            "action",
            "status",
            "review_stage",
            "updated_at_utc",
            *RECORD_COPIES,
        ],
        missing,
    )
    # the driver's count of an INSERT ... SELECT, kept before the cursor closes: SQLAlchemy
    # keeps it only for UPDATE and DELETE, and psycopg forgets it on close (it was -1 there)
    result = conn.execute(adding.execution_options(preserve_rowcount=True))
    return int(result.rowcount)


def insert_items(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add dispositions (one per record)."""
    if rows:
        conn.execute(insert(retention_items), list(rows))


def get_item(conn: Connection, *, uid: str) -> dict[str, Any] | None:
    """One record's disposition row."""
    row = conn.execute(select(retention_items).where(retention_items.c.record_uid == uid)).first()
    return None if row is None else dict(row._mapping)


def update_item(conn: Connection, *, uid: str, values: dict[str, Any]) -> None:
    """Change a disposition row."""
    conn.execute(
        update(retention_items).where(retention_items.c.record_uid == uid).values(**values)
    )


def items_with_status(conn: Connection, *, statuses: Iterable[str]) -> list[dict[str, Any]]:
    """Disposition rows in the given statuses."""
    query = (
        select(retention_items)
        .where(retention_items.c.status.in_(list(statuses)))
        .order_by(retention_items.c.due_at_utc, retention_items.c.record_uid)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class DueFilter:
    """Which due items: with ``action``, of ``record_class``, over ``method`` (a channel id),
    due at or after ``since_utc``, in ``status``: ``scheduled`` (awaiting a first review) or
    ``awaiting-second-stage`` (a first reviewer approved, a second must agree)."""

    action: str | None = None
    record_class: str | None = None
    method: str | None = None
    since_utc: str | None = None
    status: str = "scheduled"


def _due_rows(
    conn: Connection, *, as_of: str, action: str | None = None, fence: bool = True,
    flt: DueFilter = DueFilter(),
) -> Any:  # fmt: skip
    """The items due by ``as_of`` (scheduled, unless ``flt`` names another status) and
    matching ``flt``, with the columns holds look at: the items' own copies of their records'
    columns, so no join to ``records``.

    ``OFFSET 0`` (``fence``) keeps PostgreSQL from pushing the hold predicates into the scan
    when every due item is read; a first-page listing goes without, to walk the index in order.
    """
    items = retention_items.c
    query = select(
        items.record_uid,
        items.due_at_utc,
        items.action,
        items.record_uid.label("uid"),
        items.participants,
        items.method,
        items.occurred_at_utc,
        items.outage_uid,
        items.record_class,
    ).where(
        items.status == flt.status,
        items.due_at_utc.is_not(None),
        items.due_at_utc <= as_of,
    )
    if action is not None:
        query = query.where(items.action == action)
    if flt.action is not None:
        query = query.where(items.action == flt.action)
    if flt.record_class is not None:
        query = query.where(items.record_class == flt.record_class)
    if flt.method is not None:
        query = query.where(items.method == flt.method)
    if flt.since_utc is not None:
        query = query.where(items.due_at_utc >= flt.since_utc)
    return (query.offset(0) if fence else query).subquery("due")


def due_summary(
    conn: Connection, *, as_of: str, held: Sequence[HoldScope]
) -> list[tuple[str, int, int]]:
    """``(action, unheld, held)`` counts of scheduled items due by ``as_of``.

    One sweep of ``retention_items`` with the holds as a filter, plus a count over the
    covering index alone for the totals; held = total - unheld.
    """
    due = _due_rows(conn, as_of=as_of)
    unheld_query = (
        select(due.c.action, func.count())
        .where(not_(held_predicate(conn, held, Cols.of(due))) if held else true())
        .group_by(due.c.action)
    )
    unheld = {str(a): int(n) for a, n in conn.execute(unheld_query)}
    total_query = (
        select(retention_items.c.action, func.count())
        .where(
            retention_items.c.status == "scheduled",
            retention_items.c.due_at_utc.is_not(None),
            retention_items.c.due_at_utc <= as_of,
        )
        .group_by(retention_items.c.action)
    )
    totals = {str(a): int(n) for a, n in conn.execute(total_query)}
    return [
        (action, unheld.get(action, 0), total - unheld.get(action, 0))
        for action, total in sorted(totals.items())
    ]


def due_items(
    conn: Connection,
    *,
    as_of: str,
    held: Sequence[HoldScope],
    action: str | None = None,
    limit: int | None = None,
    flt: DueFilter = DueFilter(),
) -> list[dict[str, Any]]:
    """The items due by ``as_of`` (scheduled, unless ``flt`` says otherwise), matching ``flt``
    and under no hold, earliest first, with each record's subject (joined for the items listed
    only; an item whose record is gone is not listed)."""
    due = _due_rows(conn, as_of=as_of, action=action, fence=limit is None, flt=flt)
    query = (
        select(
            due.c.record_uid,
            due.c.record_class,
            due.c.due_at_utc,
            due.c.action,
            due.c.method,
            due.c.occurred_at_utc,
            records.c.subject,
        )
        .select_from(due.join(records, records.c.uid == due.c.record_uid))
        .where(not_(held_predicate(conn, held, Cols.of(due))) if held else true())
        .order_by(due.c.due_at_utc, due.c.record_uid)
    )
    if limit is not None:
        query = query.limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def due_count(
    conn: Connection, *, as_of: str, held: Sequence[HoldScope], flt: DueFilter = DueFilter()
) -> int:
    """How many items :func:`due_items` would list with no limit (counted in SQL)."""
    due = _due_rows(conn, as_of=as_of, flt=flt)
    query = select(func.count()).select_from(due)
    if held:
        query = query.where(not_(held_predicate(conn, held, Cols.of(due))))
    return int(conn.execute(query).scalar_one())


def status_counts(
    conn: Connection, *, statuses: Sequence[str] | None = None
) -> list[tuple[str, int]]:
    """``(status, count)`` over every disposition, or over those in ``statuses`` (indexed)."""
    query = (
        select(retention_items.c.status, func.count())
        .group_by(retention_items.c.status)
        .order_by(retention_items.c.status)
    )
    if statuses is not None:
        query = query.where(retention_items.c.status.in_(list(statuses)))
    return [(str(s), int(n)) for s, n in conn.execute(query)]


def held_uids(conn: Connection, *, uids: Sequence[str], held: Sequence[HoldScope]) -> set[str]:
    """Which of ``uids`` an active hold covers."""
    if not held or not uids:
        return set()
    query = (
        select(records.c.uid)
        .select_from(
            records.outerjoin(retention_items, retention_items.c.record_uid == records.c.uid)
        )
        .where(records.c.uid.in_(list(uids)), held_predicate(conn, held))
    )
    return {str(r[0]) for r in conn.execute(query)}


# -- reviews, stubs, transfers ----------------------------------------------------------------


def insert_review(conn: Connection, *, row: dict[str, Any]) -> None:
    """Store a review decision."""
    conn.execute(insert(retention_reviews).values(**row))


def reviews_of(conn: Connection, *, uid: str) -> list[dict[str, Any]]:
    """A record's review decisions, oldest first."""
    query = (
        select(retention_reviews)
        .where(retention_reviews.c.record_uid == uid)
        .order_by(retention_reviews.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def insert_stub(conn: Connection, *, row: dict[str, Any]) -> None:
    """Store a residual stub and its certificate."""
    conn.execute(insert(retention_stubs).values(**row))


def get_stub(conn: Connection, *, uid: str) -> dict[str, Any] | None:
    """A disposed record's stub, by uid or unique prefix."""
    row = conn.execute(select(retention_stubs).where(retention_stubs.c.record_uid == uid)).first()
    if row is None and len(uid) >= 4:
        rows = conn.execute(
            select(retention_stubs).where(retention_stubs.c.record_uid.startswith(uid)).limit(2)
        ).all()
        row = rows[0] if len(rows) == 1 else None
    return None if row is None else dict(row._mapping)


def unreferenced_blobs(conn: Connection, *, candidates: Iterable[str]) -> list[str]:
    """Which of ``candidates`` no remaining record, attachment, message or ledger entry that
    adds a file to a record refers to."""
    left = []
    for digest in sorted(set(candidates)):
        pattern = f"%{digest}%"
        used = conn.execute(
            select(func.count()).select_from(attachments).where(attachments.c.sha256 == digest)
        ).scalar_one()
        used = (
            used
            or conn.execute(
                select(func.count()).select_from(records).where(records.c.source.like(pattern))
            ).scalar_one()
        )
        used = (
            used
            or conn.execute(
                select(func.count())
                .select_from(messages)
                .where(messages.c.attachments_json.like(pattern))
            ).scalar_one()
        )
        used = (
            used
            or conn.execute(
                # a file that joined another record later (an added source, a linked file):
                # a destroyed record's own entries are redacted before this is asked
                select(func.count())
                .select_from(ledger)
                .where(
                    ledger.c.kind.in_(FILE_ADDING_KINDS),
                    ledger.c.payload.like(pattern),
                )
            ).scalar_one()
        )
        if not used:
            left.append(digest)
    return left


def delete_blob_rows(conn: Connection, *, digests: Sequence[str]) -> None:
    """Unregister files whose content was destroyed (the caller removes the files)."""
    if digests:
        conn.execute(delete(blobs).where(blobs.c.sha256.in_(list(digests))))


def insert_transfer(conn: Connection, *, row: dict[str, Any]) -> None:
    """Record a built transfer package."""
    conn.execute(insert(retention_transfers).values(**row))


def get_transfer(conn: Connection, *, consignment: str) -> dict[str, Any] | None:
    """A transfer by consignment id."""
    row = conn.execute(
        select(retention_transfers).where(retention_transfers.c.consignment == consignment)
    ).first()
    return None if row is None else dict(row._mapping)


def list_transfers(conn: Connection) -> list[dict[str, Any]]:
    """Every transfer, the most recently built first."""
    query = select(retention_transfers).order_by(
        retention_transfers.c.built_at_utc.desc(), retention_transfers.c.consignment
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def update_transfer(conn: Connection, *, consignment: str, values: dict[str, Any]) -> None:
    """Change a transfer's status."""
    conn.execute(
        update(retention_transfers)
        .where(retention_transfers.c.consignment == consignment)
        .values(**values)
    )


def redact_record_payloads(conn: Connection, *, uid: str, disposed_seq: int) -> int:
    """Replace the content-bearing ledger payloads of a destroyed record with the marker.

    Entry hashes and ``content_sha256`` stay, so the chain verifies (see
    :func:`commsgov.records.verify.redaction_payload`); returns how many entries were redacted.
    """
    from commsgov.records.verify import REDACTABLE_KINDS, redaction_payload

    result = conn.execute(
        update(ledger)
        .where(
            ledger.c.record_uid == uid,
            ledger.c.kind.in_(REDACTABLE_KINDS),
            ledger.c.seq < disposed_seq,
        )
        .values(payload=redaction_payload(uid, disposed_seq=disposed_seq))
    )
    return int(result.rowcount)


# -- what verify compares with the ledger -----------------------------------------------------


def all_rows(conn: Connection, table: Any) -> list[dict[str, Any]]:
    """Every row of a retention table (holds, reviews, stubs and transfers are few)."""
    return [dict(r._mapping) for r in conn.execute(select(table))]


def unusual_items(conn: Connection, *, default_class: str) -> list[dict[str, Any]]:
    """Disposition rows that differ from a new record's: another class, status, stage or
    explicit settings (only these need a ledger entry behind them)."""
    query = select(
        retention_items.c.record_uid,
        retention_items.c.record_class,
        retention_items.c.status,
        retention_items.c.review_stage,
        retention_items.c.explicit,
    ).where(
        or_(
            retention_items.c.status != "scheduled",
            retention_items.c.record_class != default_class,
            retention_items.c.review_stage != 0,
            retention_items.c.explicit.is_not(None),
        )
    )
    return [dict(r._mapping) for r in conn.execute(query)]


# -- what a disposal proves from the ledger ---------------------------------------------------


def entries_of_kinds(conn: Connection, *, kinds: Sequence[str]) -> list[LedgerEntry]:
    """Every ledger entry of these kinds, in order (holds and transfers: not about one record)."""
    rows = conn.execute(select(ledger).where(ledger.c.kind.in_(list(kinds))).order_by(ledger.c.seq))
    return [LedgerEntry(**r._mapping) for r in rows]


def ledger_extent(conn: Connection) -> tuple[int, int]:
    """``(count, highest seq)`` of the ledger: equal unless entries were deleted."""
    count, top = conn.execute(select(func.count(), func.max(ledger.c.seq))).one()
    return int(count or 0), int(top or 0)


def prev_hashes(conn: Connection, *, seqs: Iterable[int]) -> dict[int, str]:
    """``prev_hash`` of the entries at ``seqs`` (those that exist)."""
    wanted = sorted(set(seqs))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(ledger.c.seq, ledger.c.prev_hash).where(ledger.c.seq.in_(chunk))
        found.update({int(s): str(h) for s, h in conn.execute(query)})
    return found


def ledger_names(conn: Connection, digest: str) -> bool:
    """Whether any ledger payload names ``digest`` (a file a record had, even if its row went)."""
    query = select(func.count()).select_from(ledger).where(ledger.c.payload.like(f"%{digest}%"))
    return bool(conn.execute(query).scalar_one())


def message_files(conn: Connection, *, record_id: int) -> set[str]:
    """SHA-256 of every stored file a record's messages carry (not references only)."""
    query = select(messages.c.attachments_json).where(
        messages.c.record_id == record_id, messages.c.attachments_json != "[]"
    )
    found: set[str] = set()
    for (text_,) in conn.execute(query):
        found.update(a["sha256"] for a in json.loads(text_) if a.get("sha256"))
    return found


def due_times(conn: Connection, *, since_utc: str, until_utc: str) -> list[tuple[str, str]]:
    """``(due_at_utc, action)`` of each item with a due date in ``[since_utc, until_utc)``
    (whatever its status: what falls due when)."""
    query = select(retention_items.c.due_at_utc, retention_items.c.action).where(
        retention_items.c.due_at_utc >= since_utc, retention_items.c.due_at_utc < until_utc
    )
    return [(str(at), str(action or "review")) for at, action in conn.execute(query)]

"""Reading the record: one record, lists, full-text search, the policy exceptions report.

Each returns the typed views of :mod:`commsgov.records.views`, and each passes through
:func:`commsgov.services.read_gate.read` (who may see what, who read what, when, and the
outcome): a staff member's reads are filtered inside the query, so a record they may not see
is never fetched (and is "not found" when asked for by id).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.events import RecordRead, RecordsListed, RecordsSearched
from commsgov.records.links import links_by_message, links_of
from commsgov.records.models import record_hash
from commsgov.records.views import (
    LedgerLine,
    MatchingMessage,
    MessageView,
    RecordSummary,
    RecordView,
    SearchHit,
    SourceView,
)
from commsgov.services import read_gate
from commsgov.services.query import RecordQuery, record_filter
from commsgov.store import repo
from commsgov.store.handle import Store
from commsgov.store.repo import Visibility

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "ExceptionsReport",
    "MonthCount",
    "exceptions",
    "exceptions_report",
    "get_record",
    "list_records",
    "search_records",
]


def get_record(
    store: Store, ref: str, *, actor: Actor, message_limit: int | None = None
) -> RecordView:
    """A record (uid or unique prefix): its state, hash, sources, ledger history and messages
    (the first ``message_limit`` in time order; all when ``None``)."""
    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordRead(ref, 0),
        run=lambda seen: _record(store, ref, message_limit, seen),
        done=lambda view: RecordRead(view.uid, len(view.messages)),
    )


def _record(
    store: Store, ref: str, message_limit: int | None, visible_to: Visibility | None
) -> RecordView:
    with store.read() as conn:
        found = repo.require_record(conn, ref=ref, visible_to=visible_to)
        state = repo.get_record_state(conn, record_id=found[0])
        history = repo.entries_for_record(conn, uid=found[1])
        sources = repo.record_sources(conn, found[1], history)
        messages = repo.messages_of_record(conn, record_id=found[0], limit=message_limit)
    links = links_by_message(links_of(history))
    return RecordView(
        **RecordView.fields_of(state),
        record_sha256=record_hash(state),
        sources=tuple(SourceView.of(s) for s in sources),
        ledger=tuple(LedgerLine(e.seq, e.at, e.actor, e.kind, e.entry_hash) for e in history),
        messages=tuple(MessageView.of(m, links) for m in messages),
    )


def _summary_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A listed row's view fields: its hash is over its state (without the message count)."""
    count = int(row.pop("message_count"))
    return {
        **RecordSummary.fields_of(row),
        "record_sha256": record_hash(row),
        "message_count": count,
    }


def list_records(
    store: Store,
    *,
    actor: Actor,
    query: RecordQuery = RecordQuery(),
    limit: int = 100,
    offset: int = 0,
    pack: CompiledPack | None = None,
) -> list[RecordSummary]:
    """Records matching ``query``'s filters (its words aside), most recent first."""

    def run(visible_to: Visibility | None) -> list[RecordSummary]:
        flt = record_filter(query, pack=pack, visible_to=visible_to)
        with store.read() as conn:
            rows = repo.list_records(conn, flt=flt, limit=limit, offset=offset)
        return [RecordSummary(**_summary_fields(row)) for row in rows]

    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordsListed(query.describe(), ()),
        run=run,
        done=lambda rows: RecordsListed(query.describe(), tuple(r.uid for r in rows)),
    )


def search_records(
    store: Store,
    *,
    actor: Actor,
    query: RecordQuery,
    limit: int = 100,
    pack: CompiledPack | None = None,
) -> list[SearchHit]:
    """Records whose content, participants or messages hold every word of ``query.terms`` (and
    match its filters), each with its matching messages; no words, no records."""
    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordsSearched(query.describe(), ()),
        run=lambda seen: _search(store, query, limit, pack, seen),
        done=lambda hits: RecordsSearched(query.describe(), tuple(h.uid for h in hits)),
    )


def _search(
    store: Store,
    query: RecordQuery,
    limit: int,
    pack: CompiledPack | None,
    visible_to: Visibility | None,
) -> list[SearchHit]:
    flt = record_filter(query, pack=pack, visible_to=visible_to)
    terms = query.terms or ""
    hits = []
    with store.read() as conn:
        rows = repo.search_records(conn, terms=terms, flt=flt, limit=limit)
        for row in rows:
            fields = _summary_fields(row)
            found = repo.resolve_record(conn, ref=row["uid"])
            matching = (
                repo.search_messages(conn, terms=terms, limit=20, record_id=found[0])
                if found and fields["message_count"]
                else []
            )
            hits.append(
                SearchHit(
                    **fields, matching_messages=tuple(MatchingMessage.of(m) for m in matching)
                )
            )
    return hits


def exceptions(
    store: Store,
    *,
    actor: Actor,
    query: RecordQuery = RecordQuery(),
    pack: CompiledPack | None = None,
) -> list[RecordSummary]:
    """Records flagged as policy exceptions (matching ``query``'s filters), most recent first."""
    described = " ".join(filter(None, ["exceptions", query.describe()]))

    def run(visible_to: Visibility | None) -> list[RecordSummary]:
        flt = record_filter(query, pack=pack, exceptions_only=True, visible_to=visible_to)
        with store.read() as conn:
            rows = repo.list_records(conn, flt=flt, limit=1_000_000)
        return [RecordSummary(**_summary_fields(row)) for row in rows]

    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordsListed(described, ()),
        run=run,
        done=lambda rows: RecordsListed(described, tuple(r.uid for r in rows)),
    )


@dataclass(frozen=True, slots=True)
class MonthCount:
    """How many policy exceptions happened in the UTC month starting on ``month``."""

    month: str
    count: int


@dataclass(frozen=True, slots=True)
class ExceptionsReport:
    """A page of the policy exceptions a query finds (``items``, most recent first, from
    ``offset``), how many it finds in all, and how many happened each month from the first
    such month to the last, oldest first (months with none included, as zero)."""

    items: tuple[RecordSummary, ...]
    total: int
    offset: int
    per_month: tuple[MonthCount, ...]


def _months(found: list[tuple[str, int]]) -> tuple[MonthCount, ...]:
    """Every month from the first in ``found`` (``YYYY-MM``, oldest first) to the last.

    >>> [(m.month, m.count) for m in _months([("2026-11", 2), ("2027-01", 1)])]
    [('2026-11-01', 2), ('2026-12-01', 0), ('2027-01-01', 1)]
    """
    if not found:
        return ()
    counts = dict(found)
    first, last = (dt.date.fromisoformat(f"{found[i][0]}-01") for i in (0, -1))
    out, n = [], first.year * 12 + first.month - 1
    while (day := dt.date(n // 12, n % 12 + 1, 1)) <= last:
        out.append(MonthCount(day.isoformat(), counts.get(day.isoformat()[:7], 0)))
        n += 1
    return tuple(out)


def exceptions_report(
    store: Store,
    *,
    actor: Actor,
    query: RecordQuery = RecordQuery(),
    limit: int = 25,
    offset: int = 0,
    pack: CompiledPack | None = None,
) -> ExceptionsReport:
    """The policy exceptions report a page at a time: the records flagged as exceptions that
    match ``query``'s filters (its words aside), with their total and counts per month, all
    counted in the store (one read in the audit trail, naming the records listed)."""
    described = " ".join(filter(None, ["exceptions", query.describe()]))

    def run(visible_to: Visibility | None) -> ExceptionsReport:
        flt = record_filter(query, pack=pack, exceptions_only=True, visible_to=visible_to)
        with store.read() as conn:
            rows = repo.list_records(conn, flt=flt, limit=limit, offset=offset)
            total = repo.count_records(conn, flt=flt)
            per_month = repo.records_per_month(conn, flt=flt)
        items = tuple(RecordSummary(**_summary_fields(row)) for row in rows)
        return ExceptionsReport(items, total, offset, _months(per_month))

    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordsListed(described, ()),
        run=run,
        done=lambda report: RecordsListed(described, tuple(r.uid for r in report.items)),
    )

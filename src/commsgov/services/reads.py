"""Reading the record: one record, lists, full-text search, the policy exceptions report."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from commsgov.records.errors import NotFoundError
from commsgov.records.models import (
    record_hash,
)
from commsgov.services.actor import Actor
from commsgov.store import repo
from commsgov.store.handle import Store

if TYPE_CHECKING:
    pass

__all__ = ["exceptions", "get_record", "list_records", "search_records"]


def get_record(
    store: Store, ref: str, *, actor: Actor, message_limit: int | None = None
) -> dict[str, Any]:
    """A record's state, its hash, its ledger history and its messages."""
    with store.read() as conn:
        found = repo.resolve_record(conn, ref=ref)
        if found is None:
            raise NotFoundError(f"no record {ref!r}")
        state = repo.get_record_state(conn, record_id=found[0])
        history = repo.entries_for_record(conn, uid=found[1])
        sources = repo.record_sources(conn, found[1], history)
        messages = repo.messages_of_record(conn, record_id=found[0], limit=message_limit)
    state["record_sha256"] = record_hash(state)
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


def _add_record_hash(row: dict[str, Any]) -> int:
    """Set a listed record's ``record_sha256`` (over its state without the message count, which
    stays last); its message count."""
    count = row.pop("message_count")
    row["record_sha256"] = record_hash(row)
    row["message_count"] = count
    return int(count)


def list_records(
    store: Store,
    *,
    actor: Actor,
    flt: repo.RecordFilter | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Records matching the filters, most recent first."""
    with store.read() as conn:
        rows = repo.list_records(conn, flt=flt or repo.RecordFilter(), limit=limit, offset=offset)
    for row in rows:
        _add_record_hash(row)
    return rows


def search_records(
    store: Store,
    *,
    actor: Actor,
    terms: str,
    flt: repo.RecordFilter | None = None,
    limit: int = 100,
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


def exceptions(
    store: Store, *, actor: Actor, flt: repo.RecordFilter | None = None
) -> list[dict[str, Any]]:
    """Records flagged as policy exceptions, most recent first."""
    flt = dataclasses.replace(flt or repo.RecordFilter(), exceptions_only=True)
    return list_records(store, actor=actor, flt=flt, limit=1_000_000)

"""Exports of the record (CSV or JSON with hashes), each logged on the ledger."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from commsgov.records.canonical import (
    sha256_hex,
)
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import (
    RecordsExported,
)
from commsgov.records.timestamps import utc_text
from commsgov.services._support import clock
from commsgov.services.actor import Actor
from commsgov.services.ledger import append_events
from commsgov.services.reads import get_record
from commsgov.store import repo
from commsgov.store.handle import Store

if TYPE_CHECKING:
    pass

__all__ = ["export_records"]


def export_records(
    store: Store,
    records: list[dict[str, Any]],
    *,
    fmt: str,
    messages: bool = True,
    query: str = "",
    actor: Actor,
    audit: bool = True,
) -> str:
    """Export records (from list/search) with their hashes as ``json`` or ``csv`` text.

    Unless ``audit`` is off, the export is logged as a ``records-exported`` ledger entry with the
    SHA-256 of the returned text.
    """
    text = _export_text(store, records, actor=actor, fmt=fmt, messages=messages)
    if audit:
        event = RecordsExported(tuple(r["uid"] for r in records), fmt, query, sha256_hex(text))
        with store.write() as conn:
            append_events(conn, [event], actor=actor)
    return text


def _export_text(
    store: Store, records: list[dict[str, Any]], *, actor: Actor, fmt: str, messages: bool
) -> str:
    head_seq, head_hash = 0, ""
    with store.read() as conn:
        head_seq, head_hash = repo.ledger_head(conn)
    full = [get_record(store, r["uid"], actor=actor) if messages else r for r in records]
    if fmt == "json":
        return (
            json.dumps(
                {
                    "exported_at": utc_text(clock(None)),
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

"""Repository functions for merging offline stores: registrations, merges done, exact lookups.

Registrations and merges live in the ledger only (``offline-store-registered``,
``offline-store-merged``), so nothing else can disagree with it; there are few of them, and
these read them by kind.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from commsgov.store.tables import ledger, outages, records

__all__ = ["merged_through", "outage_exists", "record_by_uid", "registered_key"]


def _payloads(conn: Connection, kind: str) -> list[tuple[int, dict[str, Any]]]:
    rows = conn.execute(
        select(ledger.c.seq, ledger.c.payload).where(ledger.c.kind == kind).order_by(ledger.c.seq)
    ).all()
    return [(int(seq), json.loads(payload)) for seq, payload in rows]


def registered_key(conn: Connection, *, store: str) -> str | None:
    """The public key (``ed25519:...``) registered for offline store ``store``, if any."""
    for _seq, payload in _payloads(conn, "offline-store-registered"):
        if payload.get("store") == store:
            return str(payload["public_key"])
    return None


def merged_through(conn: Connection, *, store: str) -> tuple[int, str, int] | None:
    """``(offline seq, its hash, central seq)`` of the last merge of ``store``, if any."""
    found = None
    for seq, payload in _payloads(conn, "offline-store-merged"):
        if payload.get("store") == store and (found is None or int(payload["through"]) > found[0]):
            found = (int(payload["through"]), str(payload["head"]), seq)
    return found


def record_by_uid(conn: Connection, *, uid: str) -> tuple[int, str] | None:
    """``(id, uid)`` of the record whose uid is exactly ``uid``."""
    row = conn.execute(select(records.c.id, records.c.uid).where(records.c.uid == uid)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def outage_exists(conn: Connection, *, uid: str) -> dict[str, Any] | None:
    """The outage whose uid is exactly ``uid``, if any."""
    row = conn.execute(select(outages).where(outages.c.uid == uid)).first()
    return None if row is None else dict(row._mapping)

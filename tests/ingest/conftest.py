"""Helpers for the ingest suite (which runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable


def count(store: Any, table: str) -> int:
    """How many rows ``table`` holds."""
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def counts(store: Any) -> tuple[int, ...]:
    """Rows of records, messages, attachments, blobs and ledger (what an import may add)."""
    return tuple(count(store, t) for t in ("records", "messages", "attachments", "blobs", "ledger"))


def destroy(store: Any, uid: str) -> None:
    """Destroy one record through retention: an approved review, then disposal."""
    from commsgov import services as ret

    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    due = now + dt.timedelta(days=30)
    ret.review(store, uids=[uid], decision="extend", reason="r", until=due, actor=Actor.cli("rita"),
               now=now)  # fmt: skip
    ret.review(store, all_due=True, as_of=due, decision="destroy", reason="no value",
               actor=Actor.cli("rita"), now=now)  # fmt: skip
    out = jsonable(ret.dispose(store, as_of=due, actor=Actor.cli("clerk"), now=now))
    assert [d["uid"] for d in out["destroyed"]] == [uid]

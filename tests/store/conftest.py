"""Helpers for the storage suite (which runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from commsgov.accounts.actor import Actor
from commsgov.records import MessageDraft, Participant, RecordDraft

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def sql(store: Any, statement: str, **params: Any) -> Any:
    """Run raw SQL against the store (what a tamperer with database access would do)."""
    with store.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def conversation(n: int, *, start: dt.datetime = T0, word: str = "message") -> list[MessageDraft]:
    """``n`` messages a minute apart from two senders."""
    return [
        MessageDraft(start + dt.timedelta(minutes=i), ("Ann", "Bob")[i % 2], f"{word} number {i}")
        for i in range(n)
    ]


def chat(key: str = "chat-1", method: str = "whatsapp", **kwargs: Any) -> RecordDraft:
    """A conversation record draft."""
    return RecordDraft(
        method=method,
        occurred_at=T0,
        conversation_key=key,
        subject=f"Group {key}",
        participants=(Participant("Ann"), Participant("Bob", organisation="NHS", internal=False)),
        **kwargs,
    )


@pytest.fixture
def populated(store: Any, tmp_path: Any) -> dict[str, Any]:
    """A store with an outage, three captures (one with a file) and a 30-message conversation."""
    from commsgov import services as svc

    outage = svc.start_outage(
        store,
        reason="SCOTS down",
        actor=Actor.cli("boss"),
        started_at=T0 - dt.timedelta(hours=1),
        now=T0,
    )
    file = tmp_path / "minutes.txt"
    file.write_text("minutes of the call\n")
    other = tmp_path / "other.txt"
    other.write_text("something else\n")
    email = svc.capture(
        store,
        RecordDraft(
            method="email",
            occurred_at=T0 - dt.timedelta(days=3),
            summary="budget email",
            participants=(Participant("Cy"),),
        ),
        actor=Actor.cli("ann"),
        attach=[file],
    )
    svc.end_outage(store, actor=Actor.cli("boss"), ended_at=T0 + dt.timedelta(hours=2), now=T0)
    late = svc.capture(
        store,
        RecordDraft(
            method="signal", occurred_at=T0 + dt.timedelta(days=1), summary="late signal chat"
        ),
        actor=Actor.cli("ann"),
    )
    conv = svc.store_conversation(
        store, record=chat(), messages=conversation(30), actor=Actor.cli("imp")
    )
    return {
        "outage": outage,
        "email": email,
        "late": late,
        "conv": conv,
        "file": file,
        "other": other,
    }

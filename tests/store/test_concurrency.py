"""Concurrent writers queue on the ledger lock: the chain stays linear and verifies."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import RecordDraft

from .conftest import T0, chat, conversation, sql

#: who acts in these tests
ACTOR = Actor.cli("tester")


def test_concurrent_captures_and_imports(store: Any) -> None:
    def capture(i: int) -> str:
        draft = RecordDraft(
            method="email", occurred_at=T0 + dt.timedelta(minutes=i), summary=f"{i}"
        )
        return svc.capture(store, draft, actor=Actor.cli(f"writer-{i % 4}")).uid

    def conversation_import(i: int) -> int:
        result = svc.store_conversation(
            store,
            record=chat(f"c{i}"),
            messages=conversation(300, word=f"w{i}"),
            batch_size=50,
            actor=ACTOR,
        )
        return result.new_messages

    with ThreadPoolExecutor(max_workers=4) as pool:
        uids = list(pool.map(capture, range(24)))
        imported = list(pool.map(conversation_import, range(4)))
    assert len(set(uids)) == 24 and imported == [300] * 4
    seqs = [row[0] for row in sql(store, "SELECT seq FROM ledger ORDER BY seq")]
    assert seqs == list(range(1, 24 + 4 * 7 + 1))
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == 1200

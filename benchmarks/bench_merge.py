"""Merging an outage kit (issue 17) beside writing the same conversation directly.

- Merge: ``services.merge_offline`` of a kit holding one conversation of N messages into an
  empty central SQLite store: the kit verified whole (chain, rows, every message rehashed,
  the signed head), then every message rebuilt from its row and written with its provenance.
- Peer: ``services.store_conversation`` of the same N messages into an empty store (what ingest
  does once a file is parsed): the cost of writing them at all.
- Merging the same kit again (nothing new: the kit is verified again, nothing is written).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from commsgov.accounts.actor import Actor

TITLE = "Outage kit: merging a kit vs writing the same conversation directly"

ACTOR = Actor.cli("bench")
T0 = dt.datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Europe/London"))


def _messages(n: int) -> list[object]:
    from commsgov.records import MessageDraft

    return [
        MessageDraft(T0 + dt.timedelta(seconds=i), ("Ann", "Bob")[i % 2], f"message {i} of the day")
        for i in range(n)
    ]


def _chat() -> object:
    from commsgov.records import RecordDraft

    return RecordDraft(method="whatsapp", occurred_at=T0, conversation_key="chat", subject="s")


def _one(n: int, root: Path) -> tuple[float, float, float]:
    from commsgov import services as svc
    from commsgov.store.handle import open_store

    later = T0 + dt.timedelta(days=1)
    stores = {}
    for name in ("kit", "central", "direct"):
        (root / name).mkdir()
        stores[name] = open_store(f"sqlite:///{root / name / 'store.db'}")
    try:
        svc.store_conversation(
            stores["kit"], record=_chat(), messages=_messages(n), actor=ACTOR, now=later
        )
        key = svc.store_identity(stores["kit"], actor=ACTOR).public_key
        messages = _messages(n)
        start = time.perf_counter()
        svc.store_conversation(
            stores["direct"], record=_chat(), messages=messages, actor=ACTOR, now=later
        )
        direct = time.perf_counter() - start
        path = root / "kit" / "store.db"
        start = time.perf_counter()
        result = svc.merge_offline(stores["central"], path, actor=ACTOR, public_key=key, now=later)
        merged = time.perf_counter() - start
        assert result.messages_added == n
        start = time.perf_counter()
        svc.merge_offline(stores["central"], path, actor=ACTOR, now=later)
        again = time.perf_counter() - start
    finally:
        for store in stores.values():
            store.close()
    return merged, direct, again


def run(quick: bool) -> str:
    sizes = [10_000] if quick else [10_000, 100_000]
    rows = [
        "| messages | merge (verify + write) | store_conversation (peer) | ratio | merge again |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix="commsgov-bench-merge-"))
        os.environ["COMMSGOV_DATA_DIR"] = str(root / "data")
        try:
            merged, direct, again = _one(n, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        rows.append(
            f"| {n:,} | {merged:.2f} s | {direct:.2f} s | {merged / direct:.2f}x | {again:.2f} s |"
        )
    return (
        "Merging checks the whole kit first (its chain, every row and message rehashed, its "
        "signed head) and then writes each message as ingest does, with the kit's provenance; "
        "merging it again verifies it again and writes nothing.\n\n" + "\n".join(rows) + "\n"
    )

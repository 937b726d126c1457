"""The corporate record at scale: bulk write, verify and search, each beside a bare baseline.

- Bulk write: ``services.store_conversation`` (identity hashing, deduplication, message
  hashes, a ledger entry per 10,000-message batch, full-text index) vs a bare ``sqlite3``
  ``executemany`` of the same rows into a table with the same columns and no index.
- Verify: ``services.verify`` (chain, replay, every message rehashed from its columns)
  vs ``hashlib.sha256`` over the same canonical bytes, already in memory.
- Search: p50/p95 of ``store.repo.search_messages`` (FTS5; the 50 most recently stored
  matches) vs ``LIKE '%term%'`` with the same order and limit (which lets it stop early too),
  over words drawn across the vocabulary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from commsgov.accounts.actor import Actor

#: who acts in these tests
ACTOR = Actor.cli("tester")

TITLE = "Corporate record: bulk write, verify and search vs bare SQLite and hashlib"

_SYLLABLES = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "za", "dru", "pla", "sto"]


def _vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _messages(n: int, vocab: list[str], rng: random.Random) -> list[object]:
    from commsgov.records import MessageDraft

    zone = ZoneInfo("Europe/London")
    start = dt.datetime(2025, 1, 1, tzinfo=zone)
    # Zipf-like word frequencies: rank r is drawn with probability ~ 1/r
    weights = [1.0 / (r + 1) for r in range(len(vocab))]
    senders = [f"Person {i}" for i in range(40)]
    out: list[object] = []
    chunk = rng.choices(vocab, weights=weights, k=n * 10)
    for i in range(n):
        words = chunk[i * 10 : i * 10 + rng.randint(4, 10)]
        out.append(
            MessageDraft(start + dt.timedelta(seconds=17 * i), senders[i % 40], " ".join(words))
        )
    return out


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(quick: bool) -> str:
    from commsgov import services as svc
    from commsgov.records import RecordDraft, Verifier, message_canonical
    from commsgov.store import repo

    n = 50_000 if quick else 1_000_000
    load_before = os.getloadavg()[0]
    rng = random.Random(2026)
    vocab = _vocabulary(20_000, rng)
    drafts = _messages(n, vocab, rng)
    tmp = Path(tempfile.mkdtemp(prefix="commsgov-bench-"))
    try:
        # -- bulk write -----------------------------------------------------------------
        store = svc.open_store(f"sqlite:///{tmp / 'record.db'}", blob_dir=tmp / "blobs")
        record = RecordDraft(
            method="whatsapp",
            occurred_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            conversation_key="bench",
            subject="Benchmark conversation",
        )
        t0 = time.perf_counter()
        result = svc.store_conversation(
            store, record=record, messages=drafts, actor=Actor.cli("bench"), batch_size=10_000
        )
        ours_write = time.perf_counter() - t0
        assert result.new_messages == n, result

        with store.read() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT {', '.join(repo.MESSAGE_COLUMNS)} FROM messages ORDER BY id"
            ).all()
        rows = [tuple(r) for r in rows]
        bare = sqlite3.connect(tmp / "bare.db", isolation_level=None)
        bare.execute("PRAGMA journal_mode=WAL")
        bare.execute("PRAGMA synchronous=NORMAL")
        columns = ", ".join(repo.MESSAGE_COLUMNS)
        bare.execute(f"CREATE TABLE messages (id INTEGER PRIMARY KEY, {columns})")
        marks = ", ".join("?" for _ in repo.MESSAGE_COLUMNS)
        t0 = time.perf_counter()
        bare.execute("BEGIN")
        bare.executemany(f"INSERT INTO messages ({columns}) VALUES ({marks})", rows)
        bare.execute("COMMIT")
        bare_write = time.perf_counter() - t0
        bare.close()

        # the database's share: the same rows into commsgov's schema (its indexes and FTS5
        # feeding, in 10,000-row batches), with no Python hashing, dedup or ledger
        svc.open_store(f"sqlite:///{tmp / 'floor.db'}", blob_dir=tmp / "fb").close()
        floor = sqlite3.connect(tmp / "floor.db", isolation_level=None)
        floor.execute("PRAGMA synchronous=NORMAL")
        floor.execute("PRAGMA cache_size=-65536")
        t0 = time.perf_counter()
        floor.execute("BEGIN")
        for start in range(0, len(rows), 10_000):
            batch = rows[start : start + 10_000]
            floor.executemany(f"INSERT INTO messages ({columns}) VALUES ({marks})", batch)
            floor.execute(repo.SQLITE_INDEX_MESSAGES, (batch[0][1],))
        floor.execute("COMMIT")
        floor_write = time.perf_counter() - t0
        floor.close()

        # -- verify ---------------------------------------------------------------------
        t0 = time.perf_counter()
        report = svc.verify(store, actor=ACTOR)
        ours_verify = time.perf_counter() - t0
        assert report.ok, report.problem
        # for reference: the messages alone by the exact path (each message's bytes rebuilt in
        # Python from its columns), which verify falls back to where the database's bytes differ
        with store.read() as conn:
            exact = Verifier()
            for entry in repo.iter_ledger(conn):
                exact.entry(entry)
            t0 = time.perf_counter()
            assert exact.message_rows(repo.iter_message_rows(conn)) is None
            exact_messages = time.perf_counter() - t0
        with store.read() as conn:
            uid = conn.exec_driver_sql("SELECT uid FROM records").scalar_one()
            payloads = [e.payload.encode() for e in repo.iter_ledger(conn)]
        blobs = [
            message_canonical(
                record_uid=uid,
                identity=bytes(r[3]).hex(),
                sent_at_utc=r[4],
                sent_zone=r[5],
                sent_local=r[6],
                sender=r[7],
                text=r[8],
                attachments_json=r[9],
            )
            for r in rows
        ] + payloads
        total_bytes = sum(len(b) for b in blobs)
        sha256 = hashlib.sha256
        t0 = time.perf_counter()
        for b in blobs:
            sha256(b).digest()
        raw_verify = time.perf_counter() - t0
        joined = b"".join(blobs)
        t0 = time.perf_counter()
        sha256(joined).digest()
        raw_stream = time.perf_counter() - t0
        del joined

        # -- search ---------------------------------------------------------------------
        terms = [vocab[rng.randrange(len(vocab))] for _ in range(200)]
        like_terms = terms[: 20 if quick else 40]
        ours_ms: list[float] = []
        hits: list[int] = []
        with store.read() as conn:
            for term in terms:
                t0 = time.perf_counter()
                found = repo.search_messages(conn, terms=term, limit=50)
                ours_ms.append((time.perf_counter() - t0) * 1000)
                hits.append(len(found))
        like = sqlite3.connect(tmp / "record.db")
        like_ms: list[float] = []
        for term in like_terms:
            t0 = time.perf_counter()
            like.execute(
                "SELECT id, sender, text FROM messages WHERE text LIKE ? ORDER BY id DESC LIMIT 50",
                (f"%{term}%",),
            ).fetchall()
            like_ms.append((time.perf_counter() - t0) * 1000)
        like.close()
        store.close()
        db_mb = sum(p.stat().st_size for p in tmp.glob("record.db*")) / 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    write_ratio = bare_write / ours_write
    verify_ratio = raw_verify / ours_verify
    # the goals restated by issue 10: against the floor of our own design, not a bare table
    floor_ratio = floor_write / ours_write
    verify_floor_ratio = exact_messages / ours_verify
    p95_ours, p95_like = _pct(ours_ms, 0.95), _pct(like_ms, 0.95)

    def verdict(value: float, goal: float) -> str:
        return "met" if value >= goal else "**not met**"

    lines = [
        f"Goals (restated by issue 10): bulk write {floor_ratio:.2f}x the same rows written "
        f"into our own schema with no Python work (goal 0.8x: {verdict(floor_ratio, 0.8)}); "
        f"verify {verify_floor_ratio:.2f}x the floor of fetching the same columns into Python "
        f"and hashing them (goal 0.7x: {verdict(verify_floor_ratio, 0.7)}); search p95 "
        f"{p95_like / p95_ours:,.0f}x faster than `LIKE` (goal 100x: "
        f"{verdict(p95_like / p95_ours, 100)}). For information: bulk write "
        f"{write_ratio:.2f}x a bare `executemany` into a table with no index, verify "
        f"{verify_ratio:.2f}x `hashlib` alone over the canonical bytes.",
        "",
        f"{n:,} messages in one conversation (Zipf-distributed words from a 20,000-word "
        f"vocabulary, 4-10 words each), SQLite file on local disk, WAL, synchronous=NORMAL. "
        f"Store size after the write: {db_mb:,.0f} MB. Machine load (1-minute average, 2 cores) "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| measure | commsgov | baseline | ratio (commsgov / baseline) | goal |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bulk write, messages/s (ledger + hashes + dedup index + FTS5) | "
        f"{_rate(n, ours_write)} ({ours_write:.1f} s) | {_rate(n, bare_write)} "
        f"({bare_write:.1f} s) bare `executemany` | {write_ratio:.2f}x | |",
        f"| for reference: the same rows into commsgov's schema (indexes + FTS5), no Python "
        f"work | {_rate(n, floor_write)} ({floor_write:.1f} s) | {_rate(n, bare_write)} | "
        f"{bare_write / floor_write:.2f}x | commsgov >= 0.8x of this ({floor_ratio:.2f}x) |",
        f"| verify, messages/s (chain + every row rehashed from its columns) | "
        f"{_rate(n, ours_verify)} ({ours_verify:.1f} s) | {_rate(n, raw_verify)} "
        f"({raw_verify:.2f} s) `hashlib.sha256` per message | {verify_ratio:.2f}x | |",
        f"| for reference: the messages alone, bytes rebuilt in Python (verify's exact path) | "
        f"{_rate(n, exact_messages)} ({exact_messages:.1f} s) | {_rate(n, raw_verify)} | "
        f"{raw_verify / exact_messages:.2f}x | verify >= 0.7x of this "
        f"({verify_floor_ratio:.2f}x) |",
        f"| search p95 (50 most recent matches) | {p95_ours:.2f} ms | {p95_like:.0f} ms "
        f"`LIKE '%term%'` | {p95_like / p95_ours:,.0f}x faster | 100x faster |",
        "",
        f"Search: {len(terms)} one-word queries for commsgov, the first {len(like_terms)} of "
        f"them for `LIKE` (which scans from the newest row until it has 50); median hits "
        f"per query "
        f"{statistics.median(hits):.0f} (max {max(hits)}). p50: commsgov "
        f"{_pct(ours_ms, 0.5):.2f} ms, `LIKE` {_pct(like_ms, 0.5):.0f} ms. `LIKE` matches "
        "substrings, FTS5 whole words, so `LIKE` may find more rows.",
        "",
        f"Verify hashed {total_bytes / 1e6:,.0f} MB of canonical message bytes; a single "
        f"streaming `sha256` over the same bytes takes {raw_stream:.2f} s "
        f"({total_bytes / 1e6 / raw_stream:,.0f} MB/s). Verify has SQLite build each "
        "message's canonical bytes (`json_array`) and hashes them in Python; it is bound by "
        "SQLite building those bytes and handing rows over, not by hashing. Where the "
        "database's bytes do not match, it checks that entry again by the exact path.",
        "",
        "The write path is bound first by SQLite: the reference row writes the very same rows "
        "into the same schema (unique indexes on (ledger entry, position) and on (record, "
        "time, identity), which dedup uses; FTS5 fed once per 10,000-row batch) with no Python "
        "work at all (the floor the bulk-write goal is measured against). On top of that "
        "comes Python per message (UTC text, canonical JSON, two SHA-256), which a worker "
        "thread does for the next batch while SQLite feeds FTS5 with this one. The bare "
        "baseline writes to a table with no index.",
        "",
        _postgres(drafts[: 20_000 if quick else 200_000], vocab, rng),
    ]
    return "\n".join(lines) + "\n"


def _postgres(drafts: list[object], vocab: list[str], rng: random.Random) -> str:
    """The same write, verify and search on a throwaway PostgreSQL cluster (for information)."""
    import glob
    import socket
    import subprocess

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        return "PostgreSQL: not measured (no PostgreSQL binaries on this machine)."
    from commsgov import services as svc
    from commsgov.records import RecordDraft
    from commsgov.store import repo

    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="commsgov-bench-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, user="postgres", group="postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = root / "data"
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    subprocess.run([*run_as, *initdb, "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=''"
    ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*run_as, *ctl, "-o", options, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        store = svc.open_store(
            f"postgresql+psycopg://postgres@/postgres?host={root}&port={port}",
            blob_dir=root / "blobs",
        )
        record = RecordDraft(
            method="whatsapp",
            occurred_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            conversation_key="bench",
        )
        t0 = time.perf_counter()
        svc.store_conversation(store, record=record, messages=drafts, actor=Actor.cli("bench"))  # type: ignore[arg-type]
        write = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = svc.verify(store, actor=ACTOR)
        verify = time.perf_counter() - t0
        assert report.ok, report.problem
        times = []
        with store.read() as conn:
            for term in [vocab[rng.randrange(len(vocab))] for _ in range(100)]:
                t0 = time.perf_counter()
                repo.search_messages(conn, terms=term, limit=50)
                times.append((time.perf_counter() - t0) * 1000)
        store.close()
    finally:
        subprocess.run([*run_as, *ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    n = len(drafts)
    return (
        f"PostgreSQL {bindir.parent.name} (throwaway cluster, default settings, unix socket), "
        f"{n:,} of the same messages, for information: bulk write {_rate(n, write)} "
        f"messages/s (`COPY`, GIN index), verify {_rate(n, verify)} messages/s, search p95 "
        f"{_pct(times, 0.95):.2f} ms (p50 {_pct(times, 0.5):.2f} ms)."
    )

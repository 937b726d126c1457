"""Several clients capturing at once through the API: every capture stored once (none lost,
none doubled), one linear ledger and one audit chain that verify, no 'database is locked'
reaching anyone; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from commsgov import services as svc
from commsgov.accounts import Actor

from .conftest import Api

CLIENTS = 6
EACH = 6


def test_clients_capturing_at_once_lose_and_double_nothing(api: Api) -> None:
    clients = [api.bearer(f"user{n}", "staff") for n in range(CLIENTS)]
    auditor = api.bearer("otto", "auditor")
    start = threading.Barrier(CLIENTS)
    answers: list[tuple[int, int, int, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def capture(n: int, client: TestClient) -> None:
        try:
            start.wait()
            for i in range(EACH):
                form: dict[str, Any] = {"method": "sms", "at": "2026-11-19T10:00",
                                        "summary": f"note {n}-{i}"}  # fmt: skip
                files = [("attach", (f"f{n}-{i}.txt", f"file {n}-{i}".encode()))] if i % 2 else None
                answer = client.post("/api/v1/captures", data=form, files=files)
                with lock:
                    answers.append((n, i, answer.status_code, answer.text))
                # a reader in between: reads are audited too and share the trail's lock
                client.get("/api/v1/records", params={"limit": 5})
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=capture, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert [a for a in answers if a[2] != 201] == []  # no 'database is locked', no 5xx
    everyone = Actor.cli("t")
    stored = svc.list_records(api.store, actor=everyone, limit=1000)
    summaries = Counter(r.summary for r in stored)
    want = {f"note {n}-{i}" for n in range(CLIENTS) for i in range(EACH)}
    assert set(summaries) == want and set(summaries.values()) == {1}  # none lost, none doubled
    with api.store.read() as conn:
        seqs = [row[0] for row in conn.execute(text("SELECT seq FROM ledger ORDER BY seq"))]
        audit_seqs = [r[0] for r in conn.execute(text("SELECT seq FROM audit_events ORDER BY seq"))]
    assert seqs == list(range(1, CLIENTS * EACH + 1))  # one linear chain, no gaps
    assert audit_seqs == list(range(1, len(audit_seqs) + 1))
    report = auditor.get("/api/v1/verify").json()
    assert report["ok"], report["problem"]
    assert report["records"] == CLIENTS * EACH
    assert report["blobs"] == CLIENTS * EACH // 2

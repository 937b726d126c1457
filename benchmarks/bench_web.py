"""The web benchmark: how long each page takes the server, on the embedded SQLite store with the
demo data (``commsgov serve --demo``'s users and sample record), beside the API answering the
same question as JSON. Goal: every page under 100 ms.

Requests go through the whole ASGI app in process (Starlette's test client: middleware, the
permission check, the session lookup in the database, the service call, the template), so the
time is the server's, without a network or a browser. Each page is asked for once cold (the
first time in the process: templates compiled, the pack's validation report read) and then
``repeat`` times; the table gives the median and the 95th percentile of the warm requests.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TITLE = "Web pages: server time per page (goal: under 100 ms on SQLite with the demo data)"

#: (name, role, method, page, the API's answer to the same question or None)
PAGES: list[tuple[str, str | None, str, str, str | None]] = [
    ("sign-in", None, "GET", "/sign-in", None),
    ("advisor", "staff", "GET", "/", "/api/v1/scenarios"),
    ("advisor: one channel", "staff", "GET",
     "/?scenario=logistics&channel=WhatsApp&outage=true",
     "/api/v1/advise?scenario=logistics&channel=WhatsApp&outage=true"),
    ("advisor: every channel", "staff", "GET", "/?scenario=logistics",
     "/api/v1/advise?scenario=logistics"),
    ("advisor: HTMX fragment", "staff", "HX", "/?scenario=logistics&channel=WhatsApp&outage=true",
     "/api/v1/advise?scenario=logistics&channel=WhatsApp&outage=true"),
    ("question box", "staff", "POST", "/ask", "/api/v1/ask"),
    ("matrix", "staff", "GET", "/matrix", "/api/v1/matrix"),
    ("scenario page", "staff", "GET", "/scenarios/logistics", "/api/v1/advise?scenario=logistics"),
    ("channels", "staff", "GET", "/channels", "/api/v1/channels"),
    ("channel page", "staff", "GET", "/channels/whatsapp", None),
    ("users", "admin", "GET", "/admin/users", "/api/v1/users"),
    ("user", "admin", "GET", "/admin/users/demo-staff", "/api/v1/users/demo-staff"),
    ("tokens", "admin", "GET", "/admin/tokens", "/api/v1/tokens"),
    ("policy pack", "admin", "GET", "/admin/pack", None),
    ("audit trail", "auditor", "GET", "/audit", "/api/v1/audit?limit=50"),
    ("audit export (CSV)", "auditor", "GET", "/audit/export?format=csv",
     "/api/v1/audit/export?format=csv"),
    ("audit chain", "auditor", "GET", "/audit/verify", "/api/v1/audit/verify"),
    ("capture form", "staff", "GET", "/capture", None),
    ("upload form", "staff", "GET", "/upload", None),
    ("records", "staff", "GET", "/records", "/api/v1/records?limit=26"),
    ("records: words", "staff", "GET", "/records?q=agreed", "/api/v1/records/search?q=agreed"),
    ("records: HTMX fragment", "records-manager", "HX", "/records?method=whatsapp",
     "/api/v1/records?method=whatsapp&limit=26"),
    ("record page", "staff", "GET", "/records/{chat}", "/api/v1/records/{chat}?messages=2000"),
    ("receipt", "staff", "GET", "/records/{chat}/receipt", "/api/v1/records/{chat}/receipt"),
    ("record retention", "records-manager", "HX", "/records/{chat}/retention",
     "/api/v1/retention/explain/{chat}"),
    ("dashboard", "records-manager", "GET", "/governance", None),
    ("policy exceptions", "records-manager", "GET", "/governance/exceptions",
     "/api/v1/records/exceptions"),
    ("outages", "records-manager", "GET", "/governance/outages", "/api/v1/outages"),
    ("holds", "records-manager", "GET", "/governance/holds",
     "/api/v1/holds?include_lifted=true"),
    ("review queue", "records-manager", "GET", "/governance/review",
     "/api/v1/retention/due?limit=200"),
    ("review queue: filtered", "records-manager", "HX",
     "/governance/review?action=delete&review_stage=1&due_from=2020-01-01",
     "/api/v1/retention/due?limit=200"),
    ("transfers", "records-manager", "GET", "/governance/transfers", None),
]  # fmt: skip

QUESTION = "SCOTS is down after a cyber attack, can we use Signal?"


def _clients(app: Any, store: Any) -> dict[str | None, tuple[Any, str | None]]:
    from fastapi.testclient import TestClient

    from commsgov.accounts.actor import Actor
    from commsgov.api.security import COOKIE
    from commsgov.services import sessions

    clients: dict[str | None, tuple[Any, str | None]] = {None: (TestClient(app), None)}
    for role in ("staff", "records-manager", "admin", "auditor"):
        done = sessions.start_session(
            store, username=f"demo-{role}", method="bench", actor=Actor.cli("bench")
        )
        client = TestClient(app)
        client.cookies.set(COOKIE, done.secret)
        clients[role] = (client, done.csrf_token)
    return clients


def _call(client: Any, csrf: str | None, method: str, url: str) -> int:
    if method == "POST" and url.startswith("/api/"):
        answer = client.post(url, json={"question": QUESTION}, headers={"X-CSRF-Token": csrf})
    elif method == "POST":
        answer = client.post(url, data={"question": QUESTION, "csrf_token": csrf})
    elif method == "HX":
        answer = client.get(url, headers={"HX-Request": "true"})
    else:
        answer = client.get(url)
    if answer.status_code != 200:
        raise SystemExit(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
    return len(answer.content)


def _time(client: Any, csrf: str | None, method: str, url: str, repeat: int) -> dict[str, float]:
    start = time.perf_counter()
    size = _call(client, csrf, method, url)
    cold = time.perf_counter() - start
    for _ in range(3):
        _call(client, csrf, method, url)
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        _call(client, csrf, method, url)
        warm.append(time.perf_counter() - start)
    warm.sort()
    return {
        "size": size,
        "cold": cold * 1000,
        "median": statistics.median(warm) * 1000,
        "p95": warm[min(len(warm) - 1, int(len(warm) * 0.95))] * 1000,
    }


def run(quick: bool = False) -> str:
    from commsgov.accounts.actor import Actor
    from commsgov.api.app import create_app
    from commsgov.config import Settings
    from commsgov.services.demo import load_demo
    from commsgov.store.handle import open_store

    repeat = 10 if quick else 50
    rows = []
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        store = open_store(url, blob_dir=Path(folder) / "blobs")
        try:
            demo = load_demo(store, actor=Actor.cli("bench"))
            app = create_app(Settings(database_url=url, data_dir=Path(folder)), store=store)
            clients = _clients(app, store)
            for name, role, method, page, peer in PAGES:
                client, csrf = clients[role]
                page = page.replace("{chat}", demo.chat or "")
                peer = peer.replace("{chat}", demo.chat or "") if peer else None
                mine = _time(client, csrf, method, page, repeat)
                worst = max(worst, mine["median"])
                theirs = None
                if peer is not None:
                    api_method = "POST" if method == "POST" else "GET"
                    theirs = _time(client, csrf, api_method, peer, repeat)
                ratio = f"{mine['median'] / theirs['median']:.1f}x" if theirs else "-"
                api = f"{theirs['median']:.1f}" if theirs else "-"
                rows.append(
                    f"| {name} | `{method if method != 'HX' else 'GET (HTMX)'} "
                    f"{re.sub(r'[|]', '', page)}` | {mine['size'] / 1024:.0f} KB | "
                    f"{mine['cold']:.1f} | {mine['median']:.1f} | {mine['p95']:.1f} | {api} | "
                    f"{ratio} |"
                )
        finally:
            store.close()
    verdict = "met" if worst < 100 else "NOT met"
    head = [
        f"{repeat} warm requests per page after one cold one, through the whole app in process "
        "(the permission check, the session read from SQLite, the service, the template). "
        '"API" is the API answering the same question as JSON, measured in the same run; '
        "the ratio is page time over API time. The audit pages grow with the run: every "
        'request to them is itself an audit entry, so the chain the last "audit chain" '
        "request verifies holds every request made before it.",
        "",
        f"Goal (every page under 100 ms, median): **{verdict}**; the slowest page's median was "
        f"{worst:.1f} ms.",
        "",
        "| page | request | size | cold ms | median ms | p95 ms | API median ms | page / API |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    return "\n".join(head + rows) + "\n"

"""A worker killed mid-request leaves nothing half-written, over HTTP, on SQLite and PostgreSQL.

``commsgov serve`` runs as a subprocess; a fault point (:mod:`commsgov.store.faults`) stops it
inside the write transaction of an upload (an export's original file and media stored, its
messages and ledger entries inserted, not committed), and the test SIGKILLs the whole server
there. Restarted: ``verify`` passes, nothing of the upload is in the record (no record, message,
ledger entry or registered file; the files stored before the transaction are the orphans
``verify`` lists, and nothing else is), and the same request sent again succeeds whole.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from benchmarks.pg_cluster import free_port
from sqlalchemy import text

from commsgov.accounts import Actor
from commsgov.store.faults import FAULT_ENV

DATA = Path(__file__).resolve().parent.parent / "data"
EXPORT = DATA / "whatsapp-zip" / "android_with_media.zip"
ATTACHMENT = DATA / "whatsapp" / "bom_at_start.txt"
TESTER = Actor.cli("tester")
#: what the record holds, table by table (what must not change when a write is killed)
TABLES = ("records", "messages", "ledger", "blobs")


def _counts(url: str) -> dict[str, int]:
    from commsgov.store.handle import open_store

    store = open_store(url, migrate=False)
    try:
        with store.read() as conn:
            return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                    for t in TABLES}  # fmt: skip
    finally:
        store.close()


def _verify(url: str) -> Any:
    from commsgov.services import verify
    from commsgov.store.handle import open_store

    store = open_store(url, migrate=False)
    try:
        return verify(store, actor=TESTER)
    finally:
        store.close()


def _token(url: str) -> str:
    from commsgov.services import tokens, users
    from commsgov.store.handle import open_store

    store = open_store(url)
    try:
        users.add_user(store, username="sam", roles=["staff"], actor=TESTER,
                       password="a long enough password")  # fmt: skip
        return tokens.create_token(store, username="sam", name="crash", actor=TESTER).token
    finally:
        store.close()


class Server:
    """``commsgov serve`` on a free port, in a session of its own (killed as one group)."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commsgov", "serve", "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, "COMMSGOV_DATABASE_URL": url, **env},
            start_new_session=True,
        )  # fmt: skip
        lines: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            lines.append(line)
            if "Application startup complete" in line:
                break
        else:
            pytest.fail("serve stopped:\n" + "".join(lines))
        # keep reading the log, or a full pipe would stall the server
        self.reader = threading.Thread(target=self.process.stdout.read, daemon=True)
        self.reader.start()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self._closed()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self._closed()

    def _closed(self) -> None:
        self.process.wait(timeout=20)
        self.reader.join(timeout=20)  # the log's end: every process of the group is gone
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _upload(kind: str) -> tuple[str, dict[str, str], list[Any], set[str]]:
    """The request of ``kind`` (path, form, files) and the SHA-256 of each file it stores."""
    if kind == "ingest":
        data = EXPORT.read_bytes()
        with zipfile.ZipFile(EXPORT) as archive:
            members = {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
        files = [("file", (EXPORT.name, data, "application/zip"))]
        return (
            "/ingest",
            {"tz": "Europe/London"},
            files,
            {hashlib.sha256(data).hexdigest()} | members,
        )
    data = ATTACHMENT.read_bytes()
    form = {"method": "sms", "at": "2026-11-19T10:00", "summary": "killed mid-capture"}
    files = [("attach", ("note.txt", data, "text/plain"))]
    return "/captures", form, files, {hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize("kind", ["ingest", "capture"])
def test_a_server_killed_inside_the_write_leaves_nothing_half_written(
    database_url: str, tmp_path: Path, servers: list[Server], kind: str
) -> None:
    token = _token(database_url)
    headers = {"Authorization": f"Bearer {token}"}
    path, form, files, shas = _upload(kind)
    first_file = hashlib.sha256(files[0][1][1]).hexdigest()  # the export, or the attachment
    before = _counts(database_url)

    marker = tmp_path / "paused"
    server = Server(database_url, {FAULT_ENV: f"{kind}.before-commit:{marker}"})
    servers.append(server)
    failed: list[BaseException] = []

    def send() -> None:
        try:
            httpx.post(server.base + path, data=form, files=files, headers=headers, timeout=60)
        except httpx.HTTPError as exc:  # the server dies under it
            failed.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 60
    while not marker.exists():  # inside the transaction, everything inserted, not committed
        assert time.monotonic() < deadline, "the request never reached the fault point"
        assert sender.is_alive(), "the request ended before the fault point"
        time.sleep(0.05)
    server.kill()
    sender.join(timeout=30)
    assert failed, "the request was answered although its server was killed"

    # restarted (without the fault point): nothing of the request is in the record
    server = Server(database_url, {})
    servers.append(server)
    assert _counts(database_url) == before
    report = _verify(database_url)
    assert report.ok, report.problem
    # files stored before the transaction are orphans verify lists, none other
    assert set(report.orphan_blobs) <= shas

    # the same request again succeeds, whole
    again = httpx.post(server.base + path, data=form, files=files, headers=headers, timeout=60)
    assert again.status_code in (200, 201), again.text
    after = _counts(database_url)
    if kind == "ingest":
        assert again.json()["new"] == 3
        assert after["messages"] == before["messages"] + 3
    assert after["records"] == before["records"] + 1
    stored = _registered(database_url)
    assert first_file in stored and stored <= shas
    report = _verify(database_url)
    assert report.ok, report.problem
    assert report.orphan_blobs == ()  # the retry took the earlier files for its own


def _registered(url: str) -> set[str]:
    from commsgov.store.handle import open_store

    store = open_store(url, migrate=False)
    try:
        with store.read() as conn:
            return {str(r) for r in conn.execute(text("SELECT sha256 FROM blobs")).scalars()}
    finally:
        store.close()

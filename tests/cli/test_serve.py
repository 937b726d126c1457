"""``commsgov serve`` starts with no terminal attached, makes the first admin, serves the API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from benchmarks.pg_cluster import free_port


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    port = free_port()
    env = {**os.environ, "COMMSGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    env.pop("COMMSGOV_USER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "commsgov", "serve", "--port", str(port), *args],
        stdin=subprocess.DEVNULL,  # no terminal: nothing may be asked
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # no controlling terminal either
    )
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if "Application startup complete" in line:
            break
    else:
        pytest.fail("serve stopped:\n" + "".join(lines))
    return process, port, lines


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
        process.communicate(timeout=20)


@pytest.mark.slow
def test_first_start_prints_a_one_time_admin_password_and_serves(
    tmp_path: Path, stop: list[subprocess.Popen[str]]
) -> None:
    process, port, lines = _start(tmp_path)
    stop.append(process)
    text = "".join(lines)
    found = re.search(r"one-time password\n\s+(\S+)\n", text)
    assert found is not None, text
    base = f"http://127.0.0.1:{port}/api/v1"
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    signed = httpx.post(f"{base}/auth/login", json={"username": "admin", "password": found[1]})
    assert signed.status_code == 200 and signed.json()["must_change_password"] is True
    # the password is not in the database or the log
    raw = (tmp_path / "serve.db").read_bytes() + (tmp_path / "serve.db-wal").read_bytes()
    assert found[1].encode() not in raw
    process.terminate()
    rest = process.communicate(timeout=20)[0]
    assert text.count(found[1]) == 1 and found[1] not in rest


@pytest.mark.slow
def test_demo_loads_users_of_every_role_and_a_sample_record(
    tmp_path: Path, stop: list[subprocess.Popen[str]]
) -> None:
    process, port, lines = _start(tmp_path, "--demo", "--workers", "2")
    stop.append(process)
    text = "".join(lines)
    assert "sample record" in text
    base = f"http://127.0.0.1:{port}/api/v1"
    for role in ("staff", "records-manager", "auditor", "admin"):
        login = {"username": f"demo-{role}", "password": f"demo-{role}-password"}
        answer = httpx.post(f"{base}/auth/login", json=login)
        assert answer.json()["roles"] == [role]
    from commsgov.services import Actor, list_outages, open_store, verify

    store = open_store(f"sqlite:///{tmp_path / 'serve.db'}", migrate=False)
    tester = Actor.cli("tester")
    try:
        assert verify(store, actor=tester).ok and len(list_outages(store, actor=tester)) == 1
    finally:
        store.close()

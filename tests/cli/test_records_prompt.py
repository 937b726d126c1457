"""`commsgov capture` on a terminal asks for what is missing (a real pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _read_until(fd: int, needle: str, timeout: float = 30.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {needle!r} in {seen!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096).decode(errors="replace")
            except OSError:
                break
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_capture_prompts_on_a_terminal(sqlite_url: str, tmp_path: Path) -> None:
    main, child = pty.openpty()
    env = {
        **os.environ,
        "COMMSGOV_DATABASE_URL": sqlite_url,
        "COMMSGOV_USER": "pat",
        "COLUMNS": "200",
        "TERM": "dumb",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from commsgov.cli.main import main; main()", "capture"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    try:
        for prompt, answer in (
            ("Method", "signal"),
            ("When", "2026-11-20 09:45"),
            ("With", "Ann, Bob <+4477>"),
            ("Summary", "Checked Ann is safe"),
        ):
            _read_until(main, prompt)
            os.write(main, (answer + "\n").encode())
        out = _read_until(main, "ledger entry")
        assert "Captured record" in out
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)

"""A bulk write killed with SIGKILL at random points leaves no partial record and a store that
verifies, on both backends."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor

from .conftest import sql

#: who acts in these tests
ACTOR = Actor.cli("tester")

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5
COUNT = 60_000


def _spawn(store: Any, key: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store.crash_writer",
            store.url,
            str(store.blobs.scratch),
            key,
            str(count),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_kill_9_mid_bulk_write_leaves_no_partial_record(store: Any) -> None:
    rng = random.Random(4)
    killed = 0
    for attempt in range(KILLS):
        child = _spawn(store, f"killed-{attempt}", COUNT)
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "writing", child.stderr.read() if child.stderr else line
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        killed += child.returncode == -signal.SIGKILL
        report = svc.verify(store, actor=ACTOR)
        assert report.ok, f"after kill {attempt}: {report.problem}"
        held = sql(store, "SELECT count(*) FROM messages")[0][0]
        records = sql(store, "SELECT count(*) FROM records")[0][0]
        # all or nothing: either the whole conversation is there, or none of it
        assert (records, held) in {(0, 0), (1, COUNT)} or held == records * COUNT
    assert killed >= KILLS - 1, "the writer finished before it could be killed"
    done = _spawn(store, "survivor", 3_000)
    _out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert sql(store, "SELECT count(*) FROM records WHERE conversation_key = 'survivor'")[0][0] == 1

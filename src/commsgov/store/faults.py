"""Fault points: where the crash tests stop a process inside a write, to kill it there.

``COMMSGOV_FAULT_PAUSE=<point>:<marker file>`` makes the process that reaches ``<point>``
write its process id into the marker file and wait there until it is killed. The tests that
kill ``commsgov serve`` mid-request (``tests/api/test_killed_worker.py``) set it; unset, as in
real use, a fault point costs one lookup in the environment.

Points: ``ingest.before-commit`` (an export's files stored and its messages inserted, the
transaction not yet committed) and ``capture.before-commit`` (likewise for a capture and its
attached files).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["FAULT_ENV", "pause_point"]

FAULT_ENV = "COMMSGOV_FAULT_PAUSE"


def pause_point(point: str) -> None:
    """Wait here for ever if the environment names this point (see the module)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    name, _, marker = wanted.partition(":")
    if name != point:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:  # until the test kills the process
        time.sleep(1)

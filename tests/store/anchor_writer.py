"""Child process for the checkpoint tests: writers in other processes.

Usage: python -m tests.store.anchor_writer DATABASE_URL BLOB_DIR captures N
       python -m tests.store.anchor_writer DATABASE_URL BLOB_DIR attach FILE
``captures``: N captures, one commit (and one signed checkpoint) each. ``attach``: one capture
with FILE attached (the test kills it while the file is being stored).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import RecordDraft


def main() -> None:
    url, blob_dir, mode, arg = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    store = svc.open_store(url, blob_dir=blob_dir, migrate=False)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    who = Actor.cli(f"writer-{os.getpid()}")
    if mode == "captures":
        for i in range(int(arg)):
            draft = RecordDraft(method="email", occurred_at=start, summary=f"{who.name} {i}")
            svc.capture(store, draft, actor=who)
    else:
        draft = RecordDraft(method="email", occurred_at=start, summary="with a big file")
        svc.capture(store, draft, actor=who, attach=[Path(arg)])
    print("done", flush=True)


if __name__ == "__main__":
    main()

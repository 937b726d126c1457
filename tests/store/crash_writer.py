"""Child process for the crash tests: a long bulk write that the test kills with SIGKILL.

Usage: python -m tests.store.crash_writer DATABASE_URL BLOB_DIR KEY COUNT
Prints ``writing`` once the first batch has gone to the database.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import MessageDraft, Participant, RecordDraft


def main() -> None:
    url, blob_dir, key, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = svc.open_store(url, blob_dir=blob_dir, migrate=False)
    export = blob_dir.parent / f"{key}.txt"
    export.write_text(f"export {key}\n")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def messages() -> Iterator[MessageDraft]:
        for i in range(count):
            if i == 2_500:
                print("writing", flush=True)
            yield MessageDraft(start + dt.timedelta(seconds=i), f"p{i % 7}", f"{key} message {i}")

    record = RecordDraft(
        method="whatsapp",
        occurred_at=start,
        conversation_key=key,
        participants=(Participant("Ann"),),
        subject=key,
    )
    result = svc.store_conversation(
        store,
        record=record,
        messages=messages(),
        actor=Actor.cli("crash"),
        original_file=export,
        batch_size=1_000,
    )
    print(f"done {result.new_messages}", flush=True)


if __name__ == "__main__":
    main()

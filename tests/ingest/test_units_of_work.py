"""One export, one unit of work; what each message names and says survives the store.

Runs on SQLite and PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.services.ingest import ingest_file

from .conftest import counts

#: who acts in these tests
ACTOR = Actor.cli("tester")

DATA = Path(__file__).resolve().parent.parent / "data"
TZ = "Europe/London"


class Interrupted(Exception):
    """Stands for anything that stops an import part-way (Ctrl-C, a full disk)."""


def test_a_whole_account_export_is_all_or_nothing(store: Any) -> None:
    path = DATA / "telegram" / "whole_account_export.json"  # two chats
    before = counts(store)[:3] + counts(store)[4:]  # (blobs: the original is stored first)
    calls = []

    def stop_in_the_second_chat(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        ingest_file(store, path, tz=TZ, actor=ACTOR, on_message=stop_in_the_second_chat)
    assert counts(store)[:3] + counts(store)[4:] == before  # not even the first chat
    assert svc.verify(store, actor=ACTOR).ok
    result = ingest_file(store, path, tz=TZ, actor=ACTOR)  # and it can be imported whole afterwards
    assert (len(result.conversations), result.new_messages) == (2, 3)


def test_two_messages_naming_one_file_keep_their_own_names(store: Any, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "files").mkdir()
    (folder / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8 one photo")
    # another name for the same file, inside the export (the files resolve to one path)
    (folder / "files" / "site plan.jpg").symlink_to(folder / "photos" / "photo_1.jpg")
    chat = {
        "name": "Ops",
        "type": "private_group",
        "id": 1,
        "messages": [
            {"id": 1, "type": "message", "date": "2024-03-12T10:00:00", "from": "Ann",
             "photo": "photos/photo_1.jpg", "text": ""},
            {"id": 2, "type": "message", "date": "2024-03-12T10:01:00", "from": "Bob",
             "file": "files/site plan.jpg", "mime_type": "application/octet-stream",
             "text": ""},
        ],
    }  # fmt: skip
    path = folder / "result.json"
    path.write_text(json.dumps(chat), encoding="utf-8")
    result = ingest_file(store, path, tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    first, second = (m["attachments"][0] for m in record["messages"])
    assert (first["filename"], first["media_type"]) == ("photo_1.jpg", "image/jpeg")
    assert (second["filename"], second["media_type"]) == (
        "site plan.jpg",
        "application/octet-stream",
    )
    assert first["sha256"] == second["sha256"] is not None  # one file stored once


def test_unstorable_characters_are_stored_alike_on_both_databases(
    store: Any, tmp_path: Path
) -> None:
    path = tmp_path / "result.json"
    shutil.copy(DATA / "telegram" / "calls_unixtime_mismatch_and_unstorable_text.json", path)
    result = ingest_file(store, path, tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    by_text = {m["text"]: m for m in record["messages"]}
    kept = by_text["half a pair \ufffd and a NUL \ufffd here"]
    assert kept["flags"] == ["text-replaced"]
    assert kept["sender"] == "Bob Jones"
    call = by_text["phone_call (duration_seconds=125; discard_reason=hangup)"]
    assert (call["sender"], call["kind"], call["flags"]) == ("Ann Smith", "message", ["call"])
    assert by_text["anonymised export: unixtime 0"]["flags"] == ["time-mismatch"]
    # the original keeps what the record could not: stored byte for byte, under its hash
    assert store.blobs.read(result.sha256) == path.read_bytes()
    assert svc.verify(store, actor=ACTOR).ok


def test_posts_after_a_left_to_right_mark_are_stored_with_their_sender(store: Any) -> None:
    path = DATA / "whatsapp" / "ios_german_lrm_posts_keep_their_sender.txt"
    result = ingest_file(store, path, tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    stored = [(m["sender"], m["kind"], m["flags"]) for m in record["messages"]]
    assert stored[:2] == [(None, "system", []), (None, "system", [])]
    assert ("Anna", "message", ["media-omitted"]) in stored
    assert ("Ben", "message", ["location"]) in stored
    assert ("Ben", "message", ["call", "missed"]) in stored
    assert ("Anna", "message", ["pending"]) in stored
    assert sum(1 for sender, _, _ in stored if sender is None) == 3  # the group's own events
    assert svc.verify(store, actor=ACTOR).ok

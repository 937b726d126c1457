"""Storing parsed chats: original file hashed, zip media as attachments, nothing added twice.

Runs on SQLite and PostgreSQL (the ``store`` fixture from ``tests/fixtures_db.py``).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.ingest import ParseError
from commsgov.jsonable import jsonable
from commsgov.services.ingest import ingest_file

from .conftest import count, counts

#: who acts in these tests
ACTOR = Actor.cli("tester")

DATA = Path(__file__).resolve().parent.parent / "data"
TZ = "Europe/London"


def test_whatsapp_zip_is_stored_with_hash_and_media(store: Any) -> None:
    path = DATA / "whatsapp-zip" / "android_with_media.zip"
    result = ingest_file(store, path, tz=TZ, actor=Actor.cli("ann"))
    assert (result.count, result.new_messages, result.already_held) == (3, 3, 0)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    assert record["source"]["file_sha256"] == result.sha256
    assert record["source"]["format"] == "whatsapp-zip"
    assert store.blobs.read(result.sha256) == path.read_bytes()
    first = record["messages"][0]
    assert first["text"] == "Switch room"
    (att,) = first["attachments"]
    assert att["filename"] == "IMG-20240314-WA0001.jpg"
    assert att["media_type"] == "image/jpeg"
    with zipfile.ZipFile(path) as archive:
        assert store.blobs.read(att["sha256"]) == archive.read("IMG-20240314-WA0001.jpg")
    # the video is referenced by the chat but not in the zip: kept as a reference only (its
    # name and type), nothing invented: no sha256, no size, no bytes stored
    video = record["messages"][2]
    assert (video["sender"], video["text"], video["flags"]) == ("Ann", "", [])
    assert video["attachments"] == [
        {
            "filename": "VID-20240314-WA0003.mp4",
            "media_type": "video/mp4",
            "sha256": None,
            "size": None,
        }
    ]
    stored = {store.blobs.read(h) for h in store.blobs.all()}
    with zipfile.ZipFile(path) as archive:
        media = {archive.read(n) for n in ("IMG-20240314-WA0001.jpg", "DOC-20240314-WA0002.pdf")}
    assert stored == media | {path.read_bytes()}
    assert svc.verify(store, actor=ACTOR).ok


def test_importing_twice_adds_nothing(store: Any) -> None:
    path = DATA / "whatsapp" / "ios_brackets_lrm_nnbsp.txt"
    first = ingest_file(store, path, tz=TZ, actor=ACTOR)
    messages, ledger = count(store, "messages"), count(store, "ledger")
    again = ingest_file(store, path, tz=TZ, actor=ACTOR)
    assert (first.new_messages, again.new_messages, again.already_held) == (8, 0, 8)
    assert (count(store, "messages"), count(store, "ledger")) == (messages, ledger)
    assert again.conversations[0].record == first.conversations[0].record
    record = jsonable(svc.get_record(store, first.conversations[0].record, actor=ACTOR))
    assert (record["messages"][0]["sender"], record["messages"][0]["kind"]) == (None, "system")
    assert svc.verify(store, actor=ACTOR).ok


def test_overlapping_exports_add_only_new_messages(store: Any, tmp_path: Path) -> None:
    lines = [
        f"14/03/2024, 10:{i:02d} - {'Ann' if i % 2 else 'Bob'}: message {i}" for i in range(30)
    ]
    ann = tmp_path / "WhatsApp Chat with Bob.txt"
    bob = tmp_path / "WhatsApp Chat with Ann.txt"
    ann.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    bob.write_text("\n".join(lines[10:]) + "\n", encoding="utf-8")
    a = ingest_file(store, ann, tz=TZ, actor=ACTOR)
    b = ingest_file(store, bob, tz=TZ, actor=ACTOR)
    assert (a.new_messages, b.new_messages, b.already_held) == (20, 10, 10)
    assert b.conversations[0].record == a.conversations[0].record
    assert count(store, "messages") == 30


def test_the_same_words_twice_in_a_minute_are_two_messages(store: Any, tmp_path: Path) -> None:
    """Regression: WhatsApp times have minute precision, so "ok" sent twice in a minute, or two
    photos without a caption, are two messages; they were once stored as one."""
    lines = [
        "14/03/2024, 10:15 - Ann: ok",
        "14/03/2024, 10:15 - Ann: ok",
        "14/03/2024, 10:15 - Ann: <Media omitted>",
        "14/03/2024, 10:15 - Ann: <Media omitted>",
        "14/03/2024, 10:15 - Ann: <Media omitted>",
        "14/03/2024, 10:16 - Bob: ok",
    ]
    ann = tmp_path / "WhatsApp Chat with Bob.txt"
    bob = tmp_path / "WhatsApp Chat with Ann.txt"
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bob.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    first = ingest_file(store, ann, tz=TZ, date_order="dmy", actor=ACTOR)
    assert (first.count, first.new_messages, first.already_held) == (6, 6, 0)
    record = jsonable(svc.get_record(store, first.conversations[0].record, actor=ACTOR))
    assert [m["text"] for m in record["messages"]] == ["ok", "ok", "", "", "", "ok"]
    again = ingest_file(store, ann, tz=TZ, date_order="dmy", actor=ACTOR)
    assert (again.new_messages, again.already_held) == (0, 6)
    # Bob's export lacks Ann's first "ok": his single "ok" at 10:15 is taken as hers, held
    other = ingest_file(store, bob, tz=TZ, date_order="dmy", actor=ACTOR)
    assert (other.new_messages, other.already_held) == (0, 5)
    assert count(store, "messages") == 6
    assert svc.verify(store, actor=ACTOR).ok


def test_bad_file_writes_nothing(store: Any) -> None:
    before = (count(store, "messages"), count(store, "ledger"), count(store, "records"))
    with pytest.raises(ParseError) as caught:
        ingest_file(
            store, DATA / "whatsapp" / "text_before_first_header_refused.txt", tz=TZ, actor=ACTOR
        )
    assert caught.value.line == 1
    after = (count(store, "messages"), count(store, "ledger"), count(store, "records"))
    assert after == before
    assert not list(store.blobs.all())


def test_multi_conversation_exports_make_one_record_each(store: Any) -> None:
    result = ingest_file(
        store, DATA / "sms" / "sms_and_mms_with_surrogates.xml", tz=TZ, actor=ACTOR
    )
    assert result.new_messages == 4
    assert len(result.conversations) == 3
    keys = {c.conversation_key for c in result.conversations}
    assert any(k.endswith(":chat:+447700900123") for k in keys)
    telegram = ingest_file(
        store, DATA / "telegram" / "whole_account_export.json", tz=TZ, actor=ACTOR
    )
    assert [c.count for c in telegram.conversations] == [1, 2]


def test_exact_text_survives_the_store(store: Any) -> None:
    result = ingest_file(store, DATA / "whatsapp" / "regression_no_nfkc.txt", tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    assert record["messages"][0]["text"] == "ﬁnance ＡＢＣ ① ℌ café café"
    assert record["messages"][1]["text"] == "tab\tand trailing spaces  "


def test_unknown_outage_is_refused(store: Any) -> None:
    from commsgov.records.errors import NotFoundError

    with pytest.raises(NotFoundError):
        ingest_file(
            store, DATA / "whatsapp" / "german_dots_24h.txt", tz=TZ, outage="nope", actor=ACTOR
        )
    assert count(store, "messages") == 0


def test_stream_wrapper_reports_bytes(tmp_path: Path) -> None:
    from commsgov.services.ingest import read_export

    seen: list[int] = []
    path = DATA / "sms" / "sms_and_mms_with_surrogates.xml"
    chat = read_export(path, tz=TZ, on_read=seen.append)
    assert len(chat.messages) == 4
    assert sum(seen) == path.stat().st_size
    seen.clear()
    twice = DATA / "whatsapp" / "android_dmy_24h.txt"  # read in two passes, counted once
    read_export(twice, tz=TZ, on_read=seen.append)
    assert sum(seen) == twice.stat().st_size


def test_records_are_linked_to_the_outage_covering_them(store: Any) -> None:
    import datetime as dt

    outage = jsonable(
        svc.start_outage(
            store,
            reason="SCOTS network down",
            started_at=dt.datetime(2024, 3, 13, 9, 0, tzinfo=dt.UTC),
            actor=Actor.cli("lead"),
        )
    )
    inside = ingest_file(
        store, DATA / "whatsapp" / "german_dots_24h.txt", tz=TZ, outage=outage["uid"], actor=ACTOR
    )
    assert inside.conversations[0].outage is None  # 12 March: before the outage
    covered = ingest_file(
        store, DATA / "whatsapp" / "tz_new_york.txt", tz=TZ, outage=outage["uid"], actor=ACTOR
    )
    assert covered.conversations[0].outage == outage["uid"]


def test_a_full_disk_during_ingest_is_one_error_and_stores_nothing(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: a full disk during ingest printed a traceback (the store stayed consistent):
    it is one error saying so. Here the disk fills as the zip's media are stored in a folder
    (on PostgreSQL too: files in the database cannot be made to fill the disk here)."""
    from commsgov.store.handle import open_store

    store = open_store(database_url, blob_dir=tmp_path / "blobs", blob_backend="filesystem")
    try:
        _fill_the_disk(store, monkeypatch)
    finally:
        store.close()


def _fill_the_disk(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from commsgov.store.disk import StoreFull

    before = counts(store)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreFull) as info:
        ingest_file(store, DATA / "whatsapp-zip" / "android_with_media.zip", tz=TZ, actor=ACTOR)
    monkeypatch.undo()
    message = str(info.value)
    assert "\n" not in message and message.startswith("the disk is full (")
    assert "nothing of this change was stored and the store is as it was" in message
    assert counts(store) == before
    assert svc.verify(store, actor=ACTOR).ok


def test_a_full_database_during_ingest_is_one_error_and_stores_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The database itself full mid-import (SQLite's own limit on its pages: SQLITE_FULL, as
    on a full disk; PostgreSQL's disk_full cannot be caused without filling the disk)."""
    from sqlalchemy import event

    from commsgov.store.disk import StoreFull
    from commsgov.store.handle import open_store

    store = open_store(sqlite_url, blob_dir=tmp_path / "blobs", migrate=False)
    ingest_file(store, DATA / "whatsapp" / "german_dots_24h.txt", tz=TZ, actor=ACTOR)
    before = counts(store)
    with store.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def _small(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    big = [f"[25/2/24, 10:{i // 60:02d}:{i % 60:02d}] Ann: {'x' * 500} {i}" for i in range(2000)]
    export = tmp_path / "big.txt"
    export.write_text("\n".join(big) + "\n", encoding="utf-8")
    with pytest.raises(StoreFull, match=r"^the disk is full \(database or disk is full\)"):
        ingest_file(store, export, tz=TZ, actor=ACTOR)
    event.remove(store.engine, "connect", _small)
    store.engine.dispose()
    assert counts(store) == before
    assert svc.verify(store, actor=ACTOR).ok
    store.close()

"""A WhatsApp ``.txt`` imported before its zip: the zip's files are linked to the messages.

The messages stay exactly as first stored (their hashes cover their attachments as references
only); a ``message-files-linked`` ledger entry links each file the zip holds to the reference it
fills. Reads, exports, transfers, verify and destruction all see the file. Runs on SQLite and
PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.services.ingest import ingest_file
from commsgov.store import repo
from tests.fixtures_db import alter_blob

from .conftest import counts, destroy

ACTOR = Actor.cli("tester")
DATA = Path(__file__).resolve().parent.parent / "data"
ZIP = DATA / "whatsapp-zip" / "android_with_media.zip"
TZ = "Europe/London"
IMG, DOC, VID = "IMG-20240314-WA0001.jpg", "DOC-20240314-WA0002.pdf", "VID-20240314-WA0003.mp4"


def _member(name: str) -> bytes:
    with zipfile.ZipFile(ZIP) as archive:
        return archive.read(name)


def _txt_then_zip(store: Any, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """Import the chat's ``.txt`` alone, then its zip; the record uid and its view before."""
    path = tmp_path / "WhatsApp Chat with Outage cell.txt"
    path.write_bytes(_member(path.name))
    uid = ingest_file(store, path, tz=TZ, actor=ACTOR).conversations[0].record
    before = jsonable(svc.get_record(store, uid, actor=ACTOR))
    later = ingest_file(store, ZIP, tz=TZ, actor=ACTOR)
    assert (later.new_messages, later.already_held) == (0, 3)
    return uid, before


def _link_entries(store: Any, uid: str) -> list[Any]:
    with store.read() as conn:
        return [e for e in repo.entries_for_record(conn, uid=uid)
                if e.kind == "message-files-linked"]  # fmt: skip


def test_the_zip_links_its_files_to_the_messages_held(store: Any, tmp_path: Path) -> None:
    uid, before = _txt_then_zip(store, tmp_path)
    view = svc.get_record(store, uid, actor=ACTOR)
    files = [[(a.filename, a.sha256) for a in m.files()] for m in view.messages]
    assert files == [
        [(IMG, hashlib.sha256(_member(IMG)).hexdigest())],
        [(DOC, hashlib.sha256(_member(DOC)).hexdigest())],
        [(VID, None)],  # not in the zip either: still a reference only
    ]
    # the messages themselves are untouched: same attachments, same hashes
    assert [m.sha256 for m in view.messages] == [m["sha256"] for m in before["messages"]]
    assert [[a.sha256 for a in m.attachments] for m in view.messages] == [[None]] * 3
    (entry,) = _link_entries(store, uid)
    assert [m.linked[0].entry_seq for m in view.messages[:2]] == [entry.seq] * 2
    payload = json.loads(entry.payload)
    assert payload["source_sha256"] == hashlib.sha256(ZIP.read_bytes()).hexdigest()
    assert [(link["index"], link["filename"]) for link in payload["links"]] == [(0, IMG), (0, DOC)]
    for link in payload["links"]:
        assert store.blobs.read(link["sha256"]) == _member(link["filename"])
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and not report.orphan_blobs  # the linked files are the record's


def test_the_zip_twice_links_nothing_more(store: Any, tmp_path: Path) -> None:
    uid, _ = _txt_then_zip(store, tmp_path)
    after_first = counts(store)
    again = ingest_file(store, ZIP, tz=TZ, actor=ACTOR)
    assert (again.new_messages, again.already_held) == (0, 3)
    assert counts(store) == after_first
    assert len(_link_entries(store, uid)) == 1
    assert svc.verify(store, actor=ACTOR).ok


def test_the_zip_first_links_nothing(store: Any, tmp_path: Path) -> None:
    uid = ingest_file(store, ZIP, tz=TZ, actor=ACTOR).conversations[0].record
    path = tmp_path / "WhatsApp Chat with Outage cell.txt"
    path.write_bytes(_member(path.name))
    ingest_file(store, path, tz=TZ, actor=ACTOR)
    ingest_file(store, ZIP, tz=TZ, actor=ACTOR)
    assert _link_entries(store, uid) == []


def test_exports_and_transcripts_name_the_linked_files(store: Any, tmp_path: Path) -> None:
    uid, _ = _txt_then_zip(store, tmp_path)
    text = svc.export_records(store, records=[uid], fmt="csv", actor=ACTOR).text
    cells = [r["attachments"] for r in csv.DictReader(io.StringIO(text))
             if r["row_type"] == "message"]  # fmt: skip
    assert cells == [
        f"{IMG} (sha256 {hashlib.sha256(_member(IMG)).hexdigest()})",
        f"{DOC} (sha256 {hashlib.sha256(_member(DOC)).hexdigest()})",
        f"{VID} (not in the export)",
    ]


def test_a_swapped_linked_file_fails_verify(store: Any, tmp_path: Path) -> None:
    _txt_then_zip(store, tmp_path)
    digest = hashlib.sha256(_member(IMG)).hexdigest()
    alter_blob(store, digest, b"not the photo")
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok
    assert digest[:12] in str(report.problem) or digest in json.dumps(jsonable(report))


def test_a_link_rewritten_in_the_ledger_fails_verify(store: Any, tmp_path: Path) -> None:
    uid, _ = _txt_then_zip(store, tmp_path)
    (entry,) = _link_entries(store, uid)
    forged = entry.payload.replace(IMG, "IMG-forged.jpg")
    with store.write() as conn:
        conn.exec_driver_sql(
            "UPDATE ledger SET payload = %s WHERE seq = %s"
            if conn.dialect.name == "postgresql"
            else "UPDATE ledger SET payload = ? WHERE seq = ?",
            (forged, entry.seq),
        )
    assert not svc.verify(store, actor=ACTOR).ok


def test_destroying_the_record_removes_the_linked_files(store: Any, tmp_path: Path) -> None:
    uid, _ = _txt_then_zip(store, tmp_path)
    destroy(store, uid)
    assert list(store.blobs.all()) == []
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and not report.orphan_blobs
    (entry,) = _link_entries(store, uid)
    assert IMG not in entry.payload  # the names went with the content

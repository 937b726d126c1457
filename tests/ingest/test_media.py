"""Media in SMS Backup & Restore and Telegram exports become attachments of their messages.

The service stores the bytes content-addressed and attaches them to the right messages; verify
catches a swapped file; a second import adds nothing; a Telegram path never leads outside the
export folder. Runs on SQLite and PostgreSQL (the ``store`` fixture); the parser side is in
``test_media_parsers.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.ingest import ParseError
from commsgov.jsonable import jsonable
from commsgov.services.ingest import _export_file, ingest_file
from tests.fixtures_db import alter_blob

from .conftest import counts

#: who acts in these tests
ACTOR = Actor.cli("tester")

DATA = Path(__file__).resolve().parent.parent / "data"
SMS_MEDIA = DATA / "sms" / "mms_media_same_part_names.xml"
SMS_BAD = DATA / "sms" / "mms_bad_base64_refused.xml"
TELEGRAM_MEDIA = DATA / "telegram" / "media_present_missing_and_escaping.json"
TZ = "Europe/London"


def _sms_parts() -> list[bytes]:
    """The decoded ``data`` of every part of the SMS media case, in file order."""
    xml = SMS_MEDIA.read_text(encoding="utf-8").replace("&#10;", "")
    return [base64.b64decode(d) for d in re.findall(r' data="([^"]*)"', xml)]


# -- the export folder ----------------------------------------------------------------------
def test_export_paths_never_leave_the_export_folder(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "photos").mkdir(parents=True)
    (root / "photos" / "a.jpg").write_bytes(b"inside")
    (tmp_path / "secret.jpg").write_bytes(b"outside")
    (root / "photos" / "out.jpg").symlink_to(tmp_path / "secret.jpg")
    (root / "photos" / "in.jpg").symlink_to(root / "photos" / "a.jpg")
    (root / "photos" / "dir").symlink_to(tmp_path)
    root = root.resolve()
    assert _export_file(root, "photos/a.jpg") == root / "photos" / "a.jpg"
    assert _export_file(root, "./photos/a.jpg") == root / "photos" / "a.jpg"
    assert _export_file(root, "photos/in.jpg") == root / "photos" / "a.jpg"
    for refused in (
        "../secret.jpg",
        "photos/../../secret.jpg",
        "photos/../a.jpg",  # no `..` at all, even one that would stay inside
        "..\\secret.jpg",
        str(tmp_path / "secret.jpg"),
        "/etc/hostname",
        "C:\\Windows\\win.ini",
        "photos/out.jpg",
        "photos/dir/secret.jpg",
        "photos",  # a folder, not a file
        "photos/missing.jpg",
        "photos/a.jpg\x00",
        "",
    ):
        assert _export_file(root, refused) is None, refused


# -- the service: SMS -----------------------------------------------------------------------
def test_sms_media_are_stored_and_attached_to_their_messages(store: Any) -> None:
    result = ingest_file(store, SMS_MEDIA, tz=TZ, actor=ACTOR)
    assert (result.count, result.new_messages) == (3, 3)
    (conversation,) = result.conversations
    record = jsonable(svc.get_record(store, conversation.record, actor=ACTOR))
    first, text_only, sent = record["messages"]
    photo_a, photo_b, video = _sms_parts()
    assert [(a["filename"], a["media_type"]) for a in first["attachments"]] == [
        ("image000000.jpg", "image/jpeg")
    ]
    assert store.blobs.read(first["attachments"][0]["sha256"]) == photo_a
    assert first["attachments"][0]["size"] == len(photo_a)
    assert text_only["attachments"] == []
    assert [a["filename"] for a in sent["attachments"]] == [
        "image000000.jpg",
        "video000000.mp4",
        "contact.vcf",
    ]
    assert [store.blobs.read(a["sha256"]) for a in sent["attachments"][:2]] == [photo_b, video]
    assert sent["attachments"][0]["sha256"] == hashlib.sha256(photo_b).hexdigest()
    # a part without data is kept as a reference only: its name and type, no bytes
    assert sent["attachments"][2] == {
        "filename": "contact.vcf",
        "media_type": "text/x-vCard",
        "sha256": None,
        "size": None,
    }
    assert svc.verify(store, actor=ACTOR).ok


def test_sms_media_import_twice_adds_nothing(store: Any) -> None:
    ingest_file(store, SMS_MEDIA, tz=TZ, actor=ACTOR)
    before = counts(store)
    blobs = sorted(store.blobs.all())
    again = ingest_file(store, SMS_MEDIA, tz=TZ, actor=ACTOR)
    assert (again.new_messages, again.already_held) == (0, 3)
    assert counts(store) == before
    assert sorted(store.blobs.all()) == blobs
    assert svc.verify(store, actor=ACTOR).ok


def test_swapped_sms_media_blob_fails_verify(store: Any) -> None:
    result = ingest_file(store, SMS_MEDIA, tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    sha = record["messages"][2]["attachments"][1]["sha256"]
    alter_blob(store, sha, b"not the video that was sent")
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok
    assert report.problem.check == "blob"
    assert sha in report.problem.detail


def test_sms_bad_base64_is_refused_and_writes_nothing(store: Any) -> None:
    before = counts(store)
    with pytest.raises(ParseError) as caught:
        ingest_file(store, SMS_BAD, tz=TZ, actor=ACTOR)
    assert caught.value.file == str(SMS_BAD)
    assert caught.value.line == 3
    assert "part 1 (image000000.jpg): data is not base64" in str(caught.value)
    assert counts(store) == before
    assert not list(store.blobs.all())


# -- the service: Telegram ------------------------------------------------------------------
PHOTO = b"\xff\xd8\xff\xe0 the board at ten o'clock"
REPORT = b"%PDF-1.4 status report"
SECRET = b"must never be read"


def _telegram_export(tmp_path: Path) -> Path:
    """The Telegram media case as an export folder: one photo and the report present, one photo
    not downloaded, and three paths that lead outside the folder."""
    root = tmp_path / "Telegram Desktop" / "ChatExport_2024-03-14"
    (root / "photos").mkdir(parents=True)
    (root / "files").mkdir()
    shutil.copyfile(TELEGRAM_MEDIA, root / "result.json")
    (root / "photos" / "photo_1@14-03-2024_10-00-00.jpg").write_bytes(PHOTO)
    (root / "files" / "status report.pdf").write_bytes(REPORT)
    (root.parent / "secret.jpg").write_bytes(SECRET)
    (root / "photos" / "link_out.jpg").symlink_to(root.parent / "secret.jpg")
    return root / "result.json"


def test_telegram_files_in_the_export_are_stored_and_attached(store: Any, tmp_path: Path) -> None:
    path = _telegram_export(tmp_path)
    result = ingest_file(store, path, tz=TZ, actor=ACTOR)
    assert (result.count, result.new_messages) == (7, 7)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    attached = [
        [
            (
                a["filename"],
                a["media_type"],
                a["size"],
                a["sha256"] and store.blobs.read(a["sha256"]),
            )
            for a in m["attachments"]
        ]
        for m in record["messages"]
    ]
    # a file that is not there, or never read, is a reference only: name, type, the size the
    # export states, no sha256 (None)
    assert attached == [
        [("photo_1@14-03-2024_10-00-00.jpg", "image/jpeg", len(PHOTO), PHOTO)],
        [],  # not included in the export: no name to keep (the media-omitted flag)
        [("status report.pdf", "application/pdf", len(REPORT), REPORT)],
        [("photo_2@14-03-2024_10-03-00.jpg", "image/jpeg", 30, None)],  # not in the folder
        [("secret.jpg", "image/jpeg", None, None)],  # ../secret.jpg
        [("hostname", "text/plain", None, None)],  # /etc/hostname
        [("link_out.jpg", "image/jpeg", None, None)],  # a symlink out of the folder
    ]
    assert "media-omitted" in record["messages"][1]["flags"]
    assert store.blobs.size(hashlib.sha256(SECRET).hexdigest()) is None
    stored = {store.blobs.read(h) for h in store.blobs.all()}
    assert stored == {PHOTO, REPORT, path.read_bytes()}
    assert svc.verify(store, actor=ACTOR).ok


def test_telegram_media_import_twice_adds_nothing(store: Any, tmp_path: Path) -> None:
    path = _telegram_export(tmp_path)
    ingest_file(store, path, tz=TZ, actor=ACTOR)
    before = counts(store)
    again = ingest_file(store, path, tz=TZ, actor=ACTOR)
    assert (again.new_messages, again.already_held) == (0, 7)
    assert counts(store) == before
    assert svc.verify(store, actor=ACTOR).ok


def test_swapped_telegram_media_blob_fails_verify(store: Any, tmp_path: Path) -> None:
    ingest_file(store, _telegram_export(tmp_path), tz=TZ, actor=ACTOR)
    alter_blob(store, hashlib.sha256(PHOTO).hexdigest(), REPORT)
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok
    assert report.problem.check == "blob"

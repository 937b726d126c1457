"""A file a message refers to but its export does not hold is kept as a reference only.

Its name and media type are stored on the message (``sha256`` null, ``size`` as the export
states it), so the record still says a file was sent; nothing is stored for it, and verify,
destruction and transfer skip it. Runs on SQLite and PostgreSQL (the ``store`` fixture).
Guards the gap where such a message was stored with empty text and no attachment.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from commsgov import services as ret
from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import AttachmentRef, InvalidFieldError, RecordDraft
from commsgov.services.ingest import ingest_file

from .conftest import counts, destroy

#: who acts in these tests
ACTOR = Actor.cli("tester")

DATA = Path(__file__).resolve().parent.parent / "data"
ZIP = DATA / "whatsapp-zip" / "android_with_media.zip"
TZ = "Europe/London"
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
VIDEO = {
    "filename": "VID-20240314-WA0003.mp4",
    "media_type": "video/mp4",
    "sha256": None,
    "size": None,
}


def _txt_of_zip(tmp_path: Path) -> Path:
    """The chat of the zip as a ``.txt`` export alone (no media at all)."""
    path = tmp_path / "WhatsApp Chat with Outage cell.txt"
    with zipfile.ZipFile(ZIP) as archive:
        path.write_bytes(archive.read("WhatsApp Chat with Outage cell.txt"))
    return path


def _zip_record(store: Any) -> dict[str, Any]:
    uid = ingest_file(store, ZIP, tz=TZ, actor=ACTOR).conversations[0].record
    return jsonable(svc.get_record(store, uid, actor=ACTOR))  # type: ignore[no-any-return]


def test_a_file_missing_from_the_zip_stays_on_its_message(store: Any) -> None:
    record = _zip_record(store)
    ann = record["messages"][2]
    assert (ann["sender"], ann["text"], ann["attachments"]) == ("Ann", "", [VIDEO])
    assert ann["flags"] == []  # flags are what the export says; the null sha256 says the rest
    assert svc.verify(store, actor=ACTOR).ok


def test_reimporting_adds_nothing(store: Any) -> None:
    _zip_record(store)
    before = counts(store)
    again = ingest_file(store, ZIP, tz=TZ, actor=ACTOR)
    assert (again.new_messages, again.already_held) == (0, 3)
    assert counts(store) == before
    assert svc.verify(store, actor=ACTOR).ok


def test_a_txt_export_alone_keeps_every_attachment_name(store: Any, tmp_path: Path) -> None:
    path = _txt_of_zip(tmp_path)
    uid = ingest_file(store, path, tz=TZ, actor=ACTOR).conversations[0].record
    record = jsonable(svc.get_record(store, uid, actor=ACTOR))
    assert [[(a["filename"], a["media_type"], a["sha256"]) for a in m["attachments"]]
            for m in record["messages"]] == [
        [("IMG-20240314-WA0001.jpg", "image/jpeg", None)],
        [("DOC-20240314-WA0002.pdf", "application/pdf", None)],
        [("VID-20240314-WA0003.mp4", "video/mp4", None)],
    ]  # fmt: skip
    stored = list(store.blobs.all())
    assert [store.blobs.read(h) for h in stored] == [path.read_bytes()]  # only the export itself
    assert svc.verify(store, actor=ACTOR).ok
    # the zip later adds no message: messages already held keep what they were first stored
    # with, and the files the zip holds are linked to them (tests/ingest/test_linked_files.py)
    later = ingest_file(store, ZIP, tz=TZ, actor=ACTOR)
    assert (later.new_messages, later.already_held) == (0, 3)
    held = jsonable(svc.get_record(store, uid, actor=ACTOR))
    unlinked = [{k: v for k, v in m.items() if k != "linked"} for m in held["messages"]]
    assert unlinked == [{k: v for k, v in m.items() if k != "linked"} for m in record["messages"]]
    assert [len(m["linked"]) for m in held["messages"]] == [1, 1, 0]
    assert [s["file_name"] for s in held["sources"]] == [path.name, ZIP.name]  # zip kept whole
    assert svc.verify(store, actor=ACTOR).ok


def test_exports_keep_the_reference(store: Any) -> None:
    record = _zip_record(store)
    records = [record["uid"]]
    data = svc.export_records(store, records=records, fmt="json", actor=Actor.cli("t")).text
    assert '"VID-20240314-WA0003.mp4"' in data
    csv_text = svc.export_records(store, records=records, fmt="csv", actor=ACTOR).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len([r for r in rows if r["row_type"] == "message"]) == 3
    # each message row names its files: held (with the hash to check it by) or not held
    held = {m["attachments"][0]["filename"]: m["attachments"][0]["sha256"]
            for m in record["messages"] if m["attachments"]}  # fmt: skip
    cells = [r["attachments"] for r in rows if r["row_type"] == "message"]
    assert cells == [
        f"IMG-20240314-WA0001.jpg (sha256 {held['IMG-20240314-WA0001.jpg']})",
        f"DOC-20240314-WA0002.pdf (sha256 {held['DOC-20240314-WA0002.pdf']})",
        "VID-20240314-WA0003.mp4 (not in the export)",
    ]
    assert svc.verify(store, actor=ACTOR).ok


def test_the_csv_export_names_a_records_own_attachments(store: Any, tmp_path: Path) -> None:
    file = tmp_path / "minutes.txt"
    file.write_bytes(b"minutes of the call\n")
    draft = RecordDraft(method="email", occurred_at=NOW, summary="see minutes")
    uid = svc.capture(store, draft, actor=ACTOR, attach=[file]).uid
    csv_text = svc.export_records(store, records=[uid], fmt="csv", actor=ACTOR).text
    (row,) = list(csv.DictReader(io.StringIO(csv_text)))
    digest = hashlib.sha256(b"minutes of the call\n").hexdigest()
    assert row["attachments"] == f"minutes.txt (sha256 {digest})"


def test_a_record_attachment_must_be_stored() -> None:
    ref = AttachmentRef(sha256=None, size=None, filename="a.jpg", media_type="image/jpeg")
    draft = RecordDraft(method="whatsapp", occurred_at=NOW, summary="s", attachments=(ref,))
    with pytest.raises(InvalidFieldError) as caught:
        draft.validate()
    assert caught.value.field == "attach"
    assert AttachmentRef.from_dict(ref.to_dict()) == ref


def test_destroying_a_record_with_references(store: Any) -> None:
    uid = _zip_record(store)["uid"]
    destroy(store, uid)
    assert not list(store.blobs.all())
    report = svc.verify(store, actor=ACTOR)
    assert report.ok and not report.orphan_blobs


def test_transfer_lists_the_file_not_included(store: Any, tmp_path: Path) -> None:
    import bagit

    uid = _zip_record(store)["uid"]
    ret.review(store, uids=[uid], decision="transfer", reason="historical value",
               actor=Actor.cli("rita"), now=NOW)  # fmt: skip
    built = jsonable(
        ret.build_transfer(
            store, out_dir=tmp_path / "out", consignment="SG-1", now=NOW, actor=ACTOR
        )
    )
    bag = bagit.Bag(built["bag"])
    bag.validate()
    data = Path(built["bag"]) / "data"
    rows = list(csv.DictReader(io.StringIO((data / "metadata.csv").read_text())))
    missing = [r for r in rows if r["file"] == "(not included) VID-20240314-WA0003.mp4"]
    assert [(r["record_uid"], r["sha256"]) for r in missing] == [(uid, "")]
    files = sorted(p.name for p in (data / "records" / uid / "files").iterdir())
    assert [f.split("-", 1)[1] for f in files] == sorted(
        ["IMG-20240314-WA0001.jpg", "DOC-20240314-WA0002.pdf"]
    )
    transcript = (data / "records" / uid / "transcript.html").read_text(encoding="utf-8")
    assert "[attached: VID-20240314-WA0003.mp4 (not in the export)]" in transcript
    assert "[attached: IMG-20240314-WA0001.jpg]" in transcript
    ret.confirm_transfer(store, consignment="SG-1", accession="NRS/ACC/1", now=NOW, actor=ACTOR)
    assert jsonable(ret.explain(store, uid, now=NOW, actor=ACTOR))["status"] == "transferred"
    assert svc.verify(store, actor=ACTOR).ok

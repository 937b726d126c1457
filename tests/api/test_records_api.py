"""The record over HTTP: capture with attachments, ingest uploads, list, search, show, files,
receipts and exports, each the services' own answer; a staff member reaches only their own
records by every route; SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from commsgov import services as svc
from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.jsonable import jsonable
from commsgov.records import sha256_hex
from commsgov.services import audit

from .conftest import Api

DATA = Path(__file__).resolve().parents[1] / "data"
CHAT = (DATA / "whatsapp" / "android_dmy_24h.txt").read_bytes()


def _capture(client: TestClient, summary: str, *with_: str, files: Any = None) -> dict[str, Any]:
    form = {"method": "sms", "at": "2026-11-19T10:00", "summary": summary, "with": list(with_)}
    answer = client.post("/api/v1/captures", data=form, files=files)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_capture_with_attachments_then_read_it_back_every_way(api: Api) -> None:
    ann = api.bearer("ann", "staff")
    files = [
        ("attach", ("../../minutes.txt", b"the minutes", "text/plain")),
        ("attach", ("photo.jpg", b"\xff\xd8 a photo", "image/jpeg")),
    ]
    made = _capture(ann, "agreed the press line", "Bob <+447700900002>", files=files)
    uid = made["uid"]
    assert made["device"] == "corporate" and made["ledger_seq"] == 1
    shown = ann.get(f"/api/v1/records/{uid}")
    assert shown.status_code == 200
    record = shown.json()
    assert record == jsonable(svc.get_record(api.store, uid, actor=Actor.cli("t")))
    assert [a["filename"] for a in record["attachments"]] == ["minutes.txt", "photo.jpg"]
    assert record["captured_by"] == "ann"
    listed = ann.get("/api/v1/records", params={"method": "sms"}).json()
    assert [r["uid"] for r in listed] == [uid]
    found = ann.get("/api/v1/records/search", params={"q": "press"}).json()
    assert [h["uid"] for h in found] == [uid]
    assert ann.get("/api/v1/records/search", params={"q": "nothing-like-it"}).json() == []
    file = ann.get(f"/api/v1/files/{sha256_hex(b'the minutes')}")
    assert (file.status_code, file.content) == (200, b"the minutes")
    assert file.headers["content-type"] == "application/octet-stream"
    receipt = ann.get(f"/api/v1/records/{uid}/receipt").json()
    assert receipt["record_uid"] == uid
    assert ann.post("/api/v1/receipts/check", json=receipt).json() == []
    export = ann.post("/api/v1/records/export", json={"format": "csv", "terms": "press"})
    assert export.status_code == 200 and export.headers["x-commsgov-records"] == "1"
    assert sha256_hex(export.text) == export.headers["x-commsgov-sha256"]
    # the same entries as the command line writes, from where the caller was
    trail = audit.search(api.store, audit.AuditFilter(actor="ann"), actor=Actor.cli("t"),
                         limit=100)[::-1]  # fmt: skip
    assert [e.action for e in trail] == [
        "record-captured", "record-read", "records-listed", "records-searched",
        "records-searched", "file-read", "record-read", "record-read", "records-exported",
    ]  # fmt: skip
    assert {(e.source, e.address) for e in trail} == {("http", "testclient")}


def test_bad_capture_input_is_a_problem_naming_the_field(api: Api) -> None:
    ann = api.bearer("ann", "staff")
    for form, field in (
        ({"at": "2026-11-19T10:00", "summary": "x"}, "method"),
        ({"method": "sms", "summary": "x"}, "at"),
        (
            {"method": "sms", "at": "2026-11-19T10:00", "summary": "x", "scenario": "nope"},
            "scenario",
        ),
        ({"method": "sms", "at": "yesterday", "summary": "x"}, "at"),
        ({"method": "sms", "at": "2026-11-19T10:00", "summary": "x", "device": "mine"}, "device"),
        ({"method": "sms", "at": "2026-11-19T10:00", "summary": "x", "zone": "Mars/Base"}, "zone"),
    ):
        answer = ann.post("/api/v1/captures", data=form)
        assert answer.status_code == 422, (form, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["field"] == field, answer.json()
    wrong_field = ann.post("/api/v1/captures", data={"method": "sms", "at": "2026-11-19"},
                           files=[("photo", ("a.jpg", b"x", "image/jpeg"))])  # fmt: skip
    assert (wrong_field.status_code, wrong_field.json()["field"]) == (422, "photo")
    assert ann.post("/api/v1/captures", json={"method": "sms"}).status_code == 422
    assert svc.list_records(api.store, actor=Actor.cli("t")) == []


def test_ingest_an_upload_all_or_nothing_and_a_dry_run(api: Api) -> None:
    ann = api.bearer("ann", "staff")
    upload = [("file", ("WhatsApp Chat with Bob.txt", CHAT, "text/plain"))]
    dry = ann.post("/api/v1/ingest", data={"dry_run": "true"}, files=upload)
    assert dry.status_code == 200, dry.text
    assert dry.json()["file"] == "WhatsApp Chat with Bob.txt"
    assert dry.json()["count"] == len(dry.json()["messages"]) > 0
    assert svc.list_records(api.store, actor=Actor.cli("t")) == []
    first = ann.post("/api/v1/ingest", files=upload)
    assert first.status_code == 200, first.text
    data = first.json()
    assert (data["file"], data["format"], data["new"]) == (
        "WhatsApp Chat with Bob.txt", "whatsapp", dry.json()["count"],
    )  # fmt: skip
    assert data["sha256"] == sha256_hex(CHAT)
    again = ann.post("/api/v1/ingest", files=upload).json()
    assert (again["new"], again["already_held"]) == (0, data["new"])
    record = data["conversations"][0]["record"]
    assert ann.get(f"/api/v1/records/{record}").json()["captured_by"] == "ann"
    broken = ann.post(
        "/api/v1/ingest", files=[("file", ("chat.txt", b"\x00\x01 not a chat", "text/plain"))]
    )
    assert broken.status_code == 422
    assert broken.json()["detail"].startswith("chat.txt")  # the name sent, not where it was kept
    assert str(api.settings.data_dir) not in broken.text
    assert not list((api.settings.data_dir / "uploads").iterdir()), "uploads left behind"


def test_a_zip_bomb_and_an_upload_over_the_limit_are_refused(api: Api, tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Bob.txt", CHAT.decode() + " " * (4 << 20))
    ann = api.bearer("ann", "staff")
    refused = ann.post(
        "/api/v1/ingest", files=[("file", ("chat.zip", bomb.getvalue(), "application/zip"))]
    )
    assert refused.status_code == 422, refused.text
    assert "ingest_max_expansion_ratio" in refused.json()["detail"]
    settings = api.settings.model_copy(update={"ingest_max_import_bytes": 1000})
    small = create_app(settings, store=api.store, clock=api.clock)
    client = TestClient(small, headers=dict(ann.headers))
    over = client.post("/api/v1/ingest", files=[("file", ("chat.txt", CHAT * 10, "text/plain"))])
    assert over.status_code == 413, over.text
    assert over.json()["type"].endswith("/too-large")
    assert svc.list_records(api.store, actor=Actor.cli("t")) == []
    assert not list((api.settings.data_dir / "uploads").iterdir())


def test_an_upload_by_cookie_needs_its_csrf_token_first(api: Api) -> None:
    client, csrf = api.session("ann", "staff")
    form = {"method": "sms", "at": "2026-11-19T10:00", "summary": "x"}
    files = [("attach", ("a.txt", b"a", "text/plain"))]
    assert client.post("/api/v1/captures", data=form, files=files).status_code == 403
    late = client.post("/api/v1/captures", data=form,
                       files=[*files, ("csrf_token", (None, csrf))])  # fmt: skip
    assert late.status_code == 403  # (a file came before the token)
    first = client.post("/api/v1/captures", data={"csrf_token": csrf, **form}, files=files)
    assert first.status_code == 201, first.text
    header = client.post("/api/v1/captures", data=form, headers={"X-CSRF-Token": csrf})
    assert header.status_code == 201
    assert len(svc.list_records(api.store, actor=Actor.cli("t"))) == 2


def test_a_staff_member_reaches_only_their_own_records_by_every_route(api: Api) -> None:
    ann = api.bearer("ann", "staff", phones=("+447700900001",))
    bob = api.bearer("bob", "staff")
    manager = api.bearer("rita", "records-manager")
    admin = api.bearer("ada", "admin")
    mine = _capture(ann, "ann's budget note")["uid"]
    with_her = _capture(bob, "budget call", "Ann <+44 7700 900001>")["uid"]
    secret = _capture(bob, "bob's budget secret",
                      files=[("attach", ("s.txt", b"bob only", "text/plain"))])["uid"]  # fmt: skip
    digest = sha256_hex(b"bob only")
    assert {r["uid"] for r in ann.get("/api/v1/records").json()} == {mine, with_her}
    assert {h["uid"] for h in ann.get("/api/v1/records/search", params={"q": "budget"}).json()} == {
        mine, with_her,
    }  # fmt: skip
    assert ann.get("/api/v1/records/exceptions").status_code == 200
    exported = ann.post("/api/v1/records/export", json={"format": "json"})
    assert {r["uid"] for r in json.loads(exported.text)["records"]} == {mine, with_her}
    receipt = bob.get(f"/api/v1/records/{secret}/receipt").json()
    for answer in (
        ann.get(f"/api/v1/records/{secret}"),
        ann.get(f"/api/v1/records/{secret[:8]}"),
        ann.get(f"/api/v1/files/{digest}"),
        ann.get(f"/api/v1/records/{secret}/receipt"),
        ann.post("/api/v1/receipts/check", json=receipt),
        ann.post("/api/v1/records/export", json={"records": [secret]}),
    ):
        assert answer.status_code == 404, answer.text
    assert bob.get(f"/api/v1/files/{digest}").content == b"bob only"
    assert len(manager.get("/api/v1/records").json()) == 3
    assert manager.get(f"/api/v1/files/{digest}").status_code == 200
    assert admin.get("/api/v1/records").status_code == 403  # (separation of duties)
    refused = audit.search(api.store, audit.AuditFilter(outcome="failed", actor="ann"),
                           actor=Actor.cli("t"))  # fmt: skip
    assert len(refused) == 6

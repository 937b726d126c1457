"""The record's pages over HTTP (no browser), on SQLite and PostgreSQL: capture with its errors
and receipt, finding records, a record's page, stored files, and uploading chat exports with a
preview first. Each answer is checked against what the services hold."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from markupsafe import escape

from commsgov.accounts import Actor
from commsgov.services import audit, reads, receipts
from commsgov.web.views import records as records_view

from .conftest import Api, csrf_of, sign_in

CLI = Actor.cli("test")

CHAT = """\
20/11/2026, 08:10 - Ann Smith created group "Budget cell"
20/11/2026, 08:11 - Ann Smith: The draft is agreed.
20/11/2026, 08:12 - Bob Jones: <Media omitted>
20/11/2026, 08:13 - Bob Jones: This message was deleted
"""


def _capture(client: Any, fields: dict[str, str], files: Any = None) -> Any:
    token = csrf_of(client.get("/capture").text)
    return client.post("/capture", data={"csrf_token": token, **fields}, files=files,
                       follow_redirects=False)  # fmt: skip


def _captured(client: Any, **fields: str) -> str:
    """Capture a record through the form; its uid."""
    given = {"method": "sms", "at": "2026-11-19 10:00", "summary": "Agreed the line", **fields}
    answer = _capture(client, given)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/records/([0-9a-f]+)/receipt\?captured=1", answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return found[1]


# -- capture --------------------------------------------------------------------------------
def test_capture_errors_are_beside_their_fields_and_in_the_summary(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    answer = _capture(ann, {"method": "", "at": "2026-11-20 10:00", "summary": "kept as typed"})
    assert answer.status_code == 400
    page = answer.text
    assert '<a href="#method">a method (channel id) is required</a>' in page
    assert 'id="method-error">a method (channel id) is required</p>' in page
    assert 'aria-invalid="true"' in page and "kept as typed" in page
    # the time and the channel are read as the command line reads them
    bad_time = _capture(ann, {"method": "sms", "at": "next tuesday", "summary": "x"})
    assert bad_time.status_code == 400 and 'id="at-error">' in bad_time.text
    device = _capture(ann, {"method": "sms", "at": "2026-11-20", "summary": "x", "device": "pda"})
    assert device.status_code == 400 and 'id="device-error">' in device.text
    assert '<a href="#device-corporate">' in device.text
    nothing_said = _capture(ann, {"method": "sms", "at": "2026-11-20 10:00"})
    assert nothing_said.status_code == 400
    assert 'id="summary-error">give a subject, a summary or the content</p>' in nothing_said.text
    # an HTMX post gets the form alone, its errors in it
    token = csrf_of(ann.get("/capture").text)
    fragment = ann.post("/capture", data={"csrf_token": token, "method": "sms"},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert 'id="at-error"' in fragment.text
    assert reads.list_records(web.store, actor=CLI) == []


def test_capture_saves_the_record_and_shows_its_receipt_to_keep(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    fields = {
        "method": "WhatsApp",
        "at": "2026-11-19 10:00",
        "summary": "Agreed the line",
        "with": "Bob Jones <+447700900002>\nCy @Acme !external",
        "device": "personal",
    }
    files = [("attach", ("note one.txt", b"first file")), ("attach", ("b.txt", b"second"))]
    uid = _captured_with(ann, fields, files)
    view = reads.get_record(web.store, uid, actor=CLI)
    assert (view.method, view.device, view.captured_by) == ("whatsapp", "personal", "ann")
    assert [p.name for p in view.participants] == ["Bob Jones", "Cy"]
    assert view.participants[1].organisation == "Acme" and view.participants[1].internal is False
    assert sorted(a.filename for a in view.attachments) == ["b.txt", "note one.txt"]
    assert view.policy_exception is not None  # WhatsApp, no outage: the page says so

    shown = ann.get(f"/records/{uid}/receipt?captured=1").text
    assert "Saved to the record" in shown and view.record_sha256 in shown
    download = ann.get(f"/records/{uid}/receipt.json")
    assert download.headers["content-disposition"] == f'attachment; filename="receipt-{uid}.json"'
    kept = download.json()
    assert kept["record_uid"] == uid and kept["record_sha256"] == view.record_sha256
    assert receipts.check_receipt(web.store, kept, actor=CLI) == []

    record = ann.get(f"/records/{uid}").text
    assert 'id="policy-exception"' in record and "Bob Jones &lt;+447700900002&gt;" in record
    attached = {a.filename: a.sha256 for a in view.attachments}
    link = f"/files/{attached['note one.txt']}?name=note%20one.txt"
    assert link in record
    got = ann.get(link)
    assert got.content == b"first file"
    assert "filename*=UTF-8''note%20one.txt" in got.headers["content-disposition"]


def _captured_with(client: Any, fields: dict[str, str], files: Any) -> str:
    answer = _capture(client, fields, files)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("/")[2]


JPEG = bytes.fromhex("ffd8ffe000104a464946") + b" a photo"
OGG = b"OggS\x00\x02" + b"\x00" * 20 + b" a voice note"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + b" a clip"


def test_images_sound_and_video_are_shown_in_the_record_page_from_a_checked_route(
    web: Api,
) -> None:
    ann = sign_in(web, "ann", "staff")
    files = [("attach", ("photo.jpg", JPEG)), ("attach", ("voice.ogg", OGG)),
             ("attach", ("clip.mp4", MP4)), ("attach", ("notes.txt", b"plain words")),
             ("attach", ("fake.png", b"<html><script>alert(1)</script>"))]  # fmt: skip
    uid = _captured_with(ann, {"method": "sms", "at": "2026-11-19 10:00", "summary": "Media"},
                         files)  # fmt: skip
    sha = {a.filename: a.sha256 for a in reads.get_record(web.store, uid, actor=CLI).attachments}
    record = ann.get(f"/records/{uid}").text

    def inline(name: str) -> str:
        return f"/files/{sha[name]}/inline?name={name}"

    assert f'<img class="cg-media__item" src="{inline("photo.jpg")}" alt="photo.jpg"' in record
    for tag, name in (("audio", "voice.ogg"), ("video", "clip.mp4")):
        src = re.escape(inline(name))
        assert re.search(rf'<{tag} class="cg-media__item" controls [^>]*src="{src}"', record)
    assert f"/files/{sha['notes.txt']}/inline" not in record  # only a download
    for name in sha:  # every file keeps its download link
        assert f'href="/files/{sha[name]}?name={name}"' in record
    photo = ann.get(inline("photo.jpg"))
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["content-disposition"].startswith('inline; filename="photo.jpg"')
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in photo.headers["content-security-policy"]
    assert ann.get(inline("voice.ogg")).headers["content-type"] == "audio/ogg"
    assert ann.get(inline("clip.mp4")).headers["content-type"] == "video/mp4"
    # served as what its bytes are, never its name: a page named .png is not shown
    fake = ann.get(inline("fake.png"))
    assert fake.status_code == 400 and "<script>alert" not in fake.text
    assert ann.get(inline("notes.txt")).status_code == 400
    # the type comes from the bytes even when the name says otherwise
    renamed = ann.get(f"/files/{sha['photo.jpg']}/inline?name=photo.html")
    assert renamed.headers["content-type"] == "image/jpeg"
    # every viewing is a read in the audit trail; others' files are not there for staff
    trail = audit.search(web.store, audit.AuditFilter(actor="ann", action="file-read"), actor=CLI)
    assert f"file:{sha['photo.jpg']}" in {e.target for e in trail}
    bob = sign_in(web, "bob", "staff")
    assert bob.get(inline("photo.jpg")).status_code == 404
    assert sign_in(web, "meg", "records-manager").get(inline("photo.jpg")).status_code == 200
    assert sign_in(web, "ada", "admin").get(inline("photo.jpg")).status_code == 403


def test_a_capture_form_without_its_csrf_token_is_refused(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    answer = ann.post("/capture", data={"method": "sms", "at": "2026-11-20", "summary": "x"},
                      files=[("attach", ("a.txt", b"x"))])  # fmt: skip
    assert answer.status_code == 403 and "This form could not be accepted" in answer.text
    assert reads.list_records(web.store, actor=CLI) == []


def test_an_auditor_cannot_capture(web: Api) -> None:
    auditor = sign_in(web, "aud", "auditor")
    assert auditor.get("/capture").status_code == 403
    token = csrf_of(auditor.get("/").text)
    answer = auditor.post("/capture", data={"csrf_token": token, "method": "sms"})
    assert answer.status_code == 403
    assert reads.list_records(web.store, actor=CLI) == []


# -- finding records ------------------------------------------------------------------------
def test_staff_find_and_open_only_their_own_records(web: Api) -> None:
    ann, bob = sign_in(web, "ann", "staff"), sign_in(web, "bob", "staff")
    mine = _captured(ann, summary="Ann's budget chat")
    theirs = _captured(bob, summary="Bob's budget chat")
    listed = ann.get("/records").text
    assert f"/records/{mine}" in listed and f"/records/{theirs}" not in listed
    found = ann.get("/records?q=budget").text
    assert f"/records/{mine}" in found and f"/records/{theirs}" not in found
    refused = ann.get(f"/records/{theirs}")
    assert refused.status_code == 404 and "Page not found" in refused.text
    assert "Bob&#39;s budget chat" not in refused.text  # nothing of it shown
    assert ann.get(f"/records/{theirs}/receipt").status_code == 404
    assert ann.get(f"/records/{theirs}/receipt.json").status_code == 404
    manager = sign_in(web, "meg", "records-manager")
    both = manager.get("/records").text
    assert f"/records/{mine}" in both and f"/records/{theirs}" in both
    # every read is in the audit trail, the refused one too
    reads_of = audit.search(web.store, audit.AuditFilter(actor="ann"), actor=CLI, limit=100)
    assert any(theirs in (e.target or "") for e in reads_of)


def test_the_filters_narrow_the_records_and_say_what_is_wrong(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    sms = _captured(meg, summary="By text", at="2026-11-18 10:00")
    whatsapp = _captured(meg, method="whatsapp", summary="By app", at="2026-11-19 10:00")
    by_method = meg.get("/records?method=WhatsApp").text
    assert f"/records/{whatsapp}" in by_method and f"/records/{sms}" not in by_method
    by_day = meg.get("/records?since=2026-11-18&until=2026-11-18").text
    assert f"/records/{sms}" in by_day and f"/records/{whatsapp}" not in by_day
    exceptions = meg.get("/records?exceptions=true").text
    assert f"/records/{whatsapp}" in exceptions and f"/records/{sms}" not in exceptions
    assert "Policy exception" in exceptions
    words = meg.get("/records?q=app&exceptions=true").text
    assert f"/records/{whatsapp}" in words and f"/records/{sms}" not in words
    nobody = meg.get("/records?participant=Zed").text
    assert 'id="no-records"' in nobody
    wrong = meg.get("/records?since=yesterday-ish")
    assert wrong.status_code == 400 and '<a href="#since">' in wrong.text
    later = meg.get("/records?until=2026-13-01")
    assert later.status_code == 400 and 'id="until-error"' in later.text
    fragment = meg.get("/records?method=sms", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and f"/records/{sms}" in fragment


def test_results_come_a_page_at_a_time(web: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_view, "PAGE", 2)
    meg = sign_in(web, "meg", "records-manager")
    uids = [_captured(meg, summary=f"note {n}", at=f"2026-11-{10 + n} 10:00") for n in range(5)]
    newest_first = uids[::-1]
    seen = []
    for number, (count, more) in enumerate([(2, True), (2, True), (1, False)], start=1):
        page = meg.get(f"/records?page={number}").text
        shown = [u for u in newest_first if f"/records/{u}" in page]
        assert len(shown) == count and ('rel="next"' in page) == more
        seen += shown
    assert seen == newest_first
    words = [meg.get(f"/records?q=note&page={n}").text for n in (1, 3)]
    assert f"/records/{newest_first[0]}" in words[0] and f"/records/{newest_first[4]}" in words[1]
    assert 'href="?q=note&amp;page=2"' in words[1]


# -- a record's page and upload -------------------------------------------------------------
def _upload(client: Any, files: list[tuple[str, bytes]], **fields: str) -> Any:
    token = csrf_of(client.get("/upload").text)
    return client.post("/upload", data={"csrf_token": token, **fields},
                       files=[("file", f) for f in files], follow_redirects=False)  # fmt: skip


def test_upload_shows_a_preview_then_stores_on_confirmation(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    other = CHAT.replace("Budget cell", "Press cell").replace("draft", "line")
    preview = _upload(ann, [("WhatsApp Chat with Budget cell.txt", CHAT.encode()),
                            ("WhatsApp Chat with Press cell.txt", other.encode())],
                      tz="Europe/London")  # fmt: skip
    assert preview.status_code == 200, preview.text
    page = preview.text
    assert page.count('class="ds_summary-list__value cg-count">4<') == 2
    assert "The draft is agreed." in page and "media-omitted" in page and "deleted" in page
    assert reads.list_records(web.store, actor=CLI) == []  # nothing stored yet
    staged = re.search(r'name="staged" value="([^"]+)"', page)
    assert staged is not None
    # only the one who sent the files can store them
    bob = sign_in(web, "bob", "staff")
    stolen = bob.post("/upload/confirm", data={"csrf_token": csrf_of(bob.get("/").text),
                                               "staged": staged[1]})  # fmt: skip
    assert stolen.status_code == 404 and reads.list_records(web.store, actor=CLI) == []
    done = ann.post("/upload/confirm", data={"csrf_token": csrf_of(page), "staged": staged[1]})
    assert done.status_code == 200 and "Stored in the record" in done.text
    stored = reads.list_records(web.store, actor=CLI)
    assert sorted(r.subject or "" for r in stored) == ["Budget cell", "Press cell"]
    assert "8 new messages" in done.text
    # confirmed once: the files are gone
    again = ann.post("/upload/confirm", data={"csrf_token": csrf_of(page), "staged": staged[1]})
    assert again.status_code == 404
    budget = next(r for r in stored if r.subject == "Budget cell")
    record = ann.get(f"/records/{budget.uid}").text
    assert "The draft is agreed." in record
    assert 'cg-flag">media-omitted<' in record and 'cg-flag">deleted<' in record
    view = reads.get_record(web.store, budget.uid, actor=CLI)
    source = view.sources[0]
    assert source.file_name == "WhatsApp Chat with Budget cell.txt"
    link = f"/files/{source.file_sha256}?name=WhatsApp%20Chat%20with%20Budget%20cell.txt"
    assert str(escape(link)) in record
    assert ann.get(link).content == CHAT.encode()
    for line in view.ledger:
        assert f'<td data-label="Entry">{line.seq}</td>' in record


def test_an_upload_that_cannot_be_read_names_the_file_and_stores_nothing(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    answer = _upload(ann, [("good.txt", CHAT.encode()), ("notes.txt", b"just some words\n")])
    assert answer.status_code == 400
    assert "notes.txt" in answer.text and '<a href="#file">' in answer.text
    assert not (web.settings.data_dir / "staged").exists() or not any(
        (web.settings.data_dir / "staged").iterdir()
    )
    none = _upload(ann, [])
    assert none.status_code == 400 and "Choose at least one exported chat" in none.text
    bad_zone = _upload(ann, [("good.txt", CHAT.encode())], tz="Mars/Olympus")
    assert bad_zone.status_code == 400 and 'id="tz-error"' in bad_zone.text
    assert reads.list_records(web.store, actor=CLI) == []


def _stage(client: Any, files: list[tuple[str, bytes]], **fields: str) -> Any:
    """Post the upload form as HTMX does (to be read in the background)."""
    token = csrf_of(client.get("/upload").text)
    return client.post("/upload/stage", data={"csrf_token": token, **fields},
                       files=[("file", f) for f in files],
                       headers={"HX-Request": "true"})  # fmt: skip


def _until_read(client: Any, answer: Any) -> Any:
    """Follow a reading (in a background thread) as the page does until it is no longer under
    way: the preview, or what was wrong (the first answer may be either already)."""
    import time

    for _ in range(400):
        if 'id="reading"' not in answer.text:
            return answer
        found = re.search(r'hx-get="(/upload/[A-Za-z0-9_-]+/status)"', answer.text)
        assert found is not None, answer.text
        time.sleep(0.025)
        answer = client.get(found[1], headers={"HX-Request": "true"})
    raise AssertionError("the files were never read")


def test_an_upload_read_in_the_background_shows_its_progress_then_the_preview(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commsgov.web.views import upload

    ann = sign_in(web, "ann", "staff")
    other = CHAT.replace("Budget cell", "Press cell").replace("draft", "line")
    # held before reading: the page says how far it got from the note beside the files
    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(upload, "_start_reading", lambda *args: started.append(args))
    one, two = "WhatsApp Chat with Budget cell.txt", "WhatsApp Chat with Press cell.txt"
    answer = _stage(ann, [(one, CHAT.encode()), (two, other.encode())], tz="Europe/London")
    assert answer.status_code == 200 and "<html" not in answer.text
    found = re.search(r'hx-get="(/upload/([A-Za-z0-9_-]+)/status)"', answer.text)
    assert found is not None, answer.text
    status_url, token = found[1], found[2]
    assert 'hx-trigger="load delay:400ms"' in answer.text
    assert f"Reading file 1 of 2: {one}. 0% read." in answer.text
    (folder, names, options) = started[0]
    assert names == [one, two]
    upload._note(folder, {"state": "reading", "file": 2, "files": 2, "name": two,
                          "read": 300, "total": 400, "messages": 4})  # fmt: skip
    half = ann.get(status_url, headers={"HX-Request": "true"}).text
    assert f"Reading file 2 of 2: {two}. 75% read, 4 messages so far." in half
    assert 'id="reading-progress" class="cg-progress" max="100" value="75"' in half
    # a reading that never ends (the server restarted) is given up after a while
    import datetime as dt

    note = json.loads((folder / "staged.json").read_text())
    note["at"] = (web.clock.now - upload.STALLED - dt.timedelta(seconds=1)).isoformat()
    (folder / "staged.json").write_text(json.dumps(note))
    stalled = ann.get(status_url, headers={"HX-Request": "true"})
    assert stalled.status_code == 400 and "stopped: upload them again" in stalled.text
    assert not folder.exists()
    answer = _stage(ann, [(one, CHAT.encode()), (two, other.encode())], tz="Europe/London")
    found = re.search(r'hx-get="(/upload/([A-Za-z0-9_-]+)/status)"', answer.text)
    assert found is not None, answer.text
    status_url, token = found[1], found[2]
    (folder, names, options) = started[1]
    # the reading itself, as the thread does it: notes at each per cent, then the preview
    notes: list[dict[str, Any]] = []
    real = upload._note
    monkeypatch.setattr(upload, "_note", lambda f, state: (notes.append(state), real(f, state)))
    upload._read_staged(folder, names, options)
    assert next(n["file"] for n in notes if n["state"] == "reading") == 1
    assert notes[-1]["state"] == "done" and notes[-1]["read"] == notes[-1]["total"]
    assert [n["messages"] for n in notes][-1] == 8
    percents = [n["read"] * 100 // n["total"] for n in notes]
    assert percents == sorted(percents) and percents[-1] == 100
    done = ann.get(status_url, headers={"HX-Request": "true"})
    assert done.status_code == 200 and 'id="preview-title"' in done.text
    assert done.text.count('class="ds_summary-list__value cg-count">4<') == 2
    assert f'name="staged" value="{token}"' in done.text
    # another user is told there is nothing; the uploader stores what they saw
    assert sign_in(web, "bob", "staff").get(status_url).status_code == 404
    assert reads.list_records(web.store, actor=CLI) == []
    stored = ann.post("/upload/confirm", data={"csrf_token": csrf_of(done.text),
                                               "staged": token})  # fmt: skip
    assert stored.status_code == 200 and "8 new messages" in stored.text


def test_an_upload_read_in_the_background_names_a_file_it_cannot_read(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    answer = _stage(ann, [("good.txt", CHAT.encode()), ("notes.txt", b"just some words\n")])
    failed = _until_read(ann, answer)
    assert failed.status_code == 400 and "notes.txt" in failed.text
    assert '<a href="#file">' in failed.text and "<html" not in failed.text
    staged = web.settings.data_dir / "staged"
    assert not staged.exists() or not any(staged.iterdir())  # nothing kept
    # the form's own mistakes are answered at once, before anything is kept
    none = _stage(ann, [])
    assert none.status_code == 400 and "Choose at least one exported chat" in none.text
    zone = _stage(ann, [("good.txt", CHAT.encode())], tz="Mars/Olympus")
    assert zone.status_code == 400 and 'id="tz-error"' in zone.text
    # a whole read in the background, as the browser sees it
    shown = _until_read(ann, _stage(ann, [("good.txt", CHAT.encode())]))
    assert shown.status_code == 200 and 'id="preview-title"' in shown.text
    token = re.search(r'name="staged" value="([^"]+)"', shown.text)
    assert (
        token is not None
        and sign_in(web, "bob", "staff").get(f"/upload/{token[1]}/status").status_code == 404
    )
    assert reads.list_records(web.store, actor=CLI) == []


def test_a_receipt_download_is_json_for_the_record(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    uid = _captured(ann)
    text = ann.get(f"/records/{uid}/receipt.json").text
    assert json.loads(text)["record_uid"] == uid


def test_export_the_records_found_for_an_foi_request(web: Api) -> None:
    import csv
    import hashlib
    import io

    ann, bob = sign_in(web, "ann", "staff"), sign_in(web, "bob", "staff")
    budget = _captured(ann, summary="Budget agreed")
    _captured(ann, summary="Lunch")
    theirs = _captured(bob, summary="Budget too")
    page = ann.get("/records?q=budget").text
    assert 'id="export"' in page and 'name="q" value="budget"' in page
    answer = ann.post("/records/export", data={"csrf_token": csrf_of(page), "q": "budget",
                                               "format": "csv"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["x-commsgov-sha256"] == hashlib.sha256(answer.content).hexdigest()
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["record_uid"] for r in rows} == {budget}  # the words, and only her own
    assert theirs not in answer.text
    as_json = ann.post("/records/export", data={"csrf_token": csrf_of(page), "format": "json"})
    exported = as_json.json()["records"]
    assert {r.get("uid") or r.get("record_uid") for r in exported} == {
        budget,
        _uid_of(ann, "Lunch"),
    }
    from sqlalchemy import select

    from commsgov.store.tables import ledger

    with web.store.read() as conn:
        query = select(ledger.c.actor, ledger.c.payload).where(ledger.c.kind == "records-exported")
        logged = [(actor, json.loads(payload)) for actor, payload in conn.execute(query)]
    first = (answer.headers["x-commsgov-sha256"], "csv")
    assert [(a, p["sha256"], p["format"]) for a, p in logged[:1]] == [("ann", *first)]
    refused = ann.post("/records/export", data={"q": "budget", "format": "csv"})
    assert refused.status_code == 403


def _uid_of(client: Any, words: str) -> str:
    found = re.search(r'href="/records/([0-9a-f]{32})"', client.get(f"/records?q={words}").text)
    assert found is not None
    return found[1]

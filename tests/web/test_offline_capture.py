"""The capture page with no network (issue 17): the route a browser sends its queue of offline
captures to (over HTTP, SQLite and PostgreSQL), the service worker's script, and in a real
browser the whole round: the page opened online (its service worker installs), the network
taken away, captures kept in the browser's queue, the network back, the queue sent in order and
found in the store with the device's time beside the time the server received each."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.config import Settings
from commsgov.services import reads, verification
from commsgov.store.handle import open_store
from tests.api.conftest import T0, Clock

from .conftest import DESKTOP, Api, Server, csrf_of, page_sign_in, sign_in

CLI = Actor.cli("test")
FIELDS = {"method": "sms", "at": "2026-11-20 08:30", "summary": "Agreed the line by text"}
MADE = {"made_at": "2026-11-20T09:16:02.123+01:00", "made_zone": "Europe/Paris",
        "made_id": "5f0c7a52-6a36-4c61-9d2e-1f4b7d0e9a11"}  # fmt: skip


@pytest.fixture
def web(store: Any, tmp_path: Path) -> Iterator[Api]:
    """The app on a fresh store, its uploads under ``tmp_path``."""
    clock = Clock()
    settings = Settings(database_url=store.url, data_dir=tmp_path / "data")
    yield Api(create_app(settings, store=store, clock=clock), store, clock, settings)


def _send(client: Any, fields: dict[str, str], files: Any = None) -> Any:
    """Post one queued capture as the page's script does: the token in the header."""
    token = csrf_of(client.get("/capture").text)
    return client.post("/capture/queued", data=fields, files=files,
                       headers={"X-CSRF-Token": token}, follow_redirects=False)  # fmt: skip


def test_a_queued_capture_keeps_the_device_time_beside_the_time_received(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    web.clock.now = T0 + dt.timedelta(minutes=10)  # received 54 minutes after it was saved
    files = [("attach", ("photo.txt", b"a photo, say"))]
    answer = _send(ann, {**FIELDS, "with": "Bob Jones <+447700900002>", **MADE}, files)
    assert answer.status_code == 201, answer.text
    uid = answer.json()["uid"]
    assert answer.json()["receipt"] == f"/records/{uid}/receipt?captured=1"
    view = reads.get_record(web.store, uid, actor=CLI)
    assert (view.source.made_at, view.source.made_zone, view.source.made_id) == (
        "2026-11-20T09:16:02.123000+01:00", "Europe/Paris", MADE["made_id"],
    )  # fmt: skip
    assert view.captured_at_utc == "2026-11-20T09:10:00.000000Z"  # when the server received it
    assert view.occurred_local.startswith("2026-11-20T08:30")  # as the person gave it
    assert view.captured_by == "ann" and [a.filename for a in view.attachments] == ["photo.txt"]
    assert view.sources[0].made_at == view.source.made_at
    shown = ann.get(f"/records/{uid}").text
    assert "saved offline on the device at 2026-11-20T09:16:02.123000+01:00, Europe/Paris" in shown
    assert verification.verify(web.store, actor=CLI).ok


def test_a_queued_capture_sent_twice_is_stored_once(web: Api) -> None:
    """Its answer lost on the way, the page sends it again: the record already made answers."""
    ann = sign_in(web, "ann", "staff")
    first = _send(ann, {**FIELDS, **MADE})
    assert first.status_code == 201
    head = verification.verify(web.store, actor=CLI).head_seq
    web.clock.now = T0 + dt.timedelta(minutes=3)
    again = _send(ann, {**FIELDS, **MADE})
    assert again.status_code == 200 and again.json()["again"] is True
    assert again.json()["uid"] == first.json()["uid"]
    assert verification.verify(web.store, actor=CLI).head_seq == head  # nothing written
    # another item (its own key), even with the same words, is another record
    other = _send(ann, {**FIELDS, **MADE, "made_id": "0b9e1c1e-0d4f-4f53-8a57-5d8f0e6b7c21"})
    assert other.status_code == 201 and other.json()["uid"] != first.json()["uid"]
    # and the key is the sender's own: someone else's item with that key is theirs
    bob = sign_in(web, "bob", "staff")
    theirs = _send(bob, {**FIELDS, **MADE})
    assert theirs.status_code == 201 and theirs.json()["uid"] != first.json()["uid"]
    assert len(reads.list_records(web.store, actor=CLI)) == 3
    assert verification.verify(web.store, actor=CLI).ok


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({**FIELDS, "made_zone": "Europe/Paris"}, "made_at"),
        ({**FIELDS, "made_at": "2026-11-20T09:16:02+01:00"}, "made_zone"),
        ({**FIELDS, **MADE, "made_at": "yesterday teatime"}, "made_at"),
        ({**FIELDS, **MADE, "made_at": "2026-11-20T09:16:02"}, "made_at"),  # no offset
        ({**FIELDS, **MADE, "made_zone": "Mars/Olympus_Mons"}, "made_zone"),
        ({**FIELDS, **MADE, "made_id": ""}, "made_id"),
        ({**FIELDS, **MADE, "made_id": "%_%_%_%_%_"}, "made_id"),  # no LIKE wildcards
        ({**MADE, "at": "2026-11-20 08:30", "summary": "no channel"}, "method"),
        ({**FIELDS, **MADE, "at": "next tuesday"}, "at"),
        ({**FIELDS, **MADE, "summary": "", "device": "pda"}, "device"),
    ],
)
def test_a_malformed_queued_capture_is_refused_naming_its_field(
    web: Api, given: dict[str, str], field: str
) -> None:
    ann = sign_in(web, "ann", "staff")
    answer = _send(ann, given)
    assert answer.status_code == 400
    assert answer.json()["field"] == field and answer.json()["reason"]
    assert reads.list_records(web.store, actor=CLI) == []


def test_a_queued_capture_needs_a_fresh_token_and_a_capturer(web: Api) -> None:
    ann = sign_in(web, "ann", "staff")
    stale = ann.post("/capture/queued", data={**FIELDS, **MADE},
                     headers={"X-CSRF-Token": "not-the-token"})  # fmt: skip
    assert stale.status_code == 403
    none = ann.post("/capture/queued", data={**FIELDS, **MADE})
    assert none.status_code == 403
    auditor = sign_in(web, "aud", "auditor")
    token = csrf_of(auditor.get("/records").text)
    refused = auditor.post("/capture/queued", data={**FIELDS, **MADE},
                           headers={"X-CSRF-Token": token})  # fmt: skip
    assert refused.status_code == 403
    assert reads.list_records(web.store, actor=CLI) == []


def test_the_service_worker_keeps_the_capture_page_and_every_asset_it_needs(web: Api) -> None:
    anyone = web.client()
    script = anyone.get("/sw.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["service-worker-allowed"] == "/"
    found = re.search(r"^const ASSETS = (.*);$", script.text, re.MULTILINE)
    assert found is not None
    assets = json.loads(found[1])
    page = sign_in(web, "ann", "staff").get("/capture").text
    for url in assets:
        assert anyone.get(url).status_code == 200, url
        if "?v=" in url:  # the page asks for exactly these
            assert f'"{url}' in page or f"'{url}" in page, url
    assert any(url.endswith("offline-capture.js") or "offline-capture.js?" in url for url in assets)
    assert 'id="offline-status" role="status" aria-live="polite"' in page
    assert 'data-queue-url="/capture/queued"' in page and 'data-user="ann"' in page


# -- in a browser -----------------------------------------------------------------------------
PARIS = ZoneInfo("Europe/Paris")


def _serious_axe_violations(page: Any) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.xdist_group("browser")
@pytest.mark.slow
def test_capture_offline_then_send_the_queue_when_back_online(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/Paris")
    context.set_default_timeout(10_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page_sign_in(page, server, "demo-staff", "demo-staff-password")
        page.goto(server.base + "/capture")
        # the service worker installs, takes the page and keeps it with its assets
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        kept = "async () => !!(await caches.match('/capture', {ignoreVary: true}))"
        assert page.evaluate(kept)

        context.set_offline(True)
        # the service worker has no network either, so the page comes from its cache
        worker = context.service_workers[0]
        assert worker.evaluate("() => fetch('/sw.js').then(() => 'fetched', () => 'failed')") == (
            "failed"
        )
        page.reload()
        expect(page.locator("h1")).to_have_text("Capture a communication")
        expect(page.locator("#offline-status")).to_contain_text("There is no network")
        captures = [
            ("SMS", "2026-11-20 08:30", "Offline one: agreed the line", "09:16:00"),
            ("Phone call", "2026-11-20 08:45", "Offline two: the minister called", "09:20:30"),
            ("SMS", "not a time", "Offline three: a time the server refuses", "09:25:00"),
        ]
        for n, (method, at, summary, clock) in enumerate(captures, start=1):
            page.clock.set_fixed_time(dt.datetime.fromisoformat(f"2026-11-20T{clock}+01:00"))
            page.fill("#method", method)
            page.fill("#at", at)
            page.fill("#summary", summary)
            page.click("text=Save to the record")
            waiting = "1 capture" if n == 1 else f"{n} captures"
            expect(page.locator("#offline-count")).to_have_text(f"{waiting} waiting to be sent")
            if n == 2:
                expect(page.locator("#offline-items > li")).to_have_count(2)
        expect(page.locator("#offline-items > li").first).to_contain_text(
            "Saved on this device at 2026-11-20T09:16:00.000+01:00 (Europe/Paris)"
        )
        expect(page.locator("#method")).to_have_value("")  # the form is ready for the next
        page.reload()  # the queue outlives the page
        expect(page.locator("#offline-items > li")).to_have_count(3)
        assert _serious_axe_violations(page) == []

        context.set_offline(False)
        expect(page.locator("#offline-status")).to_contain_text(
            "2 captures sent to the record. 1 capture was refused"
        )
        expect(page.locator("#offline-sent-items li")).to_have_count(2)
        refused = page.locator("#offline-items > li")
        expect(refused).to_have_count(1)
        expect(refused.locator(".ds_question__error-message")).to_contain_text("Not sent: at:")
        assert _serious_axe_violations(page) == []
        links = page.locator("#offline-sent-items a")
        uids = [re.sub(r"^/records/([0-9a-f]+)/.*$", r"\1", links.nth(i).get_attribute("href"))
                for i in range(2)]  # fmt: skip

        # the refused one goes back into the form, is corrected and sent, keeping its time
        refused.locator("text=Put it back in the form to correct it").click()
        expect(page.locator("#summary")).to_have_value(captures[2][2])
        expect(page.locator("#at")).to_have_value("not a time")
        expect(page.locator("#offline-items > li")).to_have_count(1)  # still kept
        page.clock.set_fixed_time(dt.datetime.fromisoformat("2026-11-20T10:00:00+01:00"))
        page.fill("#at", "2026-11-20 08:50")
        page.click("text=Save to the record")
        expect(page.locator("#offline-status")).to_have_text("1 capture sent to the record.")
        expect(page.locator("#offline-queue")).to_be_hidden()
        expect(page.locator("#offline-sent-items li")).to_have_count(3)
        uids.append(re.sub(r"^/records/([0-9a-f]+)/.*$", r"\1",
                           links.nth(2).get_attribute("href")))  # fmt: skip
        assert errors == []
    finally:
        context.close()

    store = open_store(server.database, must_exist=True)
    try:
        views = [reads.get_record(store, uid, actor=CLI) for uid in uids]
        made = [v.source.made_at for v in views]
        # the corrected one keeps the time it was first saved (09:25), not the correction's
        assert made == ["2026-11-20T09:16:00+01:00", "2026-11-20T09:20:30+01:00",
                        "2026-11-20T09:25:00+01:00"]  # fmt: skip
        assert {v.source.made_zone for v in views} == {"Europe/Paris"}
        assert [v.summary for v in views] == [c[2] for c in captures]
        assert views[2].occurred_local.startswith("2026-11-20T08:50")
        assert {v.captured_by for v in views} == {"demo-staff"}
        # the server's own time of receipt, in the order the device made them
        assert views[0].captured_at_utc < views[1].captured_at_utc < views[2].captured_at_utc
        for view in views:
            made_at = dt.datetime.fromisoformat(view.source.made_at or "")
            assert made_at.utcoffset() == made_at.astimezone(PARIS).utcoffset()
            received = dt.datetime.strptime(view.captured_at_utc, "%Y-%m-%dT%H:%M:%S.%fZ")
            assert received.replace(tzinfo=dt.UTC) > made_at  # sent later, from the queue
        assert verification.verify(store, actor=CLI).ok
    finally:
        store.close()


@pytest.mark.xdist_group("browser")
@pytest.mark.slow
def test_a_capture_the_service_did_not_receive_is_kept_and_sent_later(
    browser: Any, server: Server
) -> None:
    """The browser says it is online but the service cannot be reached: the failed post is
    kept in the queue, and "Send now" sends it once the service answers again."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page_sign_in(page, server, "demo-records-manager", "demo-records-manager-password")
        page.goto(server.base + "/capture")

        def unreachable(route: Any) -> None:
            if route.request.method == "POST":
                route.abort("connectionrefused")
            else:
                route.continue_()

        page.route("**/capture", unreachable)
        page.clock.set_fixed_time(dt.datetime.fromisoformat("2026-11-20T10:05:00+00:00"))
        page.fill("#method", "Signal")
        page.fill("#at", "2026-11-20 10:00")
        page.fill("#summary", "Kept when the service did not answer")
        page.click("text=Save to the record")
        expect(page.locator("#offline-status")).to_contain_text(
            "The service could not be reached. "
            "Saved on this device at 2026-11-20T10:05:00.000+00:00"
        )
        expect(page.locator("#offline-count")).to_have_text("1 capture waiting to be sent")
        page.unroute("**/capture", unreachable)
        page.click("text=Send now")
        expect(page.locator("#offline-status")).to_have_text("1 capture sent to the record.")
        expect(page.locator("#offline-queue")).to_be_hidden()
        href = page.locator("#offline-sent-items a").get_attribute("href") or ""
        assert errors == []
    finally:
        context.close()

    uid = re.sub(r"^/records/([0-9a-f]+)/.*$", r"\1", href)
    store = open_store(server.database, must_exist=True)
    try:
        view = reads.get_record(store, uid, actor=CLI)
        assert (view.source.made_at, view.source.made_zone) == (
            "2026-11-20T10:05:00+00:00", "Europe/London",
        )  # fmt: skip
        assert view.summary == "Kept when the service did not answer"
    finally:
        store.close()

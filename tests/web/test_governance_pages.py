"""The governance pages over HTTP (no browser), on SQLite and PostgreSQL: outages, holds, the
review queue and transfers, each change checked against the services and the ledger, and an
auditor's refusal against the audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.config import Settings
from commsgov.services import audit, dispositions, holds, outages, transfers
from tests.api.conftest import Clock

from .conftest import Api, csrf_of, sign_in

CLI = Actor.cli("test")


@pytest.fixture
def web(store: Any, tmp_path: Path) -> Iterator[Api]:
    clock = Clock()
    settings = Settings(database_url=store.url, data_dir=tmp_path / "data")
    yield Api(create_app(settings, store=store, clock=clock), store, clock, settings)


def _post(client: Any, url: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _capture(client: Any, summary: str, at: str = "2020-01-10 10:00") -> str:
    token = csrf_of(client.get("/capture").text)
    answer = client.post("/capture", data={"csrf_token": token, "method": "sms", "at": at,
                                           "summary": summary}, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"].split("/")[2])


def test_declare_and_end_an_outage(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    page = "/governance/outages"
    missing = _post(meg, page, {"reason": " ", "kind": "outage"}, page)
    assert missing.status_code == 400 and '<a href="#reason">' in missing.text
    bad_time = _post(meg, page, {"reason": "SCOTS down", "started_at": "soon"}, page)
    assert bad_time.status_code == 400 and 'id="started_at-error"' in bad_time.text
    assert 'value="SCOTS down"' in bad_time.text
    done = _post(meg, page, {"reason": "SCOTS down", "started_at": "2026-11-20 08:00"}, page)
    assert (done.status_code, done.headers["location"]) == (303, f"{page}?done=started")
    (outage,) = outages.list_outages(web.store, actor=CLI)
    assert (outage.reason, outage.declared_by, outage.ended_at_utc) == ("SCOTS down", "meg", None)
    listed = meg.get(f"{page}?done=started").text
    assert "The outage has been declared." in listed and "Ongoing" in listed
    ended = _post(meg, f"{page}/{outage.uid}/end", {"ended_at": ""}, page)
    assert ended.headers["location"] == f"{page}?done=ended"
    (over,) = outages.list_outages(web.store, actor=CLI)
    assert over.ended_by == "meg" and over.ended_at_utc is not None
    assert "End this outage" not in meg.get(page).text


def test_place_a_hold_with_a_scope_and_lift_it(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    kept = _capture(meg, "Budget talk")
    other = _capture(meg, "Lunch plans")
    page = "/governance/holds"
    no_scope = _post(meg, page, {"name": "FOI 1", "mandate": "FOISA request"}, page)
    assert no_scope.status_code == 400 and 'id="scope-error"' in no_scope.text
    assert '<a href="#records">' in no_scope.text and 'value="FOI 1"' in no_scope.text
    no_mandate = _post(meg, page, {"name": "FOI 1", "search": "budget"}, page)
    assert no_mandate.status_code == 400 and 'id="mandate-error"' in no_mandate.text
    placed = _post(meg, page, {"name": "FOI 1", "mandate": "FOISA request", "search": "budget",
                               "date_from": "2020-01-01"}, page)  # fmt: skip
    assert placed.headers["location"] == f"{page}?done=placed"
    (hold,) = holds.list_holds(web.store, actor=CLI)
    assert (hold.name, hold.covers, hold.scope.search) == ("FOI 1", 1, "budget")
    assert kept and other  # (one of the two matches the words)
    shown = meg.get(page).text
    assert 'class="ds_summary-list__value cg-covers">1 record<' in shown
    record = meg.get(f"/records/{kept}").text  # the record's page loads its holds in place
    assert f'hx-get="/records/{kept}/retention"' in record
    held = meg.get(f"/records/{kept}/retention", headers={"HX-Request": "true"}).text
    assert "<html" not in held and "FOI 1" in held and "In force" in held
    assert "FOI 1" not in meg.get(f"/records/{other}/retention").text
    staff = sign_in(web, "ann", "staff")
    assert staff.get(f"/records/{kept}/retention").status_code == 403
    no_reason = _post(meg, f"{page}/{hold.uid}/lift", {"reason": ""}, page)
    assert no_reason.status_code == 400 and f'id="lift-{hold.uid}-error"' in no_reason.text
    lifted = _post(meg, f"{page}/{hold.uid}/lift", {"reason": "Request answered"}, page)
    assert lifted.headers["location"] == f"{page}?done=lifted"
    (gone,) = holds.list_holds(web.store, actor=CLI, include_lifted=True)
    assert (gone.lifted_by, gone.lift_reason) == ("meg", "Request answered")


def test_the_review_queue_decides_on_records_ticked(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    first, second, third = (_capture(meg, f"note {n}") for n in range(3))
    # (a captured record waits for review with no date; Teams chats are due five days on)
    dispositions.classify(web.store, uids=[first, second, third], record_class="teams-chat",
                          reason="test", actor=CLI, now=web.clock())  # fmt: skip
    queue = meg.get("/governance/review?as_of=2045-01-01").text
    assert "delete: 3" in queue
    for uid in (first, second, third):
        assert f'value="{uid}"' in queue
    page = "/governance/review?as_of=2045-01-01"
    nothing = _post(meg, "/governance/review", {"decision": "defer", "reason": "x",
                                                "as_of": "2045-01-01"}, page)  # fmt: skip
    assert nothing.status_code == 400 and "Tick at least one record" in nothing.text
    no_reason = _post(meg, "/governance/review", {"records": [first], "decision": "destroy",
                                                  "as_of": "2045-01-01"}, page)  # fmt: skip
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
    assert re.search(rf'value="{first}"\s+checked', no_reason.text)  # the ticks are kept
    done = _post(meg, "/governance/review", {"records": [first, second], "decision": "destroy",
                                             "reason": "Routine, nothing of note",
                                             "as_of": "2045-01-01"}, page)  # fmt: skip
    assert done.status_code == 200 and "2 decisions recorded" in done.text
    decided = re.findall(r"<li>([0-9a-f]+): destroy, now ([a-z-]+)", done.text)
    assert sorted(u for u, _s in decided) == sorted([first, second])
    assert {s for _u, s in decided} == {"approved-destroy"}
    # an auditor sees the queue but cannot decide: refused and in the audit trail
    aud = sign_in(web, "aud", "auditor")
    assert 'name="records"' not in aud.get(page).text
    refused = _post(aud, "/governance/review", {"records": [third], "decision": "defer",
                                                "reason": "x"}, page)  # fmt: skip
    assert refused.status_code == 403
    found = audit.search(web.store, audit.AuditFilter(action="permission-refused"), actor=CLI)
    assert any(e.target == "action:web.review-submit" for e in found)


def test_build_download_and_confirm_a_transfer(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    uid = _capture(meg, "For the archive")
    other = _capture(meg, "Not approved")
    dispositions.classify(web.store, uids=[uid, other], record_class="teams-chat", reason="t",
                          actor=CLI, now=web.clock())  # fmt: skip
    page = "/governance/review?as_of=2045-01-01"
    done = _post(meg, "/governance/review", {"records": [uid], "decision": "transfer",
                                             "reason": "Of lasting value",
                                             "as_of": "2045-01-01"}, page)  # fmt: skip
    assert "approved-transfer" in done.text
    here = "/governance/transfers"
    assert "No transfer packages have been built." in meg.get(here).text
    refused = _post(meg, here, {"records": other, "consignment": "CG-TEST-1"}, here)
    assert refused.status_code == 400 and "is not approved for transfer" in refused.text
    assert 'value="CG-TEST-1"' in refused.text
    bad_name = _post(meg, here, {"consignment": "../etc"}, here)
    assert bad_name.status_code == 400 and 'id="consignment-error"' in bad_name.text
    built = _post(meg, here, {"consignment": "CG-TEST-1"}, here)
    assert built.headers["location"] == f"{here}?done=built"
    (listed,) = transfers.list_transfers(web.store, actor=CLI)
    assert (listed.consignment, listed.records, listed.status) == (
        "CG-TEST-1",
        1,
        "awaiting-accession",
    )
    shown = meg.get(here).text
    assert listed.package_sha256 in shown and "Confirm accession" in shown
    package = meg.get(f"{here}/CG-TEST-1/package")
    assert package.status_code == 200 and package.content[:2] == b"\x1f\x8b"
    confirmed = _post(meg, f"{here}/CG-TEST-1/confirm", {"accession": "NRS/2026/1"}, here)
    assert confirmed.headers["location"] == f"{here}?done=confirmed"
    (after,) = transfers.list_transfers(web.store, actor=CLI)
    assert (after.status, after.confirmed_by) == ("accessioned", "meg")
    again = _post(meg, f"{here}/CG-TEST-1/confirm", {}, here)
    assert again.status_code == 409
    # the record was disposed of here: its page is gone, its retention says so
    assert meg.get(f"/records/{uid}").status_code == 404
    assert "Disposed of on" in meg.get(f"/records/{uid}/retention").text
    staff = sign_in(web, "ann", "staff")
    assert staff.get(here).status_code == 403


def _row(html: str, table: str, period: str) -> list[str]:
    """The counts in ``table``'s row for ``period``."""
    start = html.index(f'id="{table}-data"')
    body = html[start : html.index("</table>", start)]
    found = re.search(rf'<tr><th scope="row">{period}</th>(.*?)</tr>', body)
    assert found is not None, (table, period)
    return re.findall(r"<td>(\d+)</td>", found[1])


def test_the_dashboard_counts_what_happened_and_what_falls_due(web: Api) -> None:
    import datetime as dt

    meg = sign_in(web, "meg", "records-manager")
    start = web.clock.now
    web.clock.now = start - dt.timedelta(days=7)  # a week earlier: the week of 9 November
    _capture(meg, "last week", at="2026-11-12 10:00")
    web.clock.now = start  # Friday 20 November: the week of 16 November
    texts = [_capture(meg, f"text {n}", at="2026-11-19 10:00") for n in range(2)]
    token = csrf_of(meg.get("/capture").text)
    made = meg.post("/capture", data={"csrf_token": token, "method": "whatsapp",
                                      "at": "2026-11-19 11:00", "summary": "an exception"},
                    follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    dispositions.classify(web.store, uids=texts, record_class="teams-chat", reason="t",
                          actor=CLI, now=web.clock())  # fmt: skip
    page = meg.get("/governance")
    assert page.status_code == 200
    html = page.text
    assert _row(html, "captures", "2026-11-16") == ["2", "1", "3"]  # sms, whatsapp, total
    assert _row(html, "captures", "2026-11-09") == ["1", "0", "1"]
    assert _row(html, "exceptions", "2026-11-01") == ["1"]
    assert _row(html, "exceptions", "2026-10-01") == ["0"]
    # a Teams chat is deleted five days on: on 24 November
    assert _row(html, "due", "2026-11-01") == ["2"]
    assert _row(html, "due", "2026-12-01") == ["0"]
    assert html.count('<svg class="cg-chart__svg"') == 3
    assert sign_in(web, "ann", "staff").get("/governance").status_code == 403


def test_a_records_manager_corrects_a_record_and_the_ledger_keeps_both(web: Api) -> None:
    from commsgov.services import reads

    ann = sign_in(web, "ann", "staff")
    uid = _capture(ann, "Agreed the line")
    assert 'id="correct"' not in ann.get(f"/records/{uid}").text  # staff cannot correct
    meg = sign_in(web, "meg", "records-manager")
    page = f"/records/{uid}"
    form = meg.get(page).text
    assert 'id="correct"' in form and 'name="was_summary" value="Agreed the line"' in form
    base = {"was_subject": "", "was_summary": "Agreed the line", "was_content": "",
            "subject": "", "content": ""}  # fmt: skip
    unchanged = _post(meg, f"{page}/correct", {**base, "summary": "Agreed the line",
                                               "reason": "typo"}, page)  # fmt: skip
    assert unchanged.status_code == 400 and "change at least one field" in unchanged.text
    no_reason = _post(meg, f"{page}/correct", {**base, "summary": "Agreed the press line"}, page)
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
    assert "Agreed the press line" in no_reason.text  # what was typed is kept
    fixed = {**base, "summary": "Agreed the press line", "reason": "It was the press line"}
    done = _post(meg, f"{page}/correct", fixed, page)
    assert done.headers["location"] == f"{page}?done=corrected"
    view = reads.get_record(web.store, uid, actor=CLI)
    assert view.summary == "Agreed the press line" and view.subject is None
    assert [e.kind for e in view.ledger] == ["record-captured", "record-corrected"]
    shown = meg.get(f"{page}?done=corrected").text
    assert "The record has been corrected" in shown and "record-corrected" in shown
    refused = _post(ann, f"{page}/correct", {**base, "summary": "x", "reason": "y"}, "/")
    assert refused.status_code == 403

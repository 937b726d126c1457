"""The governance pages over HTTP (no browser), on SQLite and PostgreSQL: outages, holds, the
review queue and transfers, each change checked against the services and the ledger, and an
auditor's refusal against the audit trail."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from commsgov.accounts import Actor
from commsgov.services import audit, dispositions, holds, outages, transfers

from .conftest import Api, csrf_of, sign_in

CLI = Actor.cli("test")


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
    gone = meg.get(f"/records/{uid}/retention").text
    shown_at = r'Disposed of on <time datetime="[^"]+">\d+ \w+ 20\d\d, \d\d:\d\d</time>'
    assert re.search(shown_at, gone)
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


def _capture_on(client: Any, method: str, at: str, summary: str) -> str:
    token = csrf_of(client.get("/capture").text)
    answer = client.post("/capture", data={"csrf_token": token, "method": method, "at": at,
                                           "summary": summary}, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"].split("/")[2])


def test_the_policy_exceptions_page_lists_counts_and_filters_them(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commsgov.web.views import governance

    monkeypatch.setattr(governance, "EXCEPTIONS_PAGE", 2)  # (paging without dozens of captures)
    meg = sign_in(web, "meg", "records-manager")
    september = _capture_on(meg, "whatsapp", "2026-09-10 10:00", "old one")
    november = [_capture_on(meg, "whatsapp", f"2026-11-1{n} 10:00", f"wa {n}") for n in (2, 3)]
    signal = _capture_on(meg, "signal", "2026-11-14 10:00", "on signal")
    fine = _capture_on(meg, "sms", "2026-11-15 10:00", "within the policy")
    page = meg.get("/governance/exceptions")
    assert page.status_code == 200
    html = page.text
    assert "4 policy exceptions found." in html
    # most recent first, two a page, each linking to its record; what is within policy is absent
    assert re.findall(r'<a href="/records/([0-9a-f]+)">', html) == [signal, november[1]]
    assert fine not in html and "mma-ban" in html
    assert 'href="?page=2"' in html
    second = meg.get("/governance/exceptions?page=2").text
    assert re.findall(r'<a href="/records/([0-9a-f]+)">', second) == [november[0], september]
    assert 'href="?page=3"' not in second and 'href="?page=1"' in second
    # counts per month, every month from the first to the last, zero where none
    assert _row(html, "per-month", "2026-09-01") == ["1"]
    assert _row(html, "per-month", "2026-10-01") == ["0"]
    assert _row(html, "per-month", "2026-11-01") == ["3"]
    # the filters are applied in the store, to the list and the counts alike
    only_wa = meg.get("/governance/exceptions?method=WhatsApp&since=2026-11-01&until=2026-11-30")
    assert "2 policy exceptions found." in only_wa.text
    assert re.findall(r'<a href="/records/([0-9a-f]+)">', only_wa.text) == november[::-1]
    assert _row(only_wa.text, "per-month", "2026-11-01") == ["2"]
    assert "2026-09-01" not in only_wa.text
    assert 'value="WhatsApp"' in only_wa.text  # what was typed is kept
    none = meg.get("/governance/exceptions?until=2026-01-01").text
    assert "0 policy exceptions found." in none and 'id="no-exceptions"' in none
    # HTMX gets the results alone; a bad date is named beside its field (400)
    part = meg.get("/governance/exceptions?method=signal", headers={"HX-Request": "true"})
    assert "<html" not in part.text and "1 policy exception found." in part.text
    bad = meg.get("/governance/exceptions?since=someday")
    assert bad.status_code == 400 and '<a href="#since">' in bad.text
    assert 'value="someday"' in bad.text and 'id="since-error"' in bad.text
    # each read is in the audit trail, naming the records shown
    listed = audit.search(web.store, audit.AuditFilter(actor="meg", action="records-listed"),
                          actor=CLI)  # fmt: skip
    queries = [json.loads(e.details)["query"] for e in listed]
    assert "exceptions since=2026-11-01 until=2026-11-30 method=WhatsApp" in queries
    assert any(json.loads(e.details)["uids"] == [signal, november[1]] for e in listed)
    # an auditor reads it; staff may not; the governance navigation links to it
    assert sign_in(web, "aud", "auditor").get("/governance/exceptions").status_code == 200
    assert sign_in(web, "ann", "staff").get("/governance/exceptions").status_code == 403
    assert 'href="/governance/exceptions"' in meg.get("/governance").text


def _queued(html: str) -> list[str]:
    """The records a review queue page lists, in order."""
    return re.findall(r'name="records" value="([0-9a-f]+)"', html)


def test_the_review_queue_filters_by_action_schedule_channel_stage_and_due_dates(
    web: Api,
) -> None:
    import datetime as dt

    from commsgov.services import reviews

    meg = sign_in(web, "meg", "records-manager")
    early = _capture_on(meg, "sms", "2020-01-10 10:00", "early text")
    later = _capture_on(meg, "sms", "2020-03-10 10:00", "later text")
    app = _capture_on(meg, "whatsapp", "2020-01-10 11:00", "on whatsapp")
    kept = _capture_on(meg, "sms", "2020-01-10 12:00", "kept for review")
    dispositions.classify(web.store, uids=[early, later, app], record_class="teams-chat",
                          reason="t", actor=CLI, now=web.clock())  # fmt: skip
    # (a captured record waits for review with no date until a reviewer sets one)
    reviews.review(web.store, uids=[kept], decision="extend", reason="t",
                   until=dt.date(2027, 6, 1), actor=CLI, now=web.clock())  # fmt: skip
    page = "/governance/review?as_of=2045-01-01"
    assert _queued(meg.get(page).text) == [early, app, later, kept]
    deletes = meg.get(f"{page}&action=delete").text
    assert _queued(deletes) == [early, app, later]  # earliest due first
    assert "3 records match the filters." in deletes and "delete: 3" in deletes
    assert re.search(r'<option value="delete"\s+selected>', deletes)
    assert _queued(meg.get(f"{page}&action=review").text) == [kept]
    assert _queued(meg.get(f"{page}&record_class=captured-record").text) == [kept]
    assert _queued(meg.get(f"{page}&method=WhatsApp").text) == [app]
    # due dates: from (the start of that day) and by (its end)
    assert _queued(meg.get(f"{page}&due_from=2020-03-01").text) == [later, kept]
    assert _queued(meg.get("/governance/review?as_of=2020-02-01").text) == [early, app]
    both = meg.get("/governance/review?as_of=2020-12-31&due_from=2020-03-01&action=delete").text
    assert _queued(both) == [later]
    # stage 2: what a first reviewer approved and a second must agree to
    form = {"records": [early], "decision": "destroy", "reason": "Routine", "two_stage": "true",
            "as_of": "2045-01-01", "filter_action": "delete"}  # fmt: skip
    first = _post(meg, "/governance/review", form, f"{page}&action=delete")
    assert first.status_code == 200 and "awaiting-second-stage" in first.text
    assert _queued(first.text) == [app, later]  # the same filters after the decision
    assert early not in _queued(meg.get(page).text)
    second = meg.get(f"{page}&review_stage=2").text
    assert _queued(second) == [early] and "awaiting a second reviewer" in second
    assert re.search(r'<option value="2"\s+selected>2</option>', second)  # stage 2 proposed
    done = _post(meg, "/governance/review", {"records": [early], "decision": "destroy",
                                             "reason": "Agreed", "stage": "2",
                                             "as_of": "2045-01-01",
                                             "filter_review_stage": "2"},
                 f"{page}&review_stage=2")  # fmt: skip
    assert "approved-destroy" in done.text and _queued(done.text) == []
    # HTMX gets the queue alone; a value the schedules do not know is named beside its field
    part = meg.get(f"{page}&action=delete", headers={"HX-Request": "true"}).text
    assert "<html" not in part and _queued(part) == [app, later]
    bad = meg.get(f"{page}&action=shred")
    assert bad.status_code == 400 and 'id="action-error"' in bad.text
    assert '<a href="#action">' in bad.text
    assert meg.get(f"{page}&review_stage=3").status_code == 400
    assert meg.get(f"{page}&record_class=nope").status_code == 400
    assert meg.get(f"{page}&due_from=someday").status_code == 400


def test_the_review_queue_counts_what_matches_in_the_store_beyond_what_it_lists(
    web: Api,
) -> None:
    import datetime as dt

    meg = sign_in(web, "meg", "records-manager")
    uids = [_capture_on(meg, "sms", f"2020-01-1{n} 10:00", f"text {n}") for n in range(4)]
    dispositions.classify(web.store, uids=uids, record_class="teams-chat", reason="t",
                          actor=CLI, now=web.clock())  # fmt: skip
    queue = dispositions.review_queue(
        web.store, actor=CLI, as_of=dt.date(2045, 1, 1), limit=2, now=web.clock(),
        flt=dispositions.QueueFilter(action="delete", due_from=dt.date(2020, 1, 16)),
    )  # fmt: skip
    # (due five days on: the 15th to the 18th; from the 16th, three; the first two listed)
    assert queue.matching == 3
    assert [i.record_uid for i in queue.report.items] == uids[1:3]
    assert queue.report.total == 4  # the whole queue's counts are unfiltered
    assert "delete" in queue.actions and "teams-chat" in queue.classes

"""The registers' pages over HTTP (no browser), on SQLite and PostgreSQL: a keeper adds and
changes entries through forms (each a ledger entry), errors show beside their field without
writing anything, readers see but cannot change, staff see only the organisations, the advisor
page names the entry that changed its answer, and a list's filter answers HTMX with its table."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import text

from commsgov.accounts import Actor
from commsgov.services import registers_exemptions, verify

from .conftest import Api, csrf_of, sign_in


def _post(client: Any, url: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _kinds(web: Api) -> list[str]:
    with web.store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT kind FROM ledger ORDER BY seq"))]


EXEMPTION = {
    "team": "Marine Directorate", "scope": "multi-agency response",
    "scenarios": ["multi-agency-response"], "starts_on": "2026-01-01", "ends_on": "2026-06-30",
    "approver": "DG Corporate", "mandate": "Letter 2026/01", "members": "bob\ncy@gov.scot",
}  # fmt: skip


def test_the_advisor_page_judges_the_day_in_the_settings_zone(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the exemption ends on 30 June; 23:30 UTC that day is already 1 July in London (the app's
    # settings' zone), whatever the environment says
    monkeypatch.setenv("COMMSGOV_TIMEZONE", "UTC")
    web.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    rita = sign_in(web, "rita", "records-manager")
    assert _post(rita, "/registers/exemptions", EXEMPTION, "/registers/exemptions").is_redirect
    web.clock.now = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    bob = sign_in(web, "bob", "staff")
    advice = bob.get("/", params={"scenario": "multi-agency-response", "channel": "WhatsApp"})
    assert "WhatsApp: not allowed" in advice.text
    assert "it has ended, so the answer is the policy" in advice.text


def test_a_keeper_records_an_exemption_and_staff_advice_follows_it(web: Api) -> None:
    web.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    rita = sign_in(web, "rita", "records-manager")
    page = rita.get("/registers/exemptions")
    assert page.status_code == 200 and 'id="add-team"' in page.text
    done = _post(rita, "/registers/exemptions", EXEMPTION, "/registers/exemptions")
    assert done.status_code == 303
    entry = rita.get(done.headers["location"])
    assert "The entry has been added to the register." in entry.text
    assert "Marine Directorate" in entry.text and "Active" in entry.text
    assert "Multi-agency group response work" in entry.text  # the scenario by its title
    (view,) = registers_exemptions.list_exemptions(web.store, actor=Actor.cli("t"),
                                                   now=web.clock.now)  # fmt: skip
    assert view.entry.members == ("bob", "cy@gov.scot")
    bob = sign_in(web, "bob", "staff")
    advice = bob.get("/", params={"scenario": "multi-agency-response", "channel": "WhatsApp"})
    assert "WhatsApp: allowed with conditions" in advice.text
    assert "From the registers" in advice.text and "this changed the answer" in advice.text
    # the change form: a new last day, with the reason
    uid = view.entry.uid
    form = {**EXEMPTION, "ends_on": "2026-12-31", "reason": "extended by the DG"}
    changed = _post(rita, f"/registers/exemptions/{uid}", form, f"/registers/exemptions/{uid}")
    assert changed.status_code == 303
    assert _kinds(web) == ["exemption-granted", "exemption-changed"]
    assert verify(web.store, actor=Actor.cli("t")).ok


def test_an_error_shows_beside_its_field_and_writes_nothing(web: Api) -> None:
    rita = sign_in(web, "rita", "records-manager")
    bad = _post(rita, "/registers/exemptions", {**EXEMPTION, "ends_on": "2025-01-01"},
                "/registers/exemptions")  # fmt: skip
    assert bad.status_code == 400
    assert 'href="#add-ends_on"' in bad.text  # the error summary links to the field
    assert re.search(r'id="add-ends_on-error">[^<]*before the start', bad.text)
    assert 'value="Marine Directorate"' in bad.text  # what was typed is kept
    assert _kinds(web) == []
    # a domain already another organisation's: 409, beside the form
    org = {"organisation": "Skills Development Scotland", "domains": "sds.co.uk",
           "federated_since": "2025-01-01", "guests_since": "", "ifix_ref": "IF-1"}  # fmt: skip
    assert (
        _post(rita, "/registers/organisations", org, "/registers/organisations").status_code == 303
    )
    again = _post(rita, "/registers/organisations", {**org, "organisation": "SDS"},
                  "/registers/organisations")  # fmt: skip
    assert again.status_code == 409 and "sds.co.uk is Skills Development Scotland" in again.text


def test_who_sees_what(web: Api) -> None:
    staff = sign_in(web, "sam", "staff")
    assert staff.get("/registers/organisations").status_code == 200
    assert 'id="add-organisation"' not in staff.get("/registers/organisations").text
    for page in ("/registers", "/registers/exemptions", "/registers/groups", "/registers/phones"):
        assert staff.get(page).status_code == 403, page
    auditor = sign_in(web, "audrey", "auditor")
    for page in ("/registers", "/registers/exemptions", "/registers/groups", "/registers/phones"):
        found = auditor.get(page)
        assert found.status_code == 200, page
        assert (
            'action="/registers/' not in found.text.split("</main>")[0].split("Show</button>")[-1]
        )
    phone = {"requester": "Cat", "role": "PS", "reason": "on call"}
    refused = _post(auditor, "/registers/phones", phone, "/registers/phones")
    assert refused.status_code == 403


def test_groups_flag_and_overdue_and_the_filter_answers_htmx(web: Api) -> None:
    web.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    rita = sign_in(web, "rita", "records-manager")
    late = {"name": "Home late", "purpose": "travelling-home-late", "purpose_other": "",
            "owner": "ann", "members": "ann\nbob", "created_on": "2026-02-01",
            "disband_by": "2026-02-20"}  # fmt: skip
    other = {**late, "name": "Project chat", "purpose": "other",
             "purpose_other": "project updates", "disband_by": "2026-09-01"}  # fmt: skip
    for form in (late, other):
        assert _post(rita, "/registers/groups", form, "/registers/groups").status_code == 303
    listing = rita.get("/registers/groups").text
    assert "Overdue" in listing and "Purpose not permitted" in listing
    fragment = rita.get("/registers/groups", params={"state": "overdue"},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Home late" in fragment.text and "Project chat" not in fragment.text
    overview = rita.get("/registers").text
    assert "Home late was to be disbanded by 2026-02-20" in overview
    assert "project updates" in overview
    uid = re.search(r'href="/registers/groups/([0-9a-f]{32})">Home late', listing)
    assert uid is not None
    here = f"/registers/groups/{uid[1]}"
    done = _post(rita, f"{here}/disband", {"disbanded_on": "", "reason": "deleted"}, here)
    assert done.status_code == 303
    assert "Disbanded" in rita.get(here).text and "Record that it was disbanded" not in rita.get(
        here).text  # fmt: skip


def test_a_phone_request_and_its_decision(web: Api) -> None:
    web.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    ada = sign_in(web, "ada", "admin")
    made = _post(ada, "/registers/phones", {"requester": "Cat Brown", "role": "PS",
                                            "reason": "on call", "requested_on": ""},
                 "/registers/phones")  # fmt: skip
    assert made.status_code == 303
    here = made.headers["location"].split("?")[0]
    decision = {"decision": "refused", "decided_by": "Dee (BCLO)", "decided_on": "",
                "note": "not role-based"}  # fmt: skip
    decided = _post(ada, f"{here}/decision", decision, here)
    assert decided.status_code == 303
    page = ada.get(here).text
    assert "Refused" in page and "Dee (BCLO)" in page and "2026-03-02" in page
    assert "Record the officer&#39;s decision" not in page
    assert "budget centre liaison officer (BCLO)" in page  # the passage it rests on

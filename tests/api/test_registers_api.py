"""The registers over HTTP (SQLite and PostgreSQL): records managers and admins keep them,
auditors read them, staff read only the organisations; the advisor's answers over HTTP name
the entries that changed them, for the signed-in user; bad input is a 422 naming the field, a
conflict a 409; every change is a ledger entry verify replays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from commsgov.services import Actor, verify

from .conftest import EXEMPTION, WHATSAPP, Api


def _post(client: Any, csrf: str, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json=body, headers={"X-CSRF-Token": csrf})


def test_an_exemption_changes_the_answer_of_its_member_and_reverts(api: Api) -> None:
    api.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    keeper, csrf = api.session("rita", "records-manager")
    made = _post(keeper, csrf, "/api/v1/registers/exemptions", EXEMPTION)
    assert made.status_code == 201, made.text
    uid = made.json()["entry"]["uid"]
    assert made.json()["state"] == "active"
    bob, _ = api.session("bob", "staff")  # a member: the signed-in user is the asker
    during = bob.get("/api/v1/advise", params=WHATSAPP).json()
    assert during["verdict"] == "conditional"
    assert during["registers"] == [{
        "register": "transition-exemptions", "uid": uid, "effect": "applied",
        "label": "Marine Directorate: transition period (multi-agency response), 2026-01-01 to"
                 " 2026-06-30",
    }]  # fmt: skip
    cy, _ = api.session("cy", "staff")  # not a member, naming no team
    assert cy.get("/api/v1/advise", params=WHATSAPP).json()["verdict"] == "not-allowed"
    named = cy.get("/api/v1/advise", params={**WHATSAPP, "team": "Marine Directorate"}).json()
    assert named["verdict"] == "conditional"
    api.clock.now = dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC)
    bob, _ = api.session("bob", "staff")  # months later: a new session
    after = bob.get("/api/v1/advise", params=WHATSAPP).json()
    assert after["verdict"] == "not-allowed" and after["registers"][0]["effect"] == "ended"
    auditor, _ = api.session("audrey", "auditor")
    report = auditor.get("/api/v1/registers/exemptions/in-use").json()
    assert [(i["uid"], i["citations"][0]["cited_by"]) for i in report["items"]] == [(uid, "bob")]
    assert verify(api.store, actor=Actor.cli("test")).ok


def test_who_may_read_and_change_each_register(api: Api) -> None:
    staff, csrf = api.session("sam", "staff")
    assert _post(staff, csrf, "/api/v1/registers/exemptions", EXEMPTION).status_code == 403
    assert staff.get("/api/v1/registers/exemptions").status_code == 403
    assert staff.get("/api/v1/registers/organisations").status_code == 200
    auditor, csrf = api.session("audrey", "auditor")
    assert auditor.get("/api/v1/registers/groups").status_code == 200
    phone = {"requester": "Cat", "role": "PS", "reason": "on call"}
    assert _post(auditor, csrf, "/api/v1/registers/phones", phone).status_code == 403
    admin, csrf = api.session("ada", "admin")
    made = _post(admin, csrf, "/api/v1/registers/phones",
                 {"requester": "Cat", "role": "PS", "reason": "on call",
                  "requested_on": "2026-11-01"})  # fmt: skip
    assert made.status_code == 201 and made.json()["status"] == "pending"


def test_organisations_answer_double_star_cells_and_stay_unambiguous(api: Api) -> None:
    api.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    keeper, csrf = api.session("rita", "records-manager")
    body = {"organisation": "Skills Development Scotland", "domains": ["sds.co.uk"],
            "federated_since": "2025-01-01", "ifix_ref": "IF-1001"}  # fmt: skip
    made = _post(keeper, csrf, "/api/v1/registers/organisations", body)
    assert made.status_code == 201 and made.json()["federated"] is True
    again = _post(keeper, csrf, "/api/v1/registers/organisations",
                  {**body, "organisation": "SDS"})  # fmt: skip
    assert again.status_code == 409 and "sds.co.uk" in again.json()["detail"]
    staff, csrf = api.session("sam", "staff")
    chat = {"scenario": "external-day-to-day", "channel": "teams-chat"}
    assert staff.get("/api/v1/advise", params={**chat, "with": "ann@sds.co.uk"}).json()[
        "verdict"] == "allowed"  # fmt: skip
    other = staff.get("/api/v1/advise", params={**chat, "with": "ann@example.org"}).json()
    assert other["verdict"] == "conditional" and other["registers"] == []
    asked = _post(staff, csrf, "/api/v1/ask",
                  {"question": "Can I use Teams chat with our contact at Skills Development "
                               "Scotland?"})  # fmt: skip
    assert asked.json()["verdict"] == "allowed"
    assert asked.json()["registers"][0]["uid"] == made.json()["entry"]["uid"]


def test_bad_input_names_the_field(api: Api) -> None:
    keeper, csrf = api.session("rita", "records-manager")
    backwards = _post(keeper, csrf, "/api/v1/registers/exemptions",
                      {**EXEMPTION, "ends_on": "2025-01-01"})  # fmt: skip
    assert backwards.status_code == 422 and backwards.json()["field"] == "ends_on"
    unknown = _post(keeper, csrf, "/api/v1/registers/exemptions",
                    {**EXEMPTION, "scenarios": ["no-such-scenario"]})  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["field"] == "scenarios"
    missing = keeper.get("/api/v1/registers/groups/00000000")
    assert missing.status_code == 404
    change = keeper.patch("/api/v1/registers/exemptions/00000000", json={"reason": "x"},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert change.status_code == 404


def test_groups_overdue_and_reminders(api: Api) -> None:
    api.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    keeper, csrf = api.session("rita", "records-manager")
    made = _post(keeper, csrf, "/api/v1/registers/groups", {
        "name": "Home late", "purpose": "travelling-home-late", "owner": "ann",
        "created_on": "2026-02-01", "disband_by": "2026-02-20", "members": ["ann"],
    })  # fmt: skip
    assert made.status_code == 201 and made.json()["state"] == "overdue"
    flagged = _post(keeper, csrf, "/api/v1/registers/groups", {
        "name": "Project chat", "purpose": "project updates", "owner": "bob",
        "created_on": "2026-02-01", "disband_by": "2026-09-01",
    })  # fmt: skip
    assert flagged.json()["permitted"] is False
    due = keeper.get("/api/v1/registers/reminders").json()
    assert due["overdue"] == 1
    assert [(r["level"], r["name"]) for r in due["items"]] == [
        ("overdue", "Home late"), ("flagged", "Project chat"),
    ]  # fmt: skip
    overdue = keeper.get("/api/v1/registers/groups", params={"state": "overdue"}).json()
    assert [g["entry"]["name"] for g in overdue] == ["Home late"]
    uid = made.json()["entry"]["uid"]
    done = _post(keeper, csrf, f"/api/v1/registers/groups/{uid}/disband", {"reason": "deleted"})
    assert done.status_code == 200 and done.json()["state"] == "disbanded"
    twice = _post(keeper, csrf, f"/api/v1/registers/groups/{uid}/disband", {"reason": "again"})
    assert twice.status_code == 409
    assert keeper.get("/api/v1/registers/reminders").json()["overdue"] == 0
    purposes = keeper.get("/api/v1/registers/purposes").json()
    assert {"wellbeing-check", "staff-attendance"} <= {p["id"] for p in purposes}


def test_a_phone_request_is_decided_once(api: Api) -> None:
    api.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    keeper, csrf = api.session("rita", "records-manager")
    made = _post(keeper, csrf, "/api/v1/registers/phones",
                 {"requester": "Cat", "role": "PS", "reason": "on call"}).json()  # fmt: skip
    url = f"/api/v1/registers/phones/{made['uid']}/decision"
    decided = _post(keeper, csrf, url, {"decision": "approved", "decided_by": "Dee (BCLO)"})
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["decided_on"]) == ("approved", "2026-03-02")
    assert _post(keeper, csrf, url, {"decision": "refused"}).status_code == 409
    assert verify(api.store, actor=Actor.cli("test")).ok

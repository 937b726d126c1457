"""The pages over HTTP (no browser): sign-in, the advisor, the question box, administration and
the audit trail, on SQLite and PostgreSQL. Each answer is checked against the function the
command line calls, and each change against the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from markupsafe import escape

import commsgov
from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.config import Settings
from commsgov.policy.cache import compiled_pack
from commsgov.services import audit, users
from commsgov.web.present import VERDICTS

from .conftest import PASSWORD, Api, csrf_of, sign_in, sign_in_token


def _events(web: Api, action: str) -> list[Any]:
    return audit.search(web.store, audit.AuditFilter(action=action), actor=Actor.cli("t"))


def _post(client: Any, url: str, data: dict[str, Any], page: str = "/") -> Any:
    """Post a form with the session's CSRF token taken from ``page``."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


# -- signing in -----------------------------------------------------------------------------
def test_a_page_sends_a_stranger_to_sign_in_and_back(web: Api) -> None:
    client = web.client()
    first = client.get("/matrix?x=1", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/sign-in?next=/matrix%3Fx%3D1")
    web.user("ann", "staff")
    token = sign_in_token(client)
    login = {"username": "ann", "password": PASSWORD, "csrf_token": token}
    done = client.post("/sign-in", data={**login, "next": "/matrix?x=1"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/matrix?x=1")
    assert "HttpOnly" in done.headers["set-cookie"]
    assert "The channels matrix" in client.get("/matrix").text
    # a next address on another site is never followed
    other = web.client()
    login["csrf_token"] = sign_in_token(other)
    away = other.post("/sign-in", data={**login, "next": "//evil.example/"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(web: Api) -> None:
    web.user("ann", "staff")
    answers = []
    for name in ("ann", "ghost"):
        client = web.client()
        login = {"username": name, "password": "not it at all", "csrf_token": sign_in_token(client)}
        answer = client.post("/sign-in", data=login)
        assert answer.status_code == 401
        answers.append(re.sub(r'value="[^"]*"', "", answer.text))
    assert answers[0] == answers[1].replace("ghost", "ann")
    assert "The username or password is not right" in answers[0]
    reasons = [json.loads(e.details)["reason"] for e in _events(web, "sign-in-failed")]
    assert sorted(reasons) == ["bad-password", "unknown-user"]


def test_throttling_says_the_same_whether_or_not_the_account_exists(web: Api) -> None:
    web.user("ann", "staff")
    last = {}
    for name in ("ann", "ghost"):
        client = web.client()
        for _ in range(6):
            login = {
                "username": name,
                "password": "wrong password",
                "csrf_token": sign_in_token(client),
            }
            answer = client.post("/sign-in", data=login)
        assert answer.status_code == 429
        last[name] = answer.text
    assert "Too many failed sign-ins. Wait 1 minute, then try again." in last["ann"]
    assert "Too many failed sign-ins. Wait 1 minute, then try again." in last["ghost"]
    # the right password is refused too while the account name is locked
    client = web.client()
    login = {"username": "ann", "password": PASSWORD, "csrf_token": sign_in_token(client)}
    assert client.post("/sign-in", data=login).status_code == 429


def test_the_sign_in_form_without_its_token_is_refused(web: Api) -> None:
    web.user("ann", "staff")
    client = web.client()
    sign_in_token(client)  # the cookie is set, but the form field is missing
    answer = client.post("/sign-in", data={"username": "ann", "password": PASSWORD})
    assert answer.status_code == 403 and "The sign-in form had expired" in answer.text
    assert "commsgov_session" not in answer.headers.get("set-cookie", "")
    assert _events(web, "signed-in") == []


def test_a_one_time_password_must_be_changed_first(web: Api) -> None:
    admin = sign_in(web, "root", "admin")
    made = _post(admin, "/admin/users", {"username": "bob", "roles": "staff",
                                         "display_name": "Bob Jones"}, "/admin/users")  # fmt: skip
    assert made.status_code == 200
    found = re.search(r'<code id="one-time-password">([^<]+)</code>', made.text)
    assert found is not None
    # shown once: not on the list of users afterwards
    assert found[1] not in admin.get("/admin/users").text
    bob = web.client()
    login = {"username": "bob", "password": found[1], "csrf_token": sign_in_token(bob)}
    signed = bob.post("/sign-in", data=login, follow_redirects=False)
    assert signed.headers["location"] == "/password"
    assert bob.get("/", follow_redirects=False).headers["location"] == "/password"
    page = bob.get("/password").text
    assert "You signed in with a one-time password" in page
    new = {"current_password": found[1], "new_password": "a new long password",
           "confirm_password": "a new long password", "csrf_token": csrf_of(page)}  # fmt: skip
    changed = bob.post("/password", data=new, follow_redirects=False)
    assert changed.headers["location"] == "/?password_changed=1"
    assert "Your password has been changed." in bob.get(changed.headers["location"]).text
    created = _events(web, "user-created")[0]
    assert (created.actor, created.source, created.target) == ("root", "http", "user:bob")
    assert len(_events(web, "password-changed")) == 1


def test_a_form_without_the_session_csrf_token_is_refused(web: Api) -> None:
    admin = sign_in(web, "root", "admin")
    for token in (None, "wrong"):
        data = {"username": "eve", "roles": "admin"} | ({"csrf_token": token} if token else {})
        answer = admin.post("/admin/users", data=data)
        assert answer.status_code == 403
        assert "This form could not be accepted" in answer.text
    assert [u.username for u in users.list_users(web.store)] == ["root"]


def test_sign_out_ends_the_session(web: Api) -> None:
    client = sign_in(web, "ann", "staff")
    out = _post(client, "/sign-out", {})
    assert out.headers["location"] == "/sign-in?signed_out=1"
    assert client.get("/", follow_redirects=False).status_code == 303
    assert len(_events(web, "signed-out")) == 1


# -- the advisor ----------------------------------------------------------------------------
@pytest.mark.parametrize("outage", [False, True])
def test_the_advisor_answers_what_advise_answers(web: Api, outage: bool) -> None:
    client = sign_in(web, "ann", "staff")
    url = "/?scenario=logistics&channel=WhatsApp" + ("&outage=true" if outage else "")
    expected = commsgov.advise(scenario="logistics", channel="whatsapp", outage=outage)
    page = client.get(url).text
    label = VERDICTS[expected.verdict][0]
    assert f"WhatsApp: {label.lower()}" in page
    for line in (*expected.conditions, *expected.duties):
        assert escape(line) in page
    # HTMX asks for the answer alone: the same block of the same template
    part = client.get(url, headers={"HX-Request": "true"}).text
    assert "<html" not in part and f"WhatsApp: {label.lower()}" in part
    assert part.strip() in page


def test_the_advisor_without_a_channel_answers_for_every_channel(web: Api) -> None:
    client = sign_in(web, "ann", "staff")
    page = client.get("/?scenario=logistics&outage=true").text
    for channel in compiled_pack().channels.values():
        assert channel.name in page
    # each links to its own answer with the same boxes ticked
    assert 'href="/?scenario=logistics&amp;outage=true&amp;channel=WhatsApp"' in page


def test_a_misspelt_channel_is_shown_beside_its_field(web: Api) -> None:
    client = sign_in(web, "ann", "staff")
    answer = client.get("/?scenario=logistics&channel=whatsap")
    assert answer.status_code == 400
    assert "ds_error-summary" in answer.text and "Did you mean whatsapp" in answer.text
    assert client.get("/?channel=email").status_code == 400  # no scenario chosen


def test_the_question_box_and_the_api_answer_as_commsgov_ask(web: Api) -> None:
    question = "SCOTS is down after a cyber attack, can we use Signal?"
    expected = commsgov.ask(question)
    client = sign_in(web, "ann", "staff")
    page = _post(client, "/ask", {"question": question}).text
    assert expected.verdict is not None
    assert VERDICTS[expected.verdict][0] in page and expected.summary in page
    bearer = {"Authorization": f"Bearer {web.token('robot', 'staff')}"}
    api = web.client(headers=bearer).post("/api/v1/ask", json={"question": question})
    assert api.status_code == 200 and api.json() == expected.to_dict()
    empty = _post(client, "/ask", {"question": "  "})
    assert empty.status_code == 400 and "Type your question" in empty.text


def test_matrix_scenario_and_channel_pages(web: Api) -> None:
    client = sign_in(web, "ann", "staff")
    pack = compiled_pack()
    matrix = client.get("/matrix").text
    for scenario in pack.scenarios.values():
        assert f'href="/scenarios/{scenario.id}"' in matrix
    for note in pack.footnotes.values():
        assert note.said.text in matrix
    page = client.get("/scenarios/logistics").text
    assert pack.scenarios["logistics"].title in page
    moved = client.get("/channels/Threema", follow_redirects=False)
    assert moved.headers["location"] == "/channels/other-mma"
    assert "Corporate document" not in client.get("/channels/whatsapp").text
    assert client.get("/scenarios/nowhere").status_code == 404
    assert client.get("/no-such-page").status_code == 404


# -- roles ----------------------------------------------------------------------------------
def test_staff_cannot_open_admin_or_audit_pages(web: Api) -> None:
    client = sign_in(web, "ann", "staff")
    for url in ("/admin/users", "/admin/tokens", "/admin/pack", "/audit"):
        answer = client.get(url)
        assert answer.status_code == 403 and "You cannot open this page" in answer.text
    refused = _events(web, "permission-refused")
    assert sorted(e.target for e in refused) == [
        "action:web.audit", "action:web.pack", "action:web.tokens", "action:web.users"
    ]  # fmt: skip
    # and the navigation does not offer them
    assert "/admin/users" not in client.get("/").text


def test_an_auditor_reads_users_but_changes_nothing(web: Api) -> None:
    client = sign_in(web, "aud", "auditor")
    page = client.get("/admin/users").text
    assert "aud" in page and "Add a user" not in page
    answer = _post(client, "/admin/users", {"username": "x", "roles": "staff"}, "/admin/users")
    assert answer.status_code == 403


def test_admin_changes_roles_disables_and_resets(web: Api) -> None:
    admin = sign_in(web, "root", "admin")
    web.user("ann", "staff")
    page = "/admin/users/ann"
    moved = _post(admin, "/admin/users/ann/roles", {"roles": ["staff", "auditor"]}, page)
    assert moved.headers["location"] == "/admin/users/ann?done=roles"
    assert users.get_user(web.store, "ann").roles == ("staff", "auditor")
    _post(admin, "/admin/users/ann/disable", {}, page)
    assert users.get_user(web.store, "ann").disabled
    _post(admin, "/admin/users/ann/enable", {}, page)
    assert not users.get_user(web.store, "ann").disabled
    reset = _post(admin, "/admin/users/ann/password", {}, page)
    assert re.search(r'<code id="one-time-password">[^<]{8,}</code>', reset.text)
    # the last admin cannot remove their own admin role
    last = _post(admin, "/admin/users/root/roles", {"roles": "staff"}, "/admin/users/root")
    assert last.status_code == 409 and "last enabled admin" in last.text
    kinds = [e.action for e in reversed(audit.search(web.store, audit.AuditFilter(actor="root"),
                                                     actor=Actor.cli("t")))]  # fmt: skip
    assert kinds[-4:] == ["roles-changed", "user-disabled", "user-enabled", "password-reset"]


def test_admin_makes_and_revokes_a_token(web: Api) -> None:
    admin = sign_in(web, "root", "admin")
    made = _post(admin, "/admin/tokens", {"name": "nightly export", "expires": "2099-01-31"},
                 "/admin/tokens")  # fmt: skip
    found = re.search(r'<code id="new-token">(cgv_[^<]+)</code>', made.text)
    assert found is not None
    robot = web.client(headers={"Authorization": f"Bearer {found[1]}"})
    assert robot.get("/api/v1/auth/me").json()["username"] == "root"
    token_id = _events(web, "token-created")[0].target.removeprefix("token:")
    _post(admin, f"/admin/tokens/{token_id}/revoke", {}, "/admin/tokens")
    assert robot.get("/api/v1/auth/me").status_code == 401
    bad = _post(admin, "/admin/tokens", {"name": "x", "expires": "2001-01-01"}, "/admin/tokens")
    assert bad.status_code == 400 and "must be in the future" in bad.text


def test_times_on_the_admin_pages_are_read_in_the_settings_zone(web: Api) -> None:
    # a winter sign-in (London is on UTC) and a summer one (an hour ahead), to the minute
    web.clock.now = dt.datetime(2026, 12, 1, 7, 40, 58, 27563, tzinfo=dt.UTC)
    admin = sign_in(web, "root", "admin")
    web.clock.now = dt.datetime(2026, 7, 1, 7, 40, tzinfo=dt.UTC)
    sign_in(web, "ann", "staff")
    web.user("bob", "staff")
    listing = admin.get("/admin/users").text
    winter = '<time datetime="2026-12-01T07:40:58.027563Z">1 December 2026, 07:40</time>'
    assert winter in listing
    assert '<time datetime="2026-07-01T07:40:00.000000Z">1 July 2026, 08:40</time>' in listing
    assert 'data-label="Last signed in">never</td>' in listing
    assert "T07:40:58.027563Z</td>" not in listing  # no raw ISO text left for people
    own = admin.get("/admin/users/root").text
    assert f'Last signed in</dt><dd class="ds_summary-list__value">{winter}' in own
    made = _post(admin, "/admin/tokens", {"name": "nightly", "expires": "2099-01-31"},
                 "/admin/tokens")  # fmt: skip
    assert ">31 January 2099, 00:00</time>" in made.text
    # the same store shown by an app set to another zone
    tokyo = Settings(database_url=web.store.url, data_dir=web.settings.data_dir,
                     timezone="Asia/Tokyo")  # fmt: skip
    app = create_app(tokyo, store=web.store, clock=web.clock)
    there = Api(app, web.store, web.clock, tokyo, _made=web._made)  # (the users are made)
    page = sign_in(there, "carol", "admin").get("/admin/users").text
    assert ">1 December 2026, 16:40</time>" in page and ">1 July 2026, 16:40</time>" in page


def test_the_pack_page_shows_the_validation_report(web: Api) -> None:
    client = sign_in(web, "root", "admin")
    page = client.get("/admin/pack").text
    assert "Valid" in page and "Corporate communication channels" in page


# -- the audit trail ------------------------------------------------------------------------
def test_the_audit_page_filters_exports_and_verifies(web: Api) -> None:
    sign_in(web, "root", "admin")
    web.user("ann", "staff")
    client = sign_in(web, "aud", "auditor")
    page = client.get("/audit?action=signed-in").text
    assert page.count('data-label="What">signed-in') == 2
    bad = client.get("/audit?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.text and "ds_error-summary" in bad.text
    exported = client.get("/audit/export?format=csv&action=signed-in")
    assert exported.headers["content-disposition"] == 'attachment; filename="audit.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["actor"] for r in rows] == ["root", "aud"]
    as_json = client.get("/audit/export?format=json&action=signed-in").json()
    assert as_json["count"] == 2
    assert "Intact" in client.get("/audit/verify").text
    assert _events(web, "audit-verified") and len(_events(web, "audit-exported")) == 2
    searched = [json.loads(e.details)["filters"] for e in _events(web, "audit-searched")]
    assert {"action": "signed-in"} in searched

"""Signing in over HTTP: cookies, CSRF (header and form field), throttling, expiry, headers,
problem details, and trusted proxies."""

from __future__ import annotations

import datetime as dt
import json

from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.config import Settings
from commsgov.services import audit, users

from .conftest import PASSWORD, Api

LOGIN = "/api/v1/auth/login"


def test_login_sets_a_safe_cookie_and_a_new_session_each_time(api: Api) -> None:
    api.user("ann", "staff")
    client = api.client()
    first = client.post(LOGIN, json={"username": "ann", "password": PASSWORD})
    assert first.status_code == 200, first.text
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    old = client.cookies.get("commsgov_session")
    again = client.post(LOGIN, json={"username": "ann", "password": PASSWORD})
    assert client.cookies.get("commsgov_session") != old
    assert again.json()["csrf_token"] != first.json()["csrf_token"]
    me = client.get("/api/v1/auth/me").json()
    assert (me["username"], me["roles"], me["via"]) == ("ann", ["staff"], "session")
    over_tls = api.client(base_url="https://testserver")
    secure = over_tls.post(LOGIN, json={"username": "ann", "password": PASSWORD})
    assert "Secure" in secure.headers["set-cookie"]


def test_wrong_password_and_unknown_user_get_the_same_answer_then_429(api: Api) -> None:
    api.user("ann", "staff")
    client = api.client()
    bodies = {}
    for name in ("ann", "ghost"):
        answers = [
            client.post(LOGIN, json={"username": name, "password": "not the password"})
            for _ in range(6)
        ]
        assert [a.status_code for a in answers] == [401] * 5 + [429]
        assert answers[5].headers["retry-after"] == "60"
        bodies[name] = [a.json() for a in answers]
    assert bodies["ann"] == bodies["ghost"]
    assert bodies["ann"][0]["detail"] == "invalid username or password"


def test_csrf_is_required_for_cookie_changes_as_header_or_form_field(api: Api) -> None:
    client, csrf = api.session("boss", "admin")
    body = {"username": "cy", "roles": ["staff"], "password": PASSWORD}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf")
    wrong = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    assert (
        client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    )
    # a plain HTML form post: the token as a form field works, and is required
    assert client.post("/api/v1/auth/logout", data={"other": "x"}).status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout", data={"csrf_token": csrf}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    # a bearer token needs no CSRF token
    robot = api.client(headers={"Authorization": f"Bearer {api.token('robot', 'admin')}"})
    made = robot.post("/api/v1/users", json={**body, "username": "dee"})
    assert made.status_code == 201


def test_disabling_a_user_or_changing_roles_ends_their_session(api: Api) -> None:
    ann, _ = api.session("ann", "staff", "auditor")
    boss, csrf = api.session("boss", "admin")
    assert ann.get("/api/v1/audit").status_code == 200
    headers = {"X-CSRF-Token": csrf}
    changed = boss.put("/api/v1/users/ann/roles", json={"roles": ["staff"]}, headers=headers)
    assert changed.json()["roles"] == ["staff"]
    assert ann.get("/api/v1/auth/me").status_code == 401
    ann, _ = api.session("ann")
    assert boss.post("/api/v1/users/ann/disable", headers=headers).json()["disabled"] is True
    assert ann.get("/api/v1/auth/me").status_code == 401


def test_sessions_expire_when_idle_and_absolutely(api: Api) -> None:
    client, _ = api.session("ann", "staff")
    api.clock.now += dt.timedelta(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200
    api.clock.now += dt.timedelta(minutes=31)
    expired = client.get("/api/v1/auth/me")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_one_time_password_must_be_changed_first(api: Api) -> None:
    made = users.add_user(api.store, username="new", roles=["staff"], actor=Actor.cli("t"))
    client = api.client()
    signed = client.post(LOGIN, json={"username": "new", "password": made.password})
    assert signed.json()["must_change_password"] is True
    csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
    blocked = client.get("/api/v1/scenarios")
    assert blocked.status_code == 403 and blocked.json()["type"].endswith(
        "password-change-required"
    )
    change = "/api/v1/auth/password"
    short = client.post(
        change, headers=csrf, json={"current_password": made.password, "new_password": "short"}
    )
    assert short.status_code == 422 and short.json()["field"] == "new_password"
    done = client.post(
        change, headers=csrf, json={"current_password": made.password, "new_password": PASSWORD}
    )
    assert done.status_code == 204
    assert client.get("/api/v1/scenarios").status_code == 200


def test_security_headers_and_problem_details_on_every_answer(api: Api) -> None:
    client = api.client()
    for response in (
        client.get("/api/v1/health"),
        client.get("/api/v1/nowhere"),
        client.get("/api/v1/users"),
        client.post(LOGIN, json={"username": 5}),
    ):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    bad = client.post(LOGIN, json={"username": "ann"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["field"] == "password"
    broken = client.post(LOGIN, content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422
    staff, _ = api.session("ann", "staff")
    unknown = staff.get("/api/v1/advise", params={"scenario": "nope"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "scenario"


def test_forwarded_for_is_believed_only_from_trusted_proxies(api: Api) -> None:
    api.user("ann", "staff")
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    body = {"username": "ann", "password": "wrong password"}
    api.client(headers=forwarded).post(LOGIN, json=body)
    trusting = Settings(database_url=api.settings.database_url, trusted_proxies="10.0.0.1")
    app = create_app(trusting, store=api.store, clock=api.clock)
    from fastapi.testclient import TestClient

    behind = TestClient(app, client=("10.0.0.1", 5000), headers=forwarded)
    behind.post(LOGIN, json=body)
    entries = audit.search(api.store, audit.AuditFilter(action="sign-in-failed"),
                           actor=Actor.cli("t"))  # fmt: skip
    assert [e.address for e in entries] == ["203.0.113.9", "testclient"]
    assert json.loads(entries[0].details)["reason"] == "bad-password"


def test_the_caller_is_one_actor_with_the_users_id_and_roles(api: Api) -> None:
    """The actor every service gets from the API is the one Actor, naming the signed-in user's
    id and roles (by session or by token) and the client's address and user agent."""
    from starlette.requests import Request

    from commsgov.api.deps import client_actor
    from commsgov.services import sessions, tokens
    from commsgov.store import repo_accounts

    client, _csrf = api.session("ann", "staff", "auditor")
    with api.store.read() as conn:
        ann_id = repo_accounts.user_row(conn, username="ann").id
    token = api.token("ann", "staff", "auditor")
    request = Request(
        {"type": "http", "client": ("192.0.2.5", 5000), "headers": [(b"user-agent", b"probe/1")]}
    )
    secret = client.cookies.get("commsgov_session")
    for principal in (
        sessions.resolve_session(api.store, secret, now=api.clock()),
        tokens.authenticate_token(api.store, token, now=api.clock()),
    ):
        actor = client_actor(request, principal)
        assert actor == Actor(
            name="ann",
            via="192.0.2.5",
            user_agent="probe/1",
            user_id=ann_id,
            roles=frozenset({"staff", "auditor"}),
        )
        assert (actor.source, actor.address) == ("http", "192.0.2.5")
    nobody = client_actor(Request({"type": "http", "client": None, "headers": []}))
    assert (nobody.name, nobody.via, nobody.address, nobody.user_id, nobody.roles) == (
        "-",
        "unknown",
        None,
        None,
        frozenset(),
    )

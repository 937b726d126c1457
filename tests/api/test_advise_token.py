"""``/advise`` with a bearer token (SQLite and PostgreSQL) reads the token, its user and the
ledger's head in one statement on every request, and keeps nothing of the token between
requests: a revocation, a disabled user, a changed role or an expiry counts from the very next
request, and a register change from the very next answer, in this worker and in another one on
the same database (one that has the registers kept from before the change)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from commsgov.accounts import Actor
from commsgov.accounts.credentials import parse_token
from commsgov.api.app import create_app
from commsgov.services import tokens, users
from commsgov.store.handle import open_store

from .conftest import EXEMPTION, WHATSAPP, Api, Clock

ADMIN = Actor.cli("test")
ADVISE = "/api/v1/advise"
QUESTION = {"scenario": "logistics", "channel": "whatsapp", "outage": "true"}


def _status(client: Any, headers: dict[str, str] | None = None) -> int:
    answer = client.get(ADVISE, params=QUESTION, headers=headers or {})
    if answer.status_code != 200:  # a problem, as every refusal is
        assert answer.headers["content-type"] == "application/problem+json", answer.text
    return int(answer.status_code)


def test_a_token_stops_or_narrows_on_the_very_next_request(api: Api) -> None:
    token = api.token("tom", "staff")
    client = api.client(headers={"Authorization": f"Bearer {token}"})
    assert _status(client) == 200
    # its role taken away (every role may ask, but the token acts only as staff): refused
    users.set_roles(api.store, "tom", ["auditor"], actor=ADMIN, now=api.clock())
    assert _status(client) == 403
    users.set_roles(api.store, "tom", ["staff"], actor=ADMIN, now=api.clock())
    assert _status(client) == 200
    users.set_disabled(api.store, "tom", True, actor=ADMIN, now=api.clock())
    assert _status(client) == 401
    users.set_disabled(api.store, "tom", False, actor=ADMIN, now=api.clock())
    assert _status(client) == 200
    # expiry by the app's clock: good until the minute, refused at it
    short = tokens.create_token(api.store, username="tom", name="short", actor=ADMIN,
                                expires_at=api.clock() + dt.timedelta(minutes=1),
                                now=api.clock())  # fmt: skip
    bearer = {"Authorization": f"Bearer {short.token}"}
    assert _status(api.client(), bearer) == 200
    api.clock.now += dt.timedelta(minutes=1)
    assert _status(api.client(), bearer) == 401
    assert _status(client) == 200  # the other token has no expiry
    token_id = parse_token(token)[0]  # type: ignore[index]
    tokens.revoke_token(api.store, token_id, actor=ADMIN, now=api.clock())
    assert _status(client) == 401
    # a wrong secret for a known id is refused as well (the token's row is read every time)
    assert _status(api.client(), {"Authorization": f"Bearer {token[:-3]}xyz"}) == 401


def test_a_register_change_counts_from_the_next_answer_in_every_worker(
    api: Api, tmp_path: Path
) -> None:
    """Another worker: an app on a second store opened on the same database, with the
    registers it keeps (by the ledger's head) read before the change."""
    api.clock.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    other_store = open_store(api.store.url, blob_dir=tmp_path / "other", migrate=False)
    try:
        other = create_app(api.settings, store=other_store, clock=Clock(api.clock.now))
        token = api.token("bob", "staff")
        bearer = {"Authorization": f"Bearer {token}"}
        here, there = api.client(headers=bearer), TestClient(other, headers=bearer)
        for client in (here, there):  # each keeps the registers as they are: empty
            assert client.get(ADVISE, params=WHATSAPP).json()["verdict"] == "not-allowed"
        keeper, csrf = api.session("rita", "records-manager")
        made = keeper.post("/api/v1/registers/exemptions", json=EXEMPTION,
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert made.status_code == 201, made.text
        uid = made.json()["entry"]["uid"]
        for client in (here, there):
            answer = client.get(ADVISE, params=WHATSAPP).json()
            assert answer["verdict"] == "conditional", answer
            assert [r["uid"] for r in answer["registers"]] == [uid]
        # bob taken out of its members: the next answer, in both, no longer applies it
        changed = keeper.patch(f"/api/v1/registers/exemptions/{uid}",
                               json={"members": [], "reason": "left the team"},
                               headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert changed.status_code == 200, changed.text
        for client in (here, there):
            assert client.get(ADVISE, params=WHATSAPP).json()["verdict"] == "not-allowed"
    finally:
        other_store.close()

"""The web suite: the app (API and pages) on a fresh store, SQLite and PostgreSQL, with a fixed
clock, and helpers to sign in through the sign-in page and read what a page shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commsgov.api.app import create_app
from commsgov.config import Settings
from tests.api.conftest import PASSWORD, Api, Clock

__all__ = ["PASSWORD", "Api", "csrf_of", "sign_in", "sign_in_token"]


@pytest.fixture
def web(store: Any) -> Iterator[Api]:
    clock = Clock()
    settings = Settings(database_url=store.url)
    yield Api(create_app(settings, store=store, clock=clock), store, clock, settings)


def sign_in_token(client: TestClient) -> str:
    """The sign-in form's own CSRF token (its cookie is now in ``client``)."""
    found = re.search(r'id="sign-in-token" value="([^"]+)"', client.get("/sign-in").text)
    assert found is not None
    return found[1]


def sign_in(web: Api, name: str, *roles: str, password: str = PASSWORD) -> TestClient:
    """A client signed in as ``name`` through the sign-in form."""
    web.user(name, *roles)
    client = web.client()
    answer = client.post(
        "/sign-in",
        data={"username": name, "password": password, "csrf_token": sign_in_token(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    """The session's CSRF token as a page's forms carry it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]

"""The API suite: an app on a fresh store (SQLite and PostgreSQL) with a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.api.security import COOKIE
from commsgov.config import Settings
from commsgov.services import sessions, tokens, users

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
ROLES = ("staff", "records-manager", "auditor", "admin")
# A transition exemption for the Marine Directorate and the question it changes the answer to
EXEMPTION = {
    "team": "Marine Directorate", "scope": "multi-agency response",
    "starts_on": "2026-01-01", "ends_on": "2026-06-30", "approver": "DG Corporate",
    "mandate": "Letter 2026/01", "members": ["bob"], "scenarios": ["multi-agency-response"],
}  # fmt: skip
WHATSAPP = {"scenario": "multi-agency-response", "channel": "whatsapp"}


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Api:
    """An app, its store and clock, and helpers to act as someone."""

    app: FastAPI
    store: Any
    clock: Clock
    settings: Settings
    _made: set[str] = field(default_factory=set)

    def client(self, **kwargs: Any) -> TestClient:
        """A client (no cookies yet)."""
        return TestClient(self.app, **kwargs)

    def user(self, name: str, *roles: str, phones: tuple[str, ...] = ()) -> None:
        """Make a user (once) holding ``roles`` (and ``phones``, identities in the record)."""
        if name not in self._made:
            users.add_user(self.store, username=name, roles=roles, actor=Actor.cli("test"),
                           password=PASSWORD, phones=phones, now=self.clock())  # fmt: skip
            self._made.add(name)

    def session(self, name: str, *roles: str) -> tuple[TestClient, str]:
        """A client signed in as ``name`` (a new session; no password hashing) and its CSRF
        token."""
        self.user(name, *roles)
        done = sessions.start_session(self.store, username=name, method="test",
                                      actor=Actor.cli("test"), now=self.clock())  # fmt: skip
        client = self.client()
        client.cookies.set(COOKIE, done.secret)
        return client, done.csrf_token

    def bearer(self, name: str, *roles: str, phones: tuple[str, ...] = ()) -> TestClient:
        """A client calling as ``name`` (made once, holding ``roles``) with a bearer token."""
        self.user(name, *roles, phones=phones)
        return self.client(headers={"Authorization": f"Bearer {self.token(name, *roles)}"})

    def token(self, name: str, *roles: str) -> str:
        """A bearer token of ``name``."""
        self.user(name, *roles)
        made = tokens.create_token(self.store, username=name, name="test", actor=Actor.cli("test"),
                                   now=self.clock())  # fmt: skip
        return made.token


@pytest.fixture
def api(store: Any, tmp_path: Path) -> Iterator[Api]:
    """The app on a fresh store (uploads and transfer packages under ``tmp_path``)."""
    clock = Clock()
    settings = Settings(database_url=store.url, data_dir=tmp_path / "data")
    yield Api(create_app(settings, store=store, clock=clock), store, clock, settings)

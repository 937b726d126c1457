"""Helpers for the accounts suite (runs on SQLite and PostgreSQL through ``store``)."""

from __future__ import annotations

import datetime as dt

from commsgov.accounts import Actor

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
ADMIN = Actor.cli("root")
WEB = Actor.http("-", address="192.0.2.7", user_agent="pytest")
PASSWORD = "correct horse battery"

"""The quick token read (every API request with a token) answers exactly what the ordinary
read answers, and a token checked that way is refused when revoked, expired or its user
disabled; SQLite (the DB-API path) and PostgreSQL (SQLAlchemy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from commsgov.accounts.credentials import parse_token
from commsgov.accounts.errors import NotAuthenticated
from commsgov.services import tokens, users
from commsgov.store import repo_accounts

from .conftest import ADMIN, PASSWORD, T0


def _row(store: Any, token: str) -> tuple[Any, Any]:
    token_id = parse_token(token)[0]  # type: ignore[index]
    with store.read() as conn:
        ordinary = repo_accounts.token_row(conn, token_id=token_id)
    return ordinary, repo_accounts.read_token_row(store.engine, token_id=token_id)


def test_the_quick_read_is_the_ordinary_read(store: Any) -> None:
    users.add_user(store, username="robot", roles=["auditor", "staff"], actor=ADMIN,
                   password=PASSWORD, now=T0)  # fmt: skip
    made = tokens.create_token(store, username="robot", name="n", actor=ADMIN, roles=["auditor"],
                               expires_at=T0 + dt.timedelta(days=2), now=T0)  # fmt: skip
    ordinary, quick = _row(store, made.token)
    assert ordinary is not None and quick is not None
    assert ordinary._fields == quick._fields
    # the same values (the quick read leaves a flag as SQLite stores it: 0 or 1)
    assert list(ordinary) == [bool(b) if isinstance(a, bool) else b
                              for a, b in zip(ordinary, quick, strict=True)]  # fmt: skip
    assert repo_accounts.read_token_row(store.engine, token_id="0" * 12) is None

    principal, due = tokens.check_token(store, made.token, now=T0)
    assert (principal.username, principal.roles, due) == ("robot", ("auditor",), True)
    tokens.touch_token(store, made.info.id, now=T0)
    assert tokens.check_token(store, made.token, now=T0 + dt.timedelta(seconds=30))[1] is False
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.check_token(store, made.token, now=T0 + dt.timedelta(days=3))
    users.set_disabled(store, "robot", True, actor=ADMIN, now=T0)
    with pytest.raises(NotAuthenticated, match="disabled"):
        tokens.check_token(store, made.token, now=T0)
    users.set_disabled(store, "robot", False, actor=ADMIN, now=T0)
    tokens.revoke_token(store, made.info.id, actor=ADMIN, now=T0)
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.check_token(store, made.token, now=T0)

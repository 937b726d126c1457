"""The quick token read (every API request with a token) answers exactly what the ordinary
read answers, with the ledger's head when asked, and a token checked that way is refused when
revoked, expired or its user disabled; SQLite and PostgreSQL (both on the DB-API connection).
On PostgreSQL the quick read skips the pool's pre-ping and survives connections the server
dropped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event

from commsgov.accounts.credentials import parse_token
from commsgov.accounts.errors import NotAuthenticated
from commsgov.records.ledger import GENESIS
from commsgov.services import tokens, users
from commsgov.services.registers_exemptions import grant_exemption
from commsgov.store import repo, repo_accounts
from commsgov.store.engine import UNPINGED, make_engine

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


def test_the_token_and_the_ledger_head_in_one_read(store: Any) -> None:
    """The advisor's one read: the token's checks as :func:`tokens.check_token` makes them,
    and the ledger's head as it is, read afresh each time."""
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD,
                   now=T0)  # fmt: skip
    made = tokens.create_token(store, username="ann", name="n", actor=ADMIN, now=T0)
    checked = tokens.check_token_at_head(store, made.token, now=T0)
    assert (checked.principal, checked.due) == tokens.check_token(store, made.token, now=T0)
    assert checked.head == (0, GENESIS)  # an empty ledger
    grant_exemption(store, team="Marine Directorate", scope="response", starts_on="2026-01-01",
                    ends_on="2026-12-31", approver="DG", mandate="Letter 1", actor=ADMIN,
                    now=T0)  # fmt: skip
    with store.read() as conn:
        head = repo.ledger_head(conn)
    assert head[0] > 0
    assert tokens.check_token_at_head(store, made.token, now=T0).head == head
    tokens.revoke_token(store, made.info.id, actor=ADMIN, now=T0)
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.check_token_at_head(store, made.token, now=T0)


def test_a_dead_ping_is_still_a_ping_and_quick_reads_skip_it(postgres_url: str) -> None:
    """The pool pings every checkout but a quick read's (which runs again, pinged, when its
    connection turns out dead: the next test)."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:  # a live connection: the real ping answers
            assert engine.dialect.do_ping(conn.connection.dbapi_connection) is True
        calls: list[object] = []

        class Dead:
            autocommit = False
            closed = False

            def cursor(self) -> object:
                calls.append(self)
                raise RuntimeError("dead")

        with pytest.raises(RuntimeError, match="dead"):
            engine.dialect.do_ping(Dead())
        token = UNPINGED.set(True)
        try:
            assert engine.dialect.do_ping(Dead()) is True  # not touched
        finally:
            UNPINGED.reset(token)
        assert len(calls) == 1
    finally:
        engine.dispose()


def test_a_quick_read_survives_connections_the_server_dropped(postgres_url: str) -> None:
    """Every pooled connection killed by the server (a restart, a failover): the quick read,
    unpinged, finds its connection dead and reads again on a fresh one."""
    engine = make_engine(postgres_url)
    try:
        held = [engine.connect() for _ in range(3)]  # three pooled connections
        pids = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for c in held]
        for conn in held:
            conn.close()
        with engine.connect() as killer:  # (one of the three, pinged)
            killer.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )
            killer.commit()
        assert pids
        made: list[object] = []
        event.listen(engine, "connect", lambda *_: made.append(1))
        assert repo_accounts.read_token_row(engine, token_id="0" * 12) is None
        assert made  # the dead ones were replaced
        assert repo_accounts.read_token_row(engine, token_id="0" * 12, at_head=True) is None
        with engine.connect() as conn:  # the pool is whole again
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        engine.dispose()

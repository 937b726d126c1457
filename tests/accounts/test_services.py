"""Users, sessions, tokens, throttling and the audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text

from commsgov.accounts import Actor
from commsgov.accounts.errors import (
    AccountConflict,
    NotAuthenticated,
    SignInFailed,
    SignInThrottled,
)
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.services import audit, sessions, tokens, users

from .conftest import ADMIN, PASSWORD, T0, WEB


def _actions(store: Any) -> list[str]:
    return [e.action for e in audit.search(store, audit.AuditFilter(), actor=ADMIN)][::-1]


def test_add_user_keeps_only_a_hash_and_records_it(store: Any) -> None:
    made = users.add_user(
        store, username="Ann", roles=["staff"], actor=ADMIN, emails=["Ann@Gov.Scot"],
        phones=["+44 7700 900123"], password=PASSWORD, now=T0,
    )  # fmt: skip
    assert made.password is None
    assert made.user.username == "ann"
    assert made.user.emails == ("ann@gov.scot",)
    assert made.user.phones == ("+447700900123",)
    with store.read() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    entry = audit.search(store, audit.AuditFilter(action="user-created"), actor=ADMIN)[0]
    assert (entry.actor, entry.source, entry.target) == ("root", "cli", "user:ann")
    assert json.loads(entry.details)["roles"] == ["staff"]
    with pytest.raises(AccountConflict):
        users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD)
    with pytest.raises(AccountConflict, match="another user"):
        users.add_user(
            store, username="bob", roles=[], actor=ADMIN, emails=["ann@gov.scot"],
            password=PASSWORD,
        )  # fmt: skip
    with pytest.raises(InvalidFieldError) as bad:
        users.add_user(store, username="x y", roles=["staff"], actor=ADMIN, password=PASSWORD)
    assert bad.value.field == "username"
    with pytest.raises(InvalidFieldError) as weak:
        users.add_user(store, username="cy", roles=["staff"], actor=ADMIN, password="short")
    assert weak.value.field == "password"


def test_first_admin_gets_a_one_time_password_once(store: Any) -> None:
    first = users.ensure_first_admin(store, now=T0)
    assert first is not None and first.password
    assert first.user.roles == ("admin",) and first.user.must_change_password
    assert users.ensure_first_admin(store, now=T0) is None
    with store.read() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert first.password not in stored
    signed = sessions.sign_in(store, username="admin", password=first.password, actor=WEB, now=T0)
    assert signed.principal.must_change_password
    sessions.change_password(
        store, signed.principal, current=first.password, new=PASSWORD, actor=WEB, now=T0
    )
    assert not users.get_user(store, "admin").must_change_password


def test_sign_in_makes_a_new_session_that_expires(store: Any) -> None:
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD)
    one = sessions.sign_in(store, username="ANN", password=PASSWORD, actor=WEB, now=T0)
    two = sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    assert one.secret != two.secret and one.csrf_token != two.csrf_token
    with store.read() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT id_hash FROM auth_sessions"))]
    assert one.secret not in stored and len(stored) == 2
    later = T0 + dt.timedelta(minutes=20)
    assert sessions.resolve_session(store, one.secret, now=later).roles == ("staff",)
    # idle: 30 minutes after the last use (20 minutes in) it has ended
    with pytest.raises(NotAuthenticated, match="expired"):
        sessions.resolve_session(store, one.secret, now=later + dt.timedelta(minutes=31))
    # absolute: used every 20 minutes, it still ends 12 hours after sign-in
    when = T0
    while when < T0 + dt.timedelta(hours=12):
        sessions.resolve_session(store, two.secret, now=when)
        when += dt.timedelta(minutes=20)
    with pytest.raises(NotAuthenticated):
        sessions.resolve_session(store, two.secret, now=T0 + dt.timedelta(hours=12, minutes=1))
    with pytest.raises(NotAuthenticated):
        sessions.resolve_session(store, "made-up", now=T0)
    # a session nobody presents again is swept away at a later sign-in
    sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB,
                     now=T0 + dt.timedelta(hours=1))  # fmt: skip
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM auth_sessions")).scalar_one() == 1


def test_migration_0008_downgrades_and_upgrades(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from commsgov.store import migrate
    from commsgov.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(connection=conn), "0007_message_dedup_index")
        with engine.connect() as conn:
            assert not {"users", "audit_events"} & set(inspect(conn).get_table_names())
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()


def test_disabling_or_changing_roles_ends_sessions_at_once(store: Any) -> None:
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD)
    users.add_user(store, username="boss", roles=["admin"], actor=ADMIN, password=PASSWORD)
    signed = sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    users.set_roles(store, "ann", ["staff", "auditor"], actor=ADMIN, now=T0)
    with pytest.raises(NotAuthenticated):
        sessions.resolve_session(store, signed.secret, now=T0)
    again = sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    assert sessions.resolve_session(store, again.secret, now=T0).roles == ("staff", "auditor")
    users.set_disabled(store, "ann", True, actor=ADMIN, now=T0)
    with pytest.raises(NotAuthenticated):
        sessions.resolve_session(store, again.secret, now=T0)
    with pytest.raises(SignInFailed):
        sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    users.set_disabled(store, "ann", False, actor=ADMIN, now=T0)
    sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    # the last enabled admin cannot be disabled or lose the role
    with pytest.raises(AccountConflict, match="last enabled admin"):
        users.set_disabled(store, "boss", True, actor=ADMIN)
    with pytest.raises(AccountConflict, match="last enabled admin"):
        users.set_roles(store, "boss", ["staff"], actor=ADMIN)
    failed = audit.search(store, audit.AuditFilter(action="sign-in-failed"), actor=ADMIN)
    assert [json.loads(e.details)["reason"] for e in failed] == ["disabled"]
    changed = audit.search(store, audit.AuditFilter(action="roles-changed"), actor=ADMIN)
    assert json.loads(changed[0].details)["sessions_ended"] == 1


def test_throttling_never_tells_whether_the_account_exists(store: Any) -> None:
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD)
    answers: dict[str, list[str]] = {}
    for name in ("ann", "nobody"):
        answers[name] = []
        for attempt in range(6):
            try:
                sessions.sign_in(store, username=name, password="wrong password!", actor=WEB,
                                 now=T0 + dt.timedelta(seconds=attempt))  # fmt: skip
            except (SignInFailed, SignInThrottled) as exc:
                answers[name].append(f"{type(exc).__name__}: {exc}")
    assert answers["ann"] == answers["nobody"]
    assert answers["ann"][:5] == ["SignInFailed: invalid username or password"] * 5
    assert answers["ann"][5].startswith("SignInThrottled")
    # even the right password waits out the lock; afterwards it works and clears the count
    with pytest.raises(SignInThrottled):
        sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=T0)
    later = T0 + dt.timedelta(minutes=2)
    sessions.sign_in(store, username="ann", password=PASSWORD, actor=WEB, now=later)
    reasons = [
        json.loads(e.details)["reason"]
        for e in audit.search(store, audit.AuditFilter(action="sign-in-failed"), actor=ADMIN)
    ]
    assert reasons.count("unknown-user") == 5 and reasons.count("bad-password") == 5


def test_address_throttling_spans_accounts(store: Any) -> None:
    for attempt in range(20):
        with pytest.raises(SignInFailed):
            sessions.sign_in(store, username=f"user{attempt}", password="x" * 12, actor=WEB,
                             now=T0)  # fmt: skip
    with pytest.raises(SignInThrottled):
        sessions.sign_in(store, username="someone-else", password="x" * 12, actor=WEB, now=T0)
    other = Actor.http("-", address="198.51.100.1", user_agent=None)
    with pytest.raises(SignInFailed):
        sessions.sign_in(store, username="someone-else", password="x" * 12, actor=other, now=T0)


def test_tokens_are_shown_once_scoped_and_revocable(store: Any) -> None:
    users.add_user(store, username="bot", roles=["staff", "auditor"], actor=ADMIN,
                   password=PASSWORD)  # fmt: skip
    made = tokens.create_token(
        store, username="bot", name="nightly export", roles=["auditor"], actor=ADMIN,
        expires_at=T0 + dt.timedelta(days=30), now=T0,
    )  # fmt: skip
    with store.read() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM api_tokens")).scalar_one()
    assert made.token.split("_", 2)[2] not in stored
    who = tokens.authenticate_token(store, made.token, now=T0)
    assert (who.username, who.roles, who.via) == ("bot", ("auditor",), "token")
    assert tokens.list_tokens(store)[0].last_used_at is not None
    with pytest.raises(InvalidFieldError, match="does not hold admin"):
        tokens.create_token(store, username="bot", name="x", roles=["admin"], actor=ADMIN)
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.authenticate_token(store, made.token, now=T0 + dt.timedelta(days=31))
    tampered = made.token[:-2] + ("AA" if not made.token.endswith("AA") else "BB")
    with pytest.raises(NotAuthenticated):
        tokens.authenticate_token(store, tampered, now=T0)
    # the token acts only with roles its user still holds
    users.set_roles(store, "bot", ["staff"], actor=ADMIN)
    assert tokens.authenticate_token(store, made.token, now=T0).roles == ()
    users.set_disabled(store, "bot", True, actor=ADMIN)
    with pytest.raises(NotAuthenticated, match="disabled"):
        tokens.authenticate_token(store, made.token, now=T0)
    users.set_disabled(store, "bot", False, actor=ADMIN)
    revoked = tokens.revoke_token(store, made.info.id, actor=ADMIN, now=T0)
    assert revoked.revoked_by == "root"
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.authenticate_token(store, made.token, now=T0)
    with pytest.raises(NotFoundError):
        tokens.revoke_token(store, "nope", actor=ADMIN)


def test_audit_chain_verifies_and_detects_tampering(store: Any) -> None:
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD)
    users.set_roles(store, "ann", ["auditor"], actor=ADMIN)
    report = audit.verify(store, actor=ADMIN)
    assert report.ok and report.entries == 2 and report.head_seq == 2
    assert audit.verify(store, actor=ADMIN).entries == 3  # the verification was recorded
    with store.write() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1"))
    broken = audit.verify(store, actor=ADMIN)
    assert not broken.ok and broken.problem_seq == 1 and "edited" in (broken.problem or "")
    with store.write() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'root' WHERE seq = 1"))
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    gone = audit.verify(store, actor=ADMIN)
    assert not gone.ok and "missing" in (gone.problem or "")


def test_audit_search_filters_and_export(store: Any) -> None:
    users.add_user(store, username="ann", roles=["staff"], actor=ADMIN, password=PASSWORD,
                   now=T0)  # fmt: skip
    users.add_user(store, username="bob", roles=["staff"], actor=Actor.cli("other"),
                   password=PASSWORD, now=T0 + dt.timedelta(hours=2))  # fmt: skip
    by_root = audit.search(store, audit.AuditFilter(actor="root"), actor=ADMIN)
    assert [e.target for e in by_root] == ["user:ann"]
    window = audit.AuditFilter(since=T0 + dt.timedelta(hours=1), until=T0 + dt.timedelta(hours=3))
    assert [e.target for e in audit.search(store, window, actor=ADMIN)] == ["user:bob"]
    prefix = audit.AuditFilter(target="user:*", action="user-created")
    assert len(audit.search(store, prefix, actor=ADMIN)) == 2
    with pytest.raises(InvalidFieldError) as bad:
        audit.AuditFilter(action="nonsense")
    assert bad.value.field == "action"
    csv_text = audit.export(store, prefix, fmt="csv", actor=ADMIN)
    lines = csv_text.splitlines()
    assert lines[0].startswith("seq,at,actor,source") and len(lines) == 3
    data = json.loads(audit.export(store, prefix, fmt="json", actor=ADMIN))
    from commsgov.accounts.chain import AuditEntry, audit_hash

    for item in data["entries"]:  # each exported entry's hash can be recomputed from it
        fields = {k: v for k, v in item.items() if k != "entry_hash"}
        assert audit_hash(**fields) == item["entry_hash"]
        assert AuditEntry(**item).entry_hash == item["entry_hash"]
    exported = audit.search(store, audit.AuditFilter(action="audit-exported"), actor=ADMIN)
    assert [json.loads(e.details)["format"] for e in exported] == ["json", "csv"]
    assert dataclasses.asdict(exported[0])["source"] == "cli"


def test_concurrent_appends_keep_one_chain(database_url: str, tmp_path: Any) -> None:
    """Several processes' worth of writers (threads with their own engines) append at once."""
    from concurrent.futures import ThreadPoolExecutor

    from commsgov.store.handle import open_store

    def work(n: int) -> None:
        opened = open_store(database_url, blob_dir=tmp_path / "b", migrate=False)
        try:
            for i in range(15):
                audit.record(
                    opened, audit.AuditSearched({"n": n, "i": i}, 0), actor=Actor.cli(f"w{n}")
                )
        finally:
            opened.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    opened = open_store(database_url, blob_dir=tmp_path / "b", migrate=False)
    try:
        report = audit.verify(opened, actor=ADMIN)
    finally:
        opened.close()
    assert report.ok and report.entries == 60

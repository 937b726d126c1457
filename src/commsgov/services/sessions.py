"""Signing in and out, server-side sessions, and who is calling (:class:`Principal`).

A session is a random secret held in the client's cookie; only its SHA-256 is stored, with an
absolute expiry (``lifetime``) and an idle expiry (``idle`` since it was last used). Every
sign-in makes a new session (a new id), so a session id fixed before sign-in is worthless.
Failed sign-ins are throttled per account name and per address
(:mod:`commsgov.accounts.throttle`); the answer is the same whether the account exists or not.

Public API::

    sign_in(db, *, username, password, actor, now=None, lifetime=..., idle=...) -> SignIn
    start_session(db, *, username, method, actor, now=None, lifetime=...) -> SignIn
    resolve_session(db, secret, *, now=None, idle=...) -> Principal
    sign_out(db, secret, *, actor, now=None) -> None
    change_password(db, principal, *, current, new, actor, now=None) -> int
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.credentials import check_password, csrf_token, new_secret, secret_hash
from commsgov.accounts.errors import NotAuthenticated, SignInFailed, SignInThrottled
from commsgov.accounts.events import PasswordChanged, SignedIn, SignedOut
from commsgov.accounts.events import SignInFailed as SignInFailedEvent
from commsgov.accounts.throttle import (
    ACCOUNT_RULE,
    ADDRESS_RULE,
    ThrottleRule,
    ThrottleState,
    after_failure,
    retry_after,
)
from commsgov.records.errors import InvalidFieldError
from commsgov.records.timestamps import parse_utc_text, utc_text
from commsgov.store import repo_accounts as repo

from ._support import clock
from .audit import Database, append
from .users import hash_password, normalise_username, verify_password

if TYPE_CHECKING:
    from sqlalchemy import Connection, Row

__all__ = [
    "IDLE",
    "LIFETIME",
    "Principal",
    "SignIn",
    "change_password",
    "resolve_session",
    "sign_in",
    "sign_out",
    "start_session",
]

#: a session ends after this long without use ...
IDLE = dt.timedelta(minutes=30)
#: ... and this long after sign-in in any case
LIFETIME = dt.timedelta(hours=12)
#: activity is written at most this often (the idle expiry is this coarse)
_TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user, the roles they act with, and how they proved it.

    ``via`` is ``session`` (a cookie; state-changing requests need ``csrf_token``) or ``token``
    (a bearer token, acting with the token's roles that the user still holds).
    """

    username: str
    user_id: int
    roles: tuple[str, ...]
    via: str
    must_change_password: bool = False
    session_hash: str | None = None
    token_id: str | None = None
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class SignIn:
    """A new session: its ``secret`` goes in the cookie (never stored), ``csrf_token`` into
    forms and the ``X-CSRF-Token`` header."""

    secret: str
    csrf_token: str
    expires_at: str
    principal: Principal


def _roles(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _state(row: Row[Any] | None) -> ThrottleState | None:
    if row is None:
        return None
    locked = parse_utc_text(row.locked_until) if row.locked_until else None
    return ThrottleState(row.failures, parse_utc_text(row.window_start), locked)


def _keys(username: str, actor: Actor) -> dict[str, ThrottleRule]:
    return {f"user:{username}": ACCOUNT_RULE, f"addr:{actor.via}": ADDRESS_RULE}


def _fail(db: Database, *, username: str, reason: str, actor: Actor, now: dt.datetime) -> None:
    """Count a failure against the account name and the address, and record it."""
    with db.write() as conn:
        repo.lock_audit(conn)  # serialises throttling updates too
        keys = _keys(username, actor)
        states = repo.throttle_rows(conn, keys=list(keys))
        for key, rule in keys.items():
            state = after_failure(_state(states.get(key)), rule=rule, now=now)
            repo.put_throttle(
                conn, key=key, failures=state.failures, window_start=utc_text(state.window_start),
                locked_until=utc_text(state.locked_until) if state.locked_until else None,
            )  # fmt: skip
        append(conn, [SignInFailedEvent(username, reason)], actor=actor, now=now)


def _new_session(
    conn: Connection, *, user: Row[Any], method: str, actor: Actor, at: dt.datetime,
    lifetime: dt.timedelta,
) -> SignIn:  # fmt: skip
    secret = new_secret()
    expires = utc_text(at + lifetime)
    repo.insert_session(
        conn, id_hash=secret_hash(secret), user_id=user.id, method=method,
        created_at=utc_text(at), last_seen_at=utc_text(at), expires_at=expires,
        address=actor.address, user_agent=(actor.user_agent or "")[:500] or None,
    )  # fmt: skip
    repo.update_user(conn, user_id=user.id, last_sign_in_at=utc_text(at))
    principal = Principal(
        username=user.username,
        user_id=user.id,
        roles=_roles(user.roles),
        via="session",
        must_change_password=bool(user.must_change_password),
        session_hash=secret_hash(secret),
        csrf_token=csrf_token(secret),
    )
    return SignIn(secret, csrf_token(secret), expires, principal)


def sign_in(
    db: Database,
    *,
    username: str,
    password: str,
    actor: Actor,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = LIFETIME,
    idle: dt.timedelta = IDLE,
) -> SignIn:
    """Check a password and start a session; :class:`SignInFailed` (whatever the reason) or
    :class:`SignInThrottled` after too many failures for this account name or address."""
    at = clock(now)
    name = normalise_username(username)[:200]
    if not name:
        raise InvalidFieldError("username", "is required")
    with db.read() as conn:
        states = repo.throttle_rows(conn, keys=list(_keys(name, actor)))
        user = repo.user_row(conn, username=name)
    wait = max((retry_after(_state(s), now=at) for s in states.values()), default=0)
    if wait:
        with db.write() as conn:
            append(conn, [SignInFailedEvent(name, "throttled")], actor=actor, now=at)
        raise SignInThrottled(wait)
    ok, new_hash = verify_password(password, user.password_hash if user is not None else None)
    reason = None
    if user is None:
        reason = "unknown-user"
    elif user.password_hash is None:
        reason = "no-password"
    elif not ok:
        reason = "bad-password"
    elif user.disabled:
        reason = "disabled"
    if reason is not None or user is None:
        _fail(db, username=name, reason=reason or "unknown-user", actor=actor, now=at)
        raise SignInFailed()
    with db.write() as conn:
        repo.lock_audit(conn)
        repo.clear_throttle(conn, key=f"user:{name}")
        # sessions nobody presents again are never resolved: sweep them away now and then
        repo.delete_stale_sessions(conn, now=utc_text(at), idle_before=utc_text(at - idle))
        if new_hash is not None:  # the hashing parameters were raised since it was stored
            repo.update_user(conn, user_id=user.id, password_hash=new_hash)
        done = _new_session(
            conn, user=user, method="password", actor=actor, at=at, lifetime=lifetime
        )
        append(
            conn, [SignedIn(name, "password")], actor=actor.as_user(name, user_id=user.id), now=at
        )
    return done


def start_session(
    db: Database,
    *,
    username: str,
    method: str,
    actor: Actor,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = LIFETIME,
) -> SignIn:
    """Start a session for a user whose identity was proved another way (OpenID Connect)."""
    at = clock(now)
    with db.write() as conn:
        repo.lock_audit(conn)
        user = repo.user_row(conn, username=username)
        if user is None or user.disabled:
            append(conn, [SignInFailedEvent(username, "disabled", method)], actor=actor, now=at)
            raise SignInFailed()
        done = _new_session(conn, user=user, method=method, actor=actor, at=at, lifetime=lifetime)
        append(
            conn,
            [SignedIn(username, method)],
            actor=actor.as_user(username, user_id=user.id),
            now=at,
        )
    return done


def resolve_session(
    db: Database, secret: str, *, now: dt.datetime | None = None, idle: dt.timedelta = IDLE
) -> Principal:
    """The principal of a session cookie; :class:`NotAuthenticated` when it is unknown, has
    expired (absolutely or from idleness), or its user is disabled."""
    at = clock(now)
    id_hash = secret_hash(secret)
    with db.read() as conn:
        row = repo.session_row(conn, id_hash=id_hash)
    if row is None:
        raise NotAuthenticated("no such session (signed out, or ended)")
    last_seen = parse_utc_text(row.last_seen_at)
    if parse_utc_text(row.expires_at) <= at or last_seen + idle <= at or row.disabled:
        with db.write() as conn:
            repo.delete_session(conn, id_hash=id_hash)
        raise NotAuthenticated("the session has expired: sign in again")
    if at - last_seen >= _TOUCH_EVERY:
        with db.write() as conn:
            repo.touch_session(conn, id_hash=id_hash, at=utc_text(at))
    return Principal(
        username=row.username,
        user_id=row.user_id,
        roles=_roles(row.roles),
        via="session",
        must_change_password=bool(row.must_change_password),
        session_hash=id_hash,
        csrf_token=csrf_token(secret),
    )


def sign_out(
    db: Database, principal: Principal, *, actor: Actor, now: dt.datetime | None = None
) -> None:
    """End the caller's session (a token caller has no session: nothing to end)."""
    with db.write() as conn:
        if principal.session_hash is not None:
            repo.delete_session(conn, id_hash=principal.session_hash)
        append(conn, [SignedOut(principal.username)], actor=actor, now=now)


def change_password(
    db: Database,
    principal: Principal,
    *,
    current: str,
    new: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """Change the caller's own password (the current one is asked again); their other sessions
    end. How many ended."""
    check_password(new, field="new_password")
    with db.read() as conn:
        user = repo.user_row(conn, username=principal.username)
    ok, _ = verify_password(current, user.password_hash if user is not None else None)
    if user is None or not ok:
        raise InvalidFieldError("current_password", "is not your current password")
    if new == current:
        raise InvalidFieldError("new_password", "must differ from the current password")
    hashed = hash_password(new)
    with db.write() as conn:
        repo.lock_audit(conn)
        repo.update_user(
            conn, user_id=user.id, password_hash=hashed, must_change_password=False,
            updated_at=utc_text(clock(now)),
        )  # fmt: skip
        ended = repo.delete_user_sessions(conn, user_id=user.id, keep=principal.session_hash)
        append(conn, [PasswordChanged(user.username, ended)], actor=actor, now=now)
    return ended

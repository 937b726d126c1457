"""API tokens for machines: shown once, stored hashed, scoped to roles, expiring, revocable.

A token reads ``cgv_<id>_<secret>``; only the SHA-256 of the secret is stored. It acts as its
user with the token's roles that the user still holds, and stops working when the user is
disabled, the token expires or is revoked.

Public API::

    create_token(db, *, username, name, actor, roles=None, expires_at=None, now=None)
        -> NewToken(token, info)
    list_tokens(db, *, username=None) -> list[TokenInfo]
    revoke_token(db, token_id, *, actor, now=None) -> TokenInfo
    authenticate_token(db, token, *, now=None) -> Principal
    check_token_at_head(db, token, *, now=None) -> TokenCheck(principal, due, head)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.credentials import (
    format_token,
    new_secret,
    new_token_id,
    parse_token,
    same_secret,
    secret_hash,
)
from commsgov.accounts.errors import AccountConflict, NotAuthenticated
from commsgov.accounts.events import TokenCreated, TokenRevoked
from commsgov.accounts.roles import parse_roles
from commsgov.records.canonical import canonical_json
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.ledger import GENESIS
from commsgov.records.timestamps import parse_utc_text, utc_text
from commsgov.store import repo_accounts as repo

from ._support import clock
from .audit import Database, append
from .sessions import Principal
from .users import normalise_username

if TYPE_CHECKING:
    from sqlalchemy import Row

__all__ = [
    "NewToken",
    "TokenCheck",
    "TokenInfo",
    "authenticate_token",
    "check_token",
    "check_token_at_head",
    "create_token",
    "list_tokens",
    "revoke_token",
    "touch_token",
]

_TOUCH_EVERY = dt.timedelta(seconds=60)

#: a token's stamps as read, parsed (every request with a token parses its last use, which
#: changes once a minute; a pure function of the text: nothing kept can go stale)
_parsed = lru_cache(maxsize=4096)(parse_utc_text)
_ID = re.compile(r"[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as lists show it (never its secret)."""

    id: str
    username: str
    name: str
    roles: tuple[str, ...]
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
    revoked_by: str | None
    last_used_at: str | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: ``token`` is shown this once and cannot be recovered."""

    token: str
    info: TokenInfo


def _info(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        username=row.username,
        name=row.name,
        roles=tuple(json.loads(row.roles)),
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        last_used_at=row.last_used_at,
    )


def create_token(
    db: Database,
    *,
    username: str,
    name: str,
    actor: Actor,
    roles: Iterable[str] | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> NewToken:
    """Make a token for ``username`` with ``roles`` (default: all of the user's roles; each must
    be one the user holds), expiring at ``expires_at`` (``None``: until revoked)."""
    at = clock(now)
    label = name.strip()
    if not label or any(ord(c) < 32 for c in label):
        raise InvalidFieldError("name", "say what the token is for, on one line")
    if expires_at is not None and expires_at <= at:
        raise InvalidFieldError("expires_at", "must be in the future")
    with db.write() as conn:
        repo.lock_audit(conn)
        user = repo.user_row(conn, username=normalise_username(username))
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        if user.disabled:
            raise AccountConflict(f"user {user.username!r} is disabled")
        held = tuple(json.loads(user.roles))
        chosen = held if roles is None else tuple(str(r) for r in parse_roles(roles))
        extra = [r for r in chosen if r not in held]
        if extra:
            raise InvalidFieldError("roles", f"{user.username} does not hold {', '.join(extra)}")
        if not chosen:
            raise InvalidFieldError("roles", "a token needs at least one role")
        token_id, secret = new_token_id(), new_secret()
        until = utc_text(expires_at) if expires_at is not None else None
        repo.insert_token(
            conn, id=token_id, secret_hash=secret_hash(secret), user_id=user.id, name=label,
            roles=canonical_json(list(chosen)), created_at=utc_text(at), created_by=actor.name,
            expires_at=until,
        )  # fmt: skip
        event = TokenCreated(token_id, user.username, label, chosen, until)
        append(conn, [event], actor=actor, now=at)
        row = repo.token_row(conn, token_id=token_id)
    assert row is not None
    return NewToken(token=format_token(token_id, secret), info=_info(row))


def list_tokens(db: Database, *, username: str | None = None) -> list[TokenInfo]:
    """Tokens, newest first (of one user when ``username`` is given)."""
    with db.read() as conn:
        user_id = None
        if username is not None:
            user = repo.user_row(conn, username=normalise_username(username))
            if user is None:
                raise NotFoundError(f"no user {username!r}")
            user_id = user.id
        return [_info(row) for row in repo.token_rows(conn, user_id=user_id)]


def revoke_token(
    db: Database, token_id: str, *, actor: Actor, now: dt.datetime | None = None
) -> TokenInfo:
    """Stop a token for good (revoking it again changes nothing and records nothing)."""
    at = clock(now)
    with db.write() as conn:
        repo.lock_audit(conn)
        row = repo.token_row(conn, token_id=token_id) if _ID.fullmatch(token_id) else None
        if row is None:
            raise NotFoundError(f"no token {token_id!r}")
        if row.revoked_at is None:
            repo.update_token(
                conn, token_id=token_id, revoked_at=utc_text(at), revoked_by=actor.name
            )
            append(conn, [TokenRevoked(token_id, row.username)], actor=actor, now=at)
            row = repo.token_row(conn, token_id=token_id)
    assert row is not None
    return _info(row)


def check_token(
    db: Database, token: str, *, now: dt.datetime | None = None
) -> tuple[Principal, bool]:
    """The principal of a bearer token, reading only, and whether its last use is due to be
    stamped (:func:`touch_token`); :class:`NotAuthenticated` as :func:`authenticate_token`."""
    checked = _check(db, token, at=clock(now), at_head=False)
    return checked.principal, checked.due


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """A bearer token checked (:func:`check_token_at_head`): its principal, whether its last
    use is due to be stamped, and the record's ledger head read in the same statement."""

    principal: Principal
    due: bool
    head: tuple[int, str]


def check_token_at_head(db: Database, token: str, *, now: dt.datetime | None = None) -> TokenCheck:
    """:func:`check_token`, with the ledger's head read in the same statement (an advisor
    request's one read: the registers it answers from are kept by that head)."""
    checked = _check(db, token, at=clock(now), at_head=True)
    head = (0, GENESIS) if checked.head is None else checked.head
    return TokenCheck(checked.principal, checked.due, head)


@dataclass(frozen=True, slots=True)
class _Checked:
    principal: Principal
    due: bool
    head: tuple[int, str] | None


def _check(db: Database, token: str, *, at: dt.datetime, at_head: bool) -> _Checked:
    """Every check of a bearer token, against its row as read now (never a kept copy: a
    revocation, an expiry, a disabled user or a changed role counts from the next request)."""
    parsed = parse_token(token.strip())
    if parsed is None:
        raise NotAuthenticated("not an API token")
    token_id, secret = parsed
    if not _ID.fullmatch(token_id):
        raise NotAuthenticated("unknown API token")
    engine = getattr(db, "engine", None)  # a Store: its quickest read (every API request)
    if engine is not None:
        row = repo.read_token_row(engine, token_id=token_id, at_head=at_head)
    else:
        with db.read() as conn:
            row = repo.token_row(conn, token_id=token_id, at_head=at_head)
    if row is None or not same_secret(secret_hash(secret), row.secret_hash):
        raise NotAuthenticated("unknown API token")
    if row.revoked_at is not None:
        raise NotAuthenticated("the API token was revoked")
    if row.expires_at is not None and _parsed(row.expires_at) <= at:
        raise NotAuthenticated("the API token has expired")
    if row.disabled:
        raise NotAuthenticated("the token's user is disabled")
    held = set(json.loads(row.user_roles))
    roles = tuple(r for r in json.loads(row.roles) if r in held)
    due = row.last_used_at is None or at - _parsed(row.last_used_at) >= _TOUCH_EVERY
    principal = Principal(
        username=row.username, user_id=row.user_id, roles=roles, via="token", token_id=token_id
    )
    head = None
    if at_head and row.head_seq is not None:
        head = (int(row.head_seq), str(row.head_hash))
    return _Checked(principal, due, head)


def touch_token(db: Database, token_id: str, *, now: dt.datetime | None = None) -> None:
    """Stamp a token's last use (at most once a minute: see :func:`check_token`)."""
    with db.write() as conn:
        repo.update_token(conn, token_id=token_id, last_used_at=utc_text(clock(now)))


def authenticate_token(db: Database, token: str, *, now: dt.datetime | None = None) -> Principal:
    """The principal of a bearer token; :class:`NotAuthenticated` when it is malformed,
    unknown, wrong, revoked, expired, or its user is disabled."""
    at = clock(now)
    principal, due = check_token(db, token, now=at)
    if due:
        touch_token(db, principal.token_id or "", now=at)
    return principal

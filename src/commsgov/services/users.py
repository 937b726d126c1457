"""Users as a service: add, list, show, change roles, disable and enable, reset passwords.

Every change is an audit event in the same transaction. Disabling a user, changing their roles
or resetting their password ends their sessions at once (the rows go). Passwords are hashed with
Argon2id through ``pwdlib`` (the ``server`` extra); the clear text is never stored or logged.

Public API::

    add_user(db, *, username, roles, actor, display_name=None, emails=(), phones=(),
             password=None, now=None) -> NewUser       (a one-time password when none is given)
    ensure_first_admin(db, *, now=None) -> NewUser | None
    list_users(db) -> list[User];  get_user(db, username) -> User
    set_roles(db, username, roles, *, actor) -> User
    set_disabled(db, username, disabled, *, actor) -> User
    update_user(db, username, *, actor, display_name=None, emails=None, phones=None) -> User
    reset_password(db, username, *, actor, password=None) -> NewUser
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.credentials import check_password, one_time_password
from commsgov.accounts.errors import AccountConflict
from commsgov.accounts.events import (
    PasswordReset,
    RolesChanged,
    UserCreated,
    UserDisabled,
    UserEnabled,
    UserUpdated,
)
from commsgov.accounts.roles import Role, parse_roles
from commsgov.records.canonical import canonical_json
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.identities import email_identity, phone_identity
from commsgov.records.timestamps import utc_text
from commsgov.store import repo_accounts as repo

from ._support import clock
from .audit import Database, append

if TYPE_CHECKING:
    from pwdlib import PasswordHash
    from sqlalchemy import Connection, Row

__all__ = [
    "NewUser",
    "User",
    "add_user",
    "ensure_first_admin",
    "get_user",
    "hash_password",
    "list_users",
    "reset_password",
    "set_disabled",
    "set_roles",
    "update_user",
    "verify_password",
]

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


@dataclass(frozen=True, slots=True)
class User:
    """A user as the command line and the API show it (never their password hash)."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    disabled: bool
    must_change_password: bool
    oidc: bool
    created_at: str
    created_by: str
    updated_at: str
    last_sign_in_at: str | None


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user just added (or given a new password) and, when one was made for them, the one-time
    ``password`` to hand over: it is shown this once and never stored in clear."""

    user: User
    password: str | None


# -- passwords ------------------------------------------------------------------------------
@cache
def _hasher() -> PasswordHash:
    try:
        from pwdlib import PasswordHash
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError(
            "password hashing needs the server extra: pip install 'commsgov[server]'"
        ) from exc
    return PasswordHash.recommended()  # Argon2id, RFC 9106's second recommended parameters


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string) of ``password``."""
    return _hasher().hash(password)


@cache
def _dummy_hash() -> str:
    return hash_password("a password nobody has: used to spend the same time")


def verify_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored`` (and a new hash when the parameters changed).

    With no stored hash the same work is done anyway, so the time taken does not tell whether
    an account exists.
    """
    if stored is None:
        _hasher().verify(password, _dummy_hash())
        return False, None
    return _hasher().verify_and_update(password, stored)


# -- reading --------------------------------------------------------------------------------
def _roles(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _user(row: Row[Any], idents: Sequence[tuple[str, str]]) -> User:
    return User(
        username=row.username,
        display_name=row.display_name,
        roles=_roles(row.roles),
        emails=tuple(v for k, v in idents if k == "email"),
        phones=tuple(v for k, v in idents if k == "phone"),
        disabled=bool(row.disabled),
        must_change_password=bool(row.must_change_password),
        oidc=row.oidc_subject is not None,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        last_sign_in_at=row.last_sign_in_at,
    )


def _load(conn: Connection, username: str) -> tuple[Row[Any], User]:
    name = normalise_username(username)
    row = repo.user_row(conn, username=name) if _USERNAME.fullmatch(name) else None
    if row is None:
        raise NotFoundError(f"no user {username!r}")
    return row, _user(row, repo.identities(conn, user_ids=[row.id])[row.id])


def list_users(db: Database) -> list[User]:
    """Every user, by username."""
    with db.read() as conn:
        rows = repo.user_rows(conn)
        idents = repo.identities(conn, user_ids=[r.id for r in rows])
    return [_user(row, idents[row.id]) for row in rows]


def get_user(db: Database, username: str) -> User:
    """One user (:class:`NotFoundError` when there is none)."""
    with db.read() as conn:
        return _load(conn, username)[1]


# -- validation -----------------------------------------------------------------------------
def normalise_username(username: str) -> str:
    """Usernames are compared in lower case, without surrounding spaces (or control
    characters, which no username has)."""
    return "".join(c for c in username if c >= " ").strip().lower()


def _username(username: str) -> str:
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise InvalidFieldError(
            "username",
            "1 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)",
        )
    return name


def _display(name: str | None) -> str:
    text = (name or "").strip()
    if any(ord(c) < 32 for c in text) or len(text) > 200:
        raise InvalidFieldError("display_name", "one line of at most 200 characters")
    return text


def _identities(emails: Iterable[str], phones: Iterable[str]) -> list[tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for email in emails:
        value = email_identity(email)
        if value is None:
            raise InvalidFieldError("emails", f"{email!r} is not an email address")
        found[value] = ("email", value)
    for phone in phones:
        value = phone_identity(phone)
        if value is None:
            raise InvalidFieldError("phones", f"{phone!r} is not a phone number")
        found[value] = ("phone", value)
    return sorted(found.values())


def _check_identities_free(
    conn: Connection, values: Iterable[tuple[str, str]], user_id: int | None
) -> None:
    for _kind, value in values:
        owner = repo.identity_owner(conn, value=value)
        if owner is not None and owner != user_id:
            raise AccountConflict(f"{value} already belongs to another user")


def _admins_left(conn: Connection, *, without: int) -> int:
    return sum(
        1
        for row in repo.user_rows(conn)
        if row.id != without and not row.disabled and Role.admin in _roles(row.roles)
    )


# -- changes --------------------------------------------------------------------------------
def add_user(
    db: Database,
    *,
    username: str,
    roles: Iterable[str],
    actor: Actor,
    display_name: str | None = None,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    password: str | None = None,
    oidc_subject: str | None = None,
    now: dt.datetime | None = None,
) -> NewUser:
    """Add a user. Without ``password`` (and not an OpenID Connect account) a one-time password
    is made, returned once, and must be changed at the first sign-in."""
    name = _username(username)
    chosen = parse_roles(roles)
    idents = _identities(emails, phones)
    display = _display(display_name) or name
    one_time = password is None and oidc_subject is None
    clear = one_time_password() if one_time else password
    if clear is not None and not one_time:
        check_password(clear)
    hashed = hash_password(clear) if clear is not None else None
    at = utc_text(clock(now))
    with db.write() as conn:
        repo.lock_audit(conn)  # one writer at a time: the username check below stays true
        if repo.user_row(conn, username=name) is not None:
            raise AccountConflict(f"user {name!r} already exists")
        _check_identities_free(conn, idents, None)
        user_id = repo.insert_user(
            conn,
            username=name,
            display_name=display,
            password_hash=hashed,
            roles=canonical_json([str(r) for r in chosen]),
            disabled=False,
            must_change_password=one_time,
            oidc_subject=oidc_subject,
            created_at=at,
            created_by=actor.name,
            updated_at=at,
        )
        repo.replace_identities(conn, user_id=user_id, values=idents)
        event = UserCreated(name, display, tuple(chosen), tuple(f"{k}:{v}" for k, v in idents))
        append(conn, [event], actor=actor, now=now)
        user = _load(conn, name)[1]
    return NewUser(user=user, password=clear if one_time else None)


def ensure_first_admin(db: Database, *, now: dt.datetime | None = None) -> NewUser | None:
    """On a store with no users, create ``admin`` with a one-time password (returned once);
    ``None`` when users exist already."""
    with db.read() as conn:
        if repo.count_users(conn):
            return None
    try:
        return add_user(
            db, username="admin", roles=[Role.admin], display_name="Administrator",
            actor=Actor.system(), now=now,
        )  # fmt: skip
    except AccountConflict:  # another worker made it first
        return None


def set_roles(
    db: Database, username: str, roles: Iterable[str], *, actor: Actor,
    now: dt.datetime | None = None,
) -> User:  # fmt: skip
    """Give a user exactly ``roles``; their sessions end at once."""
    chosen = tuple(str(r) for r in parse_roles(roles))
    with db.write() as conn:
        repo.lock_audit(conn)
        row, user = _load(conn, username)
        losing = Role.admin in user.roles and Role.admin not in chosen and not user.disabled
        if losing and not _admins_left(conn, without=row.id):
            raise AccountConflict("this is the last enabled admin: make another admin first")
        repo.update_user(
            conn, user_id=row.id, roles=canonical_json(list(chosen)),
            updated_at=utc_text(clock(now)),
        )  # fmt: skip
        ended = repo.delete_user_sessions(conn, user_id=row.id)
        append(conn, [RolesChanged(user.username, user.roles, chosen, ended)], actor=actor, now=now)
        return _load(conn, username)[1]


def set_disabled(
    db: Database, username: str, disabled: bool, *, actor: Actor,
    now: dt.datetime | None = None,
) -> User:  # fmt: skip
    """Disable a user (their sessions end at once, their tokens stop working) or enable them."""
    with db.write() as conn:
        repo.lock_audit(conn)
        row, user = _load(conn, username)
        if disabled and Role.admin in user.roles and not _admins_left(conn, without=row.id):
            raise AccountConflict("this is the last enabled admin: make another admin first")
        repo.update_user(conn, user_id=row.id, disabled=disabled, updated_at=utc_text(clock(now)))
        event: UserDisabled | UserEnabled
        if disabled:
            event = UserDisabled(user.username, repo.delete_user_sessions(conn, user_id=row.id))
        else:
            event = UserEnabled(user.username)
        append(conn, [event], actor=actor, now=now)
        return _load(conn, username)[1]


def update_user(
    db: Database,
    username: str,
    *,
    actor: Actor,
    display_name: str | None = None,
    emails: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Change a user's display name or identities (``None``: leave as it is)."""
    with db.write() as conn:
        repo.lock_audit(conn)
        row, user = _load(conn, username)
        changes: dict[str, Any] = {}
        if display_name is not None and display_name.strip() != user.display_name:
            if not _display(display_name):
                raise InvalidFieldError("display_name", "must not be empty")
            changes["display_name"] = _display(display_name)
            repo.update_user(conn, user_id=row.id, display_name=changes["display_name"])
        if emails is not None or phones is not None:
            idents = _identities(
                user.emails if emails is None else emails,
                user.phones if phones is None else phones,
            )
            _check_identities_free(conn, idents, row.id)
            before = [("email", e) for e in user.emails] + [("phone", p) for p in user.phones]
            if sorted(before) != idents:
                repo.replace_identities(conn, user_id=row.id, values=idents)
                changes["identities"] = [f"{k}:{v}" for k, v in idents]
        if changes:
            repo.update_user(conn, user_id=row.id, updated_at=utc_text(clock(now)))
            append(conn, [UserUpdated(user.username, changes)], actor=actor, now=now)
        return _load(conn, username)[1]


def reset_password(
    db: Database, username: str, *, actor: Actor, password: str | None = None,
    now: dt.datetime | None = None,
) -> NewUser:  # fmt: skip
    """Give a user a new password to change at their next sign-in (a one-time password is made
    when none is given, and returned once); their sessions end at once."""
    clear = password if password is not None else one_time_password()
    if password is not None:
        check_password(password)
    hashed = hash_password(clear)
    with db.write() as conn:
        repo.lock_audit(conn)
        row, user = _load(conn, username)
        repo.update_user(
            conn, user_id=row.id, password_hash=hashed, must_change_password=True,
            updated_at=utc_text(clock(now)),
        )  # fmt: skip
        ended = repo.delete_user_sessions(conn, user_id=row.id)
        append(conn, [PasswordReset(user.username, ended)], actor=actor, now=now)
        user = _load(conn, username)[1]
    return NewUser(user=user, password=clear if password is None else None)

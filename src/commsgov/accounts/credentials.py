"""Secrets: session ids, API tokens, one-time passwords, and how they are kept (hashed).

Only a SHA-256 of a session secret or token secret is stored: a copy of the database does not
let anyone sign in. Passwords are hashed with Argon2id by the services (``pwdlib``); the rules a
new password must meet live here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random

from commsgov.records.errors import InvalidFieldError

#: an API token reads ``cgv_<id>_<secret>``; the id is public (it names the token in lists)
TOKEN_PREFIX = "cgv_"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe text)."""
    return _random.token_urlsafe(32)


def new_token_id() -> str:
    """A fresh public token id (12 hex digits)."""
    return _random.token_hex(6)


def one_time_password() -> str:
    """A random password to hand over once (about 120 bits, grouped for reading aloud).

    >>> len(one_time_password().split("-"))
    4
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ["".join(_random.choice(alphabet) for _ in range(6)) for _ in range(4)]
    return "-".join(groups)


def secret_hash(secret: str) -> str:
    """What is stored for a secret: its SHA-256, 64 hex digits.

    >>> secret_hash("s")[:12]
    '043a718774c5'
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(session_secret: str) -> str:
    """The CSRF token of a session: derived from its secret, so it changes with the session and
    a page on another site (which cannot read the HttpOnly cookie) cannot make it.

    >>> csrf_token("a") == csrf_token("a") != csrf_token("b")
    True
    """
    return hmac.new(session_secret.encode("utf-8"), b"commsgov-csrf", hashlib.sha256).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def format_token(token_id: str, secret: str) -> str:
    """The token as handed over.

    >>> format_token("abc", "xyz")
    'cgv_abc_xyz'
    """
    return f"{TOKEN_PREFIX}{token_id}_{secret}"


def parse_token(token: str) -> tuple[str, str] | None:
    """``(token id, secret)`` of a token, or ``None`` when it is not shaped like one.

    >>> parse_token("cgv_abc_x_y")
    ('abc', 'x_y')
    >>> parse_token("nope") is None
    True
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not token_id or not secret:
        return None
    return token_id, secret


def check_password(password: str, *, field: str = "password") -> None:
    """Refuse a password too short or too long (length is what makes a password strong).

    >>> check_password("short")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: password: must be at least 12 characters
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidFieldError(field, f"must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidFieldError(field, f"must be at most {MAX_PASSWORD} characters")

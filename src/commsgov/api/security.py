"""Security headers on every response, the session cookie, and the CSRF check.

CSRF: a request authenticated by the session cookie that changes state (any method but GET,
HEAD, OPTIONS) must carry the session's CSRF token, in the ``X-CSRF-Token`` header or, for a
plain HTML form post, in its ``csrf_token`` field. The token is derived from the session's secret
(:func:`commsgov.accounts.credentials.csrf_token`), so it is tied to the session and changes at
every sign-in. Bearer-token requests carry no cookie a browser could send for them: no check.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from commsgov.accounts.credentials import same_secret
from commsgov.accounts.errors import PermissionRefused
from commsgov.config import Settings

COOKIE = "commsgov_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response (errors included);
    API responses are also marked ``Cache-Control: no-store``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class CsrfRefused(PermissionRefused):
    """A cookie-authenticated request that changes state came without its CSRF token."""

    code = "csrf"


async def check_csrf(request: Request, expected: str | None) -> None:
    """Refuse a state-changing cookie request whose CSRF token (header or form field) is
    missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette keeps it: the route can read it again
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if expected is None or given is None or not same_secret(given, expected):
        raise CsrfRefused(
            "csrf", f"missing or wrong CSRF token (send it as {CSRF_HEADER} or {CSRF_FIELD})"
        )


def set_session_cookie(
    response: Response, request: Request, settings: Settings, secret: str, max_age: int
) -> None:
    """Put the session secret in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS)."""
    secure = settings.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE, secret, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    """Remove the session cookie from the browser."""
    secure = settings.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure, path="/")

"""Errors on pages: the same exceptions as the API, answered in HTML.

The API maps every error to a problem document once (:mod:`commsgov.api.problems`); here each of
those handlers is wrapped so that a request outside ``/api/`` gets a page instead: not signed in
sends the browser to the sign-in page (and back afterwards), a refusal or a missing CSRF token is
a 403 page, an unknown page a 404 page, anything else a page that says what went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from commsgov import errors
from commsgov.accounts.errors import PasswordChangeRequired
from commsgov.api.paths import API_PREFIX
from commsgov.api.problems import status_of
from commsgov.api.security import COOKIE, CsrfRefused, clear_session_cookie
from commsgov.policy.errors import UnknownIdError

from .render import is_htmx, page

Handler = Callable[[Request, Exception], Awaitable[Response]]

_log = logging.getLogger("commsgov.web")


def redirect(request: Request, target: str) -> Response:
    """Send the browser to ``target``: a 303, or for HTMX an ``HX-Redirect`` (a fragment swap
    of the sign-in page into the middle of another page would help nobody)."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _sign_in_first(request: Request) -> Response:
    params = []
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        params.append("next=" + quote(here, safe="/"))
    if request.cookies.get(COOKIE):
        params.append("ended=1")
    answer = redirect(request, "/sign-in" + ("?" + "&".join(params) if params else ""))
    if request.cookies.get(COOKIE):  # the session is gone: so is its cookie
        clear_session_cookie(answer, request, request.app.state.settings)
    return answer


def _problem_page(request: Request, status: int, title: str, detail: str) -> Response:
    return page(request, None, "error.html", {"title": title, "detail": detail}, status=status)


async def page_error(request: Request, exc: Exception) -> Response:
    """The page for ``exc`` on a request for a page."""
    if isinstance(exc, errors.Unauthenticated):
        return _sign_in_first(request)
    if isinstance(exc, PasswordChangeRequired):
        return redirect(request, "/password")
    if isinstance(exc, CsrfRefused):
        return _problem_page(
            request, 403, "This form could not be accepted",
            "It came without the security code this service puts in every form, or with an "
            "old one. Go back, reload the page and try again.",
        )  # fmt: skip
    if isinstance(exc, errors.PermissionDenied):
        return _problem_page(
            request, 403, "You cannot open this page",
            "Your roles do not allow it. Ask an administrator if you think they should.",
        )  # fmt: skip
    # An unknown scenario or channel is bad input to the API, but in a page's address it is a
    # page that does not exist.
    if isinstance(exc, errors.NotFound | UnknownIdError):
        return _problem_page(request, 404, "Page not found", str(exc))
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return _problem_page(
                request, 404, "Page not found", "Check the address, or start from the advisor."
            )
        return _problem_page(request, exc.status_code, "This request failed", str(exc.detail))
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": ("request",), "msg": "invalid"}
        field = ".".join(str(p) for p in first["loc"] if p not in ("query", "path", "body"))
        return _problem_page(request, 400, "This request is not right", f"{field}: {first['msg']}")
    if isinstance(exc, errors.InvalidInput):
        return _problem_page(request, 400, "This request is not right", str(exc))
    if isinstance(exc, errors.Conflict):
        return _problem_page(request, 409, "This change cannot be made", str(exc))
    if isinstance(exc, errors.CommsgovError) and status_of(exc) < 500:
        return _problem_page(request, status_of(exc), "This request cannot be answered", str(exc))
    _log.exception("error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem_page(
        request, 500, "Sorry, there is a problem with the service",
        "Something went wrong on the server; it has been logged. Try again later.",
    )  # fmt: skip


def _either(api: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(API_PREFIX + "/") or request.url.path == API_PREFIX:
            return await api(request, exc)
        return await page_error(request, exc)

    return handler


def install(app: FastAPI) -> None:
    """Answer errors on pages with pages (after :func:`commsgov.api.problems.install`)."""
    handlers: dict[Any, Any] = app.exception_handlers
    for kind, api_handler in list(handlers.items()):
        handlers[kind] = _either(api_handler)

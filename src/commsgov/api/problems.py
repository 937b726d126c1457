"""Errors as RFC 9457 problem details (``application/problem+json``), mapped once, here.

Bad input is a 4xx naming the field at fault (``field``, and ``errors`` listing each); nothing a
caller sends can make a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from commsgov import errors

_LOG = logging.getLogger("commsgov.api")

MEDIA_TYPE = "application/problem+json"
_TYPES = "https://commsgov.invalid/problems/"


class FieldError(BaseModel):
    """One field at fault and what is wrong with it."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: ``type`` names the kind, ``detail`` says what happened; ``field``
    (and ``errors``) name the input at fault."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


_TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Server error",
    503: "Unavailable",
}

#: documented on every route: the problems any of them can answer
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": _TITLES[status], "content": {MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 409, 422, 429)
}
#: documented on the upload routes as well
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": _TITLES[413], "content": {MEDIA_TYPE: {}}}
}

#: the one map from an error's category (:mod:`commsgov.errors`) to its HTTP status
STATUSES: tuple[tuple[type[errors.CommsgovError], int], ...] = (
    (errors.TooLarge, 413),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthenticated, 401),
    (errors.Throttled, 429),
    (errors.PermissionDenied, 403),
    (errors.Unavailable, 503),
    (errors.IntegrityError, 500),
    (errors.ConfigurationError, 500),
)


def problem(
    status: int,
    detail: str,
    *,
    kind: str,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem response."""
    body = Problem(
        type=_TYPES + kind,
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        field=field,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers,
        media_type=MEDIA_TYPE,
    )  # fmt: skip


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_location(tuple(e["loc"])), message=e["msg"]) for e in exc.errors()]
    first = errors[0] if errors else FieldError(field="body", message="invalid")
    return problem(
        422, f"{first.field}: {first.message}", kind="invalid-input", field=first.field,
        errors=errors,
    )  # fmt: skip


def status_of(error: errors.CommsgovError) -> int:
    """The HTTP status of an error, by its category (500 for one without a category).

    >>> from commsgov.records.errors import NotFoundError
    >>> status_of(NotFoundError("no record 'r1'"))
    404
    """
    for category, status in STATUSES:
        if isinstance(error, category):
            return status
    return 500


async def _commsgov(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.CommsgovError)
    status = status_of(exc)
    if status >= 500:  # the server's own fault: logged, never shown to the caller
        _LOG.error("%s: %s", type(exc).__name__, exc.describe(), exc_info=exc)
        detail = (
            "the store cannot be reached; try again later"
            if status == 503
            else "something went wrong on the server; it has been logged"
        )
        return problem(status, detail, kind=exc.code)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="commsgov"'
    if isinstance(exc, errors.Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    field = exc.field if isinstance(exc, errors.InvalidInput) else None
    message = getattr(exc, "message", None) or str(exc)
    return problem(
        status, exc.describe() or _TITLES[status], kind=exc.code, field=field,
        errors=[FieldError(field=field, message=message)] if field else None, headers=headers,
    )  # fmt: skip


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, str(exc.detail), kind=kind, headers=exc.headers)


async def _server_error(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(500, "something went wrong on the server; it has been logged", kind="server")


def install(app: FastAPI) -> None:
    """Map every error to its problem response (once, for the whole app): commsgov's by their
    category, the framework's validation and routing errors, and anything else as a 500."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(errors.CommsgovError, _commsgov)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _server_error)

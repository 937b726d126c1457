"""Errors as RFC 9457 problem details (``application/problem+json``), mapped once, here.

Bad input is a 4xx naming the field at fault (``field``, and ``errors`` listing each); nothing a
caller sends can make a 5xx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from commsgov.accounts.errors import (
    AccountConflict,
    NotAuthenticated,
    PermissionRefused,
    SignInFailed,
    SignInThrottled,
)
from commsgov.policy.errors import PolicyError, UnknownIdError
from commsgov.records.errors import InvalidFieldError, NotFoundError

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
}

#: documented on every route: the problems any of them can answer
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": _TITLES[status], "content": {MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 409, 422, 429)
}


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


async def _invalid_field(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidFieldError)
    return problem(
        422, str(exc), kind="invalid-input", field=exc.field,
        errors=[FieldError(field=exc.field, message=exc.message)],
    )  # fmt: skip


async def _unknown_id(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnknownIdError)
    return problem(422, str(exc), kind="unknown-id", field=exc.kind)


async def _policy(_request: Request, exc: Exception) -> JSONResponse:
    return problem(422, str(exc), kind="invalid-input")


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return problem(404, str(exc), kind="not-found")


async def _conflict(_request: Request, exc: Exception) -> JSONResponse:
    return problem(409, str(exc), kind="conflict")


async def _sign_in_failed(_request: Request, exc: Exception) -> JSONResponse:
    return problem(401, str(exc), kind="sign-in-failed")


async def _throttled(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SignInThrottled)
    return problem(429, str(exc), kind="throttled", headers={"Retry-After": str(exc.retry_after)})


async def _not_authenticated(_request: Request, exc: Exception) -> JSONResponse:
    return problem(
        401, str(exc) or "sign in first", kind="not-authenticated",
        headers={"WWW-Authenticate": 'Bearer realm="commsgov"'},
    )  # fmt: skip


async def _refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PermissionRefused)
    return problem(403, str(exc), kind=exc.kind)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, str(exc.detail), kind=kind, headers=exc.headers)


async def _server_error(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(500, "something went wrong on the server; it has been logged", kind="server")


def install(app: FastAPI) -> None:
    """Map every error commsgov raises to its problem response (once, for the whole app)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InvalidFieldError, _invalid_field)
    app.add_exception_handler(UnknownIdError, _unknown_id)
    app.add_exception_handler(PolicyError, _policy)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(AccountConflict, _conflict)
    app.add_exception_handler(SignInFailed, _sign_in_failed)
    app.add_exception_handler(SignInThrottled, _throttled)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(PermissionRefused, _refused)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _server_error)

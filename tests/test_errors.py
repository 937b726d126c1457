"""One exception tree: every public error commsgov defines is a CommsgovError in one category,
documented in one line, and the command line maps the categories to exit codes in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import commsgov
from commsgov import errors

CATEGORIES = (
    errors.InvalidInput,
    errors.NotFound,
    errors.Conflict,
    errors.IntegrityError,
    errors.Unavailable,
    errors.ConfigurationError,
    errors.Unauthenticated,
    errors.Throttled,
    errors.PermissionDenied,
)
#: family bases: a family is caught as one, but shells map the categories of its members
FAMILIES = {
    "RecordError", "PolicyError", "RetentionError", "DevicesError", "AccountError",
    "RegisterError",
}  # fmt: skip


def _error_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(commsgov.__path__, "commsgov."):
        if ".migrations" in info.name or info.name.startswith(
            ("commsgov.cli", "commsgov.__main__")
        ):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[f"{obj.__module__}.{name}"] = obj
    return list(found.values())


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__qualname__)
def test_every_error_is_in_the_tree_with_a_one_line_docstring(cls: type[BaseException]) -> None:
    assert issubclass(cls, errors.CommsgovError), f"{cls} is outside the error tree"
    if cls.__name__ not in FAMILIES and cls is not errors.CommsgovError:
        assert issubclass(cls, CATEGORIES), f"{cls} has no category"
    doc = (cls.__doc__ or "").strip()
    assert doc and "\n" not in doc, f"{cls} needs a one-line docstring"


def test_the_tree_is_drawn_in_the_docstring() -> None:
    for category in CATEGORIES:
        assert category.__name__ in (errors.__doc__ or "")


def test_exit_codes_by_category() -> None:
    from commsgov.cli.common import exit_code
    from commsgov.policy.errors import PackError, UnknownIdError
    from commsgov.records.errors import InvalidFieldError, NotFoundError
    from commsgov.retention.errors import HoldError, ReviewError

    assert exit_code(InvalidFieldError("at", "bad")) == 2
    assert exit_code(UnknownIdError("channel", "x", [])) == 2
    assert exit_code(HoldError("no name")) == 2
    assert exit_code(NotFoundError("no record")) == 1
    assert exit_code(ReviewError("held")) == 1
    assert exit_code(PackError([])) == 1
    from commsgov.accounts.errors import AccountConflict, PermissionRefused, SignInFailed
    from commsgov.devices.errors import ColumnMapError, InventoryError

    assert exit_code(InventoryError("bad row", file="apps.csv", line=3)) == 2
    assert exit_code(ColumnMapError("no device column")) == 2
    assert exit_code(AccountConflict("taken")) == 1
    assert exit_code(SignInFailed()) == 1
    assert exit_code(PermissionRefused("users.create")) == 1


def test_http_statuses_by_category() -> None:
    """The API maps the categories once (api.problems), whatever the family."""
    from commsgov.accounts.errors import (
        AccountConflict,
        NotAuthenticated,
        PasswordChangeRequired,
        SignInFailed,
        SignInThrottled,
    )
    from commsgov.api.problems import status_of
    from commsgov.api.security import CsrfRefused
    from commsgov.devices.errors import InventoryError
    from commsgov.policy.errors import PackError, UnknownIdError
    from commsgov.records.errors import InvalidFieldError, NotFoundError
    from commsgov.retention.errors import ReviewError
    from commsgov.store.handle import StoreUnavailable

    expected = {
        InvalidFieldError("at", "bad"): (422, "invalid-input"),
        UnknownIdError("channel", "x", []): (422, "unknown-id"),
        InventoryError("bad row", file="apps.csv", line=3): (422, "invalid-input"),
        NotFoundError("no record"): (404, "not-found"),
        ReviewError("held"): (409, "conflict"),
        AccountConflict("taken"): (409, "conflict"),
        SignInFailed(): (401, "sign-in-failed"),
        NotAuthenticated("sign in first"): (401, "not-authenticated"),
        SignInThrottled(30): (429, "throttled"),
        PasswordChangeRequired("users.list"): (403, "password-change-required"),
        CsrfRefused("users.create"): (403, "csrf"),
        StoreUnavailable("cannot open the database"): (503, "unavailable"),
        PackError([]): (500, "configuration"),
    }
    for error, (status, code) in expected.items():
        assert (status_of(error), error.code) == (status, code), type(error).__name__


def test_invalid_input_names_where() -> None:
    from commsgov.ingest.errors import ParseError
    from commsgov.records.errors import InvalidFieldError

    parse = ParseError("bad header", file="chat.txt", line=3)
    assert (parse.file, parse.line, str(parse)) == ("chat.txt", 3, "chat.txt:3: bad header")
    field = InvalidFieldError("at", "is in the future")
    assert (field.field, field.message, str(field)) == (
        "at",
        "is in the future",
        "at: is in the future",
    )

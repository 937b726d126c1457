"""Errors about accounts, sign-in, sessions, tokens and permissions, in :mod:`commsgov.errors`.

Bad input raises :class:`commsgov.records.errors.InvalidFieldError` (naming the field) and an
unknown user or token :class:`commsgov.records.errors.NotFoundError`, as the rest of commsgov
does; the shells map the categories once (exit codes at the command line, HTTP statuses in the
API).
"""

from __future__ import annotations

from commsgov.errors import CommsgovError, Conflict, PermissionDenied, Throttled, Unauthenticated


class AccountError(CommsgovError):
    """Base class of every error about accounts, sign-in, sessions, tokens and permissions."""


class SignInFailed(AccountError, Unauthenticated):
    """A sign-in was refused; the message never says whether the account exists."""

    code = "sign-in-failed"

    def __init__(self) -> None:
        super().__init__("invalid username or password")


class SignInThrottled(AccountError, Throttled):
    """Too many failed sign-ins for this account or address; ``retry_after`` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins: try again in {retry_after} seconds",
            retry_after=retry_after,
        )


class NotAuthenticated(AccountError, Unauthenticated):
    """No valid session or token came with the request (or it has expired or been ended)."""


class PermissionRefused(AccountError, PermissionDenied):
    """The signed-in user's roles do not allow this action; ``action`` names it."""

    def __init__(self, action: str, message: str | None = None) -> None:
        self.action = action
        super().__init__(message or f"your roles do not allow {action}")


class PasswordChangeRequired(PermissionRefused):
    """The user signed in with a one-time password and must change it before anything else."""

    code = "password-change-required"


class AccountConflict(AccountError, Conflict):
    """The change conflicts with what is stored (a username already taken, ...)."""

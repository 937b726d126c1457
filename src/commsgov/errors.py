"""One exception tree for commsgov: every error it raises on purpose is a :class:`CommsgovError`.

Each family (policy, records, retention, ingest, transfer, store, devices, accounts,
registers) inherits from one *category*, and each shell maps the categories once: the command
line to exit codes (:mod:`commsgov.cli.common`), the HTTP API to statuses and RFC 9457 problems
(:mod:`commsgov.api.problems`). Nothing else needs to know the families. Each category has a
``code``, a short stable name of the kind of error (the end of an API problem's ``type``), which
a family member may make more precise.

::

    CommsgovError                       exit 1   HTTP 500   (uncategorised)
    ├── InvalidInput                    exit 2   HTTP 422   names the field, file and line at fault
    │   ├── records.InvalidFieldError            a field of a record, message, outage, query, user
    │   ├── policy.UnknownIdError                an id or name the pack does not know
    │   ├── policy.InvalidAdviceInput            a value the decision engine cannot take
    │   ├── retention.UnknownScheduleError       no retention schedule for a channel or class
    │   ├── retention.HoldError                  a hold without a name, mandate or scope
    │   ├── retention.InvalidPeriodError         a period that is not ISO 8601
    │   ├── retention.MissingTriggerError        an unknown retention trigger
    │   ├── ingest.ParseError                    an export that cannot be read (and its kinds)
    │   ├── devices.InventoryError               a device inventory that cannot be read
    │   ├── devices.ColumnMapError               a column mapping of a generic CSV inventory
    │   ├── devices.BlocklistFormatError         a blocklist format commsgov cannot write
    │   ├── store.StoreConfigError               a database URL that cannot be used
    │   └── TooLarge                    exit 2   HTTP 413   an upload over its size limit
    ├── NotFound                        exit 1   HTTP 404
    │   ├── records.NotFoundError                a record, outage, hold, transfer, user or token
    │   └── store.NoStoreError                   no database where one was to be read
    ├── Conflict                        exit 1   HTTP 409   the stored state forbids it now
    │   ├── retention.ReviewError                a decision the item's status or a hold forbids
    │   ├── transfer.TransferError               a package that exists already or does not validate
    │   ├── accounts.AccountConflict             a username taken, the last admin, ...
    │   └── registers.RegisterConflict           a domain another's, a request decided already
    ├── IntegrityError                  exit 1   HTTP 500   stored evidence fails its hashes
    │   └── store.BlobError                      a stored file missing or altered
    ├── Unavailable                     exit 1   HTTP 503   the store cannot be reached
    │   └── store.StoreUnavailable
    ├── ConfigurationError              exit 1   HTTP 500   a policy pack or setting is unusable
    │   ├── policy.PackError                     every problem with file, line and field
    │   └── config.SettingError                  a COMMSGOV_* variable that cannot be read
    ├── Unauthenticated                 exit 1   HTTP 401   who is asking is not known
    │   ├── accounts.SignInFailed                a refused sign-in (never says why)
    │   └── accounts.NotAuthenticated            no valid session or token
    ├── Throttled                       exit 1   HTTP 429   too many attempts: retry_after seconds
    │   └── accounts.SignInThrottled             too many failed sign-ins
    └── PermissionDenied                exit 1   HTTP 403   the actor may not do this
        └── accounts.PermissionRefused           the roles do not allow the action
            ├── accounts.PasswordChangeRequired  a one-time password to change first
            └── api.security.CsrfRefused         a cookie request without its CSRF token

A family's own base (``RecordError``, ``PolicyError``, ``RetentionError``, ``DevicesError``,
``AccountError``, ``RegisterError``) stays for code that catches one family; the categories
are what shells map. ``Exception`` subclasses that are not here (``ValueError`` from the
standard library, a database driver's errors) are bugs or outages, never a user's mistake.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CommsgovError",
    "ConfigurationError",
    "Conflict",
    "IntegrityError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "Throttled",
    "TooLarge",
    "Unauthenticated",
    "Unavailable",
]


class CommsgovError(Exception):
    """The root of every error commsgov raises on purpose."""

    #: a short stable name of the kind of error (an API problem's ``type`` ends with it)
    code: ClassVar[str] = "error"

    def describe(self) -> str:
        """The message a person reads (a shell prints it after ``Error:``)."""
        return str(self)


class InvalidInput(CommsgovError):
    """Bad input: ``field``, ``file`` and ``line`` name what is at fault, where known."""

    code = "invalid-input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.field = field
        self.file = file
        self.line = line
        super().__init__(message)


class TooLarge(InvalidInput):
    """What was sent is over a size limit (an upload); the message names the limit."""

    code = "too-large"


class NotFound(CommsgovError):
    """What was asked for (a record, an outage, a hold, a transfer, a user) does not exist."""

    code = "not-found"


class Conflict(CommsgovError):
    """What is stored forbids the change now (already done, held, not approved, a name taken)."""

    code = "conflict"


class IntegrityError(CommsgovError):
    """Stored evidence does not match its hashes (altered or missing): tampering or loss."""

    code = "integrity"


class Unavailable(CommsgovError):
    """The store cannot be reached or opened (connection refused, unreadable file)."""

    code = "unavailable"


class ConfigurationError(CommsgovError):
    """A policy pack or a setting cannot be used."""

    code = "configuration"


class Unauthenticated(CommsgovError):
    """Who is asking is not known (no valid session or token)."""

    code = "not-authenticated"


class PermissionDenied(CommsgovError):
    """The actor is known but may not do this."""

    code = "forbidden"


class Throttled(CommsgovError):
    """Too many attempts: wait ``retry_after`` seconds before trying again."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)

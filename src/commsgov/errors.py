"""One exception tree for commsgov: every error it raises on purpose is a :class:`CommsgovError`.

Each family (policy, records, retention, ingest, transfer, store) inherits from one *category*,
and each shell maps the categories once: the command line to exit codes
(:mod:`commsgov.cli.common`), the HTTP API to statuses. Nothing else needs to know the families.

::

    CommsgovError                       exit 1   HTTP 500   (uncategorised)
    ├── InvalidInput                    exit 2   HTTP 422   names the field, file and line at fault
    │   ├── records.InvalidFieldError            a field of a record, message, outage or query
    │   ├── policy.UnknownIdError                an id or name the pack does not know
    │   ├── policy.InvalidAdviceInput            a value the decision engine cannot take
    │   ├── retention.UnknownScheduleError       no retention schedule for a channel or class
    │   ├── retention.HoldError                  a hold without a name, mandate or scope
    │   ├── retention.InvalidPeriodError         a period that is not ISO 8601
    │   ├── retention.MissingTriggerError        an unknown retention trigger
    │   ├── ingest.ParseError                    an export that cannot be read (and its kinds)
    │   └── store.StoreConfigError               a database URL that cannot be used
    ├── NotFound                        exit 1   HTTP 404
    │   ├── records.NotFoundError                a record, outage, hold or transfer
    │   └── store.NoStoreError                   no database where one was to be read
    ├── Conflict                        exit 1   HTTP 409   the record's state forbids it now
    │   ├── retention.ReviewError                a decision the item's status or a hold forbids
    │   └── transfer.TransferError               a package that exists already or does not validate
    ├── IntegrityError                  exit 1   HTTP 500   stored evidence fails its hashes
    │   └── store.BlobError                      a stored file missing or altered
    ├── Unavailable                     exit 1   HTTP 503   the store cannot be reached
    │   └── store.StoreUnavailable
    ├── ConfigurationError              exit 1   HTTP 500   a policy pack or setting is unusable
    │   └── policy.PackError                     every problem with file, line and field
    ├── Unauthenticated                 exit 1   HTTP 401   (accounts: who is asking is unknown)
    └── PermissionDenied                exit 1   HTTP 403   (accounts: the actor may not do this)

A family's own base (``RecordError``, ``PolicyError``, ``RetentionError``) stays for code that
catches one family; the categories are what shells map. ``Exception`` subclasses that are not
here (``ValueError`` from the standard library, a database driver's errors) are bugs or outages,
never a user's mistake.
"""

from __future__ import annotations

__all__ = [
    "CommsgovError",
    "ConfigurationError",
    "Conflict",
    "IntegrityError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "Unavailable",
]


class CommsgovError(Exception):
    """The root of every error commsgov raises on purpose."""

    def describe(self) -> str:
        """The message a person reads (a shell prints it after ``Error:``)."""
        return str(self)


class InvalidInput(CommsgovError):
    """Bad input: ``field``, ``file`` and ``line`` name what is at fault, where known."""

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


class NotFound(CommsgovError):
    """What was asked for (a record, an outage, a hold, a transfer) does not exist."""


class Conflict(CommsgovError):
    """The record's current state forbids the change (already done, held, not approved)."""


class IntegrityError(CommsgovError):
    """Stored evidence does not match its hashes (altered or missing): tampering or loss."""


class Unavailable(CommsgovError):
    """The store cannot be reached or opened (connection refused, unreadable file)."""


class ConfigurationError(CommsgovError):
    """A policy pack or a setting cannot be used."""


class Unauthenticated(CommsgovError):
    """Who is asking is not known (no valid session or token)."""


class PermissionDenied(CommsgovError):
    """The actor is known but may not do this."""

"""Errors raised by the records core; see :mod:`commsgov.errors` for the tree shells map."""

from __future__ import annotations

from commsgov.errors import CommsgovError, InvalidInput, NotFound


class RecordError(CommsgovError):
    """Base class of every error the records core raises."""


class InvalidFieldError(RecordError, InvalidInput):
    """A field of a record, message or outage is invalid; ``field`` names it."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        self.message = message
        super().__init__(f"{field}: {message}", field=field)


class NotFoundError(RecordError, NotFound):
    """A record, outage or ledger entry was not found."""

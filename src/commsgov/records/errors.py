"""Errors raised by the records core; shells turn them into exit codes or HTTP statuses."""

from __future__ import annotations


class RecordError(Exception):
    """Base class of every error the records core raises."""


class InvalidFieldError(RecordError):
    """A field of a record, message or outage is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFoundError(RecordError):
    """A record, outage or ledger entry was not found."""

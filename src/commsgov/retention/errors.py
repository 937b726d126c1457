"""Errors of the retention core, each naming the field or value at fault (see
:mod:`commsgov.errors` for the tree shells map)."""

from __future__ import annotations

from commsgov.errors import CommsgovError, Conflict, InvalidInput


class RetentionError(CommsgovError):
    """A retention question could not be answered (base class)."""


class InvalidPeriodError(RetentionError, InvalidInput, ValueError):
    """A retention period is not an ISO 8601 duration commsgov understands."""


class MissingTriggerError(RetentionError, InvalidInput, ValueError):
    """The item lacks the date its schedule's trigger counts from."""


class UnknownScheduleError(RetentionError, InvalidInput, LookupError):
    """No retention schedule has this id or channel."""


class HoldError(RetentionError, InvalidInput, ValueError):
    """A hold is malformed (no name, no mandate, no scope) or cannot be lifted."""


class ReviewError(RetentionError, Conflict, ValueError):
    """A review decision is not allowed in the item's current state."""

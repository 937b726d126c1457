"""Errors of the retention core, each naming the field or value at fault."""

from __future__ import annotations


class RetentionError(Exception):
    """A retention question could not be answered (base class)."""


class InvalidPeriodError(RetentionError, ValueError):
    """A retention period is not an ISO 8601 duration commsgov understands."""


class MissingTriggerError(RetentionError, ValueError):
    """The item lacks the date its schedule's trigger counts from."""


class UnknownScheduleError(RetentionError, LookupError):
    """No retention schedule has this id or channel."""


class HoldError(RetentionError, ValueError):
    """A hold is malformed (no name, no mandate, no scope) or cannot be lifted."""


class ReviewError(RetentionError, ValueError):
    """A review decision is not allowed in the item's current state."""

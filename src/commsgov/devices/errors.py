"""Errors raised by the devices core; every one names the file and, where known, the line."""

from __future__ import annotations


class DevicesError(Exception):
    """Base class of every error the devices core raises."""


class InventoryError(DevicesError):
    """A device inventory could not be read; ``file`` and ``line`` say where."""

    def __init__(self, reason: str, *, file: str = "<input>", line: int | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class ColumnMapError(DevicesError):
    """A ``--columns`` mapping for a generic CSV inventory is malformed."""


class BlocklistFormatError(DevicesError):
    """A blocklist format that commsgov cannot write."""

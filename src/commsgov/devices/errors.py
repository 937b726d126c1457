"""Errors raised by the devices core, in :mod:`commsgov.errors`: every one is bad input and
names the file and, where known, the line."""

from __future__ import annotations

from commsgov.errors import CommsgovError, InvalidInput


class DevicesError(CommsgovError):
    """Base class of every error the devices core raises."""


class InventoryError(DevicesError, InvalidInput):
    """A device inventory could not be read; ``file`` and ``line`` say where."""

    file: str

    def __init__(self, reason: str, *, file: str = "<input>", line: int | None = None) -> None:
        self.reason = reason
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}", file=file, line=line)


class ColumnMapError(DevicesError, InvalidInput):
    """A ``--columns`` mapping for a generic CSV inventory is malformed."""


class BlocklistFormatError(DevicesError, InvalidInput):
    """A blocklist format that commsgov cannot write."""

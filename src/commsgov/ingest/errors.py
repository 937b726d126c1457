"""Errors raised by the ingest parsers; every one names the file and, where known, the line."""

from __future__ import annotations


class ParseError(Exception):
    """A chat export could not be parsed; ``file`` and ``line`` say where."""

    def __init__(self, reason: str, *, file: str = "<input>", line: int | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class UnknownFormatError(ParseError):
    """The format of a file could not be recognised (use ``--format``)."""


class AmbiguousDateOrderError(ParseError):
    """The day/month order of a WhatsApp export cannot be decided (use ``--date-order``)."""

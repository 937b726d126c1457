"""Errors raised by the ingest parsers; every one names the file and, where known, the line."""

from __future__ import annotations

from commsgov.errors import InvalidInput


class ParseError(InvalidInput):
    """A chat export could not be parsed; ``file`` and ``line`` say where."""

    file: str

    def __init__(self, reason: str, *, file: str = "<input>", line: int | None = None) -> None:
        self.reason = reason
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}", file=file, line=line)


class UnknownFormatError(ParseError):
    """The format of a file could not be recognised (use ``--format``)."""


class AmbiguousDateOrderError(ParseError):
    """The day/month order of a WhatsApp export cannot be decided (use ``--date-order``)."""

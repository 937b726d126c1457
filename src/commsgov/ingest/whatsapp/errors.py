"""The error a WhatsApp export is refused with."""

from __future__ import annotations

from commsgov.ingest.errors import ParseError


class WhatsAppError(ParseError):
    """A WhatsApp export could not be parsed."""

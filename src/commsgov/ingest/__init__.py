"""Pure parsers for exported chats (WhatsApp, Telegram, Signal, SMS) and format detection.

>>> import io
>>> from zoneinfo import ZoneInfo
>>> from commsgov.ingest import parse
>>> chat = parse(io.BytesIO(b"13/03/2024, 10:00 - Ann: Hi"), name="chat.txt",
...              tz=ZoneInfo("Europe/London"))
>>> chat.format, chat.messages[0].sender
('whatsapp', 'Ann')

The names below load on first use (:func:`__getattr__`), so that reading a setting or a limit
(:mod:`commsgov.ingest.limits`) does not import every parser, and a WhatsApp import loads only
WhatsApp's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsgov._lazy import lazy_names

__all__ = [
    "FLAGS",
    "FORMATS",
    "MESSAGE_KINDS",
    "AmbiguousDateOrderError",
    "DateOrder",
    "LimitError",
    "Limits",
    "ParseError",
    "ParsedAttachment",
    "ParsedChat",
    "ParsedMessage",
    "UnknownFormatError",
    "detect",
    "parse",
]

_LAZY = {
    "AmbiguousDateOrderError": "commsgov.ingest.errors",
    "ParseError": "commsgov.ingest.errors",
    "UnknownFormatError": "commsgov.ingest.errors",
    "LimitError": "commsgov.ingest.limits",
    "Limits": "commsgov.ingest.limits",
    "FLAGS": "commsgov.ingest.model",
    "MESSAGE_KINDS": "commsgov.ingest.model",
    "DateOrder": "commsgov.ingest.model",
    "ParsedAttachment": "commsgov.ingest.model",
    "ParsedChat": "commsgov.ingest.model",
    "ParsedMessage": "commsgov.ingest.model",
    "FORMATS": "commsgov.ingest.registry",
    "detect": "commsgov.ingest.registry",
    "parse": "commsgov.ingest.registry",
}

if TYPE_CHECKING:
    from commsgov.ingest.errors import AmbiguousDateOrderError, ParseError, UnknownFormatError
    from commsgov.ingest.limits import LimitError, Limits
    from commsgov.ingest.model import (
        FLAGS,
        MESSAGE_KINDS,
        DateOrder,
        ParsedAttachment,
        ParsedChat,
        ParsedMessage,
    )
    from commsgov.ingest.registry import FORMATS, detect, parse


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)

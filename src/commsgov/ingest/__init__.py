"""Pure parsers for exported chats (WhatsApp, Telegram, Signal, SMS) and format detection.

>>> import io
>>> from zoneinfo import ZoneInfo
>>> chat = parse(io.BytesIO(b"13/03/2024, 10:00 - Ann: Hi"), name="chat.txt",
...              tz=ZoneInfo("Europe/London"))
>>> chat.format, chat.messages[0].sender
('whatsapp', 'Ann')
"""

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

"""Which parser reads a file: detection from its name and first bytes, and one entry point.

>>> detect("chat.md", b"[2024-03-12 10:00:00] Ann: hi")
'signal'
>>> detect("WhatsApp Chat with Ann.txt", b"12/03/2024, 10:00 - Ann: hi")
'whatsapp'
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any

from commsgov.ingest import whatsapp
from commsgov.ingest.errors import ParseError, UnknownFormatError
from commsgov.ingest.limits import Limits, refuse
from commsgov.ingest.model import DateOrder, ParsedChat

#: every format, with what it reads
FORMATS: dict[str, str] = {
    "whatsapp": "WhatsApp 'Export chat' text file (.txt)",
    "whatsapp-zip": "WhatsApp 'Export chat' zip, with or without media (.zip)",
    "telegram": "Telegram Desktop JSON export (result.json)",
    "signal": "signal-export Markdown (chat.md)",
    "signal-json": "signal-export JSON lines (data.json)",
    "sms": "SMS Backup & Restore XML (.xml)",
}
HEAD_BYTES = 4096
_SIGNAL_HEAD = re.compile(rb"\[\d{4}-\d{2}-\d{2},? \d{2}:\d{2}(?::\d{2})?\] ")


def detect(name: str, head: bytes) -> str:
    """The format of a file from its name and its first bytes (``HEAD_BYTES`` suffice)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04") or base.endswith(".zip"):
        return "whatsapp-zip"
    if text.startswith(b"<") and (b"<smses" in head or b"<allsms" in head):
        return "sms"
    if base.endswith(".xml"):
        return "sms"
    if text.startswith(b"{"):
        first = text.split(b"\n", 1)[0]
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and {"date", "sender", "body"} <= obj.keys():
            return "signal-json"
        return "telegram"
    if base.endswith(".md") or (_SIGNAL_HEAD.match(text) and not base.endswith(".txt")):
        return "signal"
    if base.endswith(".txt") or whatsapp.is_header(text.decode("utf-8", "replace")):
        return "whatsapp"
    raise UnknownFormatError("cannot tell the format of this file; pass --format", file=name)


def parse(
    stream: IO[bytes],
    *,
    name: str,
    tz: dt.tzinfo,
    format: str | None = None,
    date_order: DateOrder | None = None,
    load_media: bool = True,
    limits: Limits = Limits(),
) -> ParsedChat:
    """Parse a chat export read from ``stream`` (seekable), detecting its format unless given.

    Raises only :class:`ParseError` (and its subclasses), naming the file and line at fault;
    an export over one of ``limits`` is refused with a :class:`LimitError` naming it.
    """
    try:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size > limits.max_import_bytes:
            raise refuse("the file", size, "max_import_bytes", limits.max_import_bytes, file=name)
        if format is None:
            head = stream.read(HEAD_BYTES)
            stream.seek(0)
            format = detect(name, head)
        if format not in FORMATS:
            raise UnknownFormatError(f"unknown format {format!r}", file=name)
        # the other formats' parsers load only when one is read (WhatsApp's start-up is measured)
        readers: dict[str, Callable[[], ParsedChat]] = {
            "whatsapp": lambda: whatsapp.parse(
                stream, tz=tz, date_order=date_order, name=name, limits=limits
            ),
            "whatsapp-zip": lambda: whatsapp.parse_zip(
                stream,
                tz=tz,
                date_order=date_order,
                name=name,
                load_media=load_media,
                limits=limits,
                size=size,
            ),
            "telegram": lambda: _parser("telegram").parse(stream, tz=tz, name=name),
            "signal": lambda: _parser("signal").parse_md(stream, tz=tz, name=name),
            "signal-json": lambda: _parser("signal").parse_json(stream, tz=tz, name=name),
            "sms": lambda: _parser("sms").parse(stream, tz=tz, name=name),
        }
        chat = readers[format]()
        if not format.startswith("whatsapp"):  # (WhatsApp's scan checks as it reads)
            _check_messages(chat, limits.max_message_chars)
        return chat
    except ParseError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        LookupError,
        AttributeError,
        OverflowError,
        RecursionError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zipfile.BadZipFile,
        SyntaxError,  # (xml.etree's ParseError)
        OSError,
        lzma.LZMAError,
        zlib.error,
    ) as exc:
        # a last line of defence: a damaged file must never surface as a bare traceback
        raise ParseError(f"cannot read this file ({type(exc).__name__}: {exc})", file=name) from exc


def _parser(name: str) -> Any:
    """The parser module of a format other than WhatsApp's, loaded on first use."""
    return importlib.import_module(f"commsgov.ingest.{name}")


def _check_messages(chat: ParsedChat, longest: int) -> None:
    """Refuse ``chat`` if one of its messages is longer than ``longest`` characters."""
    texts = [m.text for m in chat.messages]
    if texts and max(map(len, texts)) > longest:
        m = max(chat.messages, key=lambda m: len(m.text))
        raise refuse("a message", len(m.text), "max_message_chars", longest, file=chat.source,
                     line=m.line)  # fmt: skip

"""Telegram Desktop JSON exports (``result.json``): one chat, or a whole account.

A single-chat export is an object with ``name``, ``type``, ``id`` and ``messages``; a whole-account
export holds its chats under ``chats.list`` (and ``left_chats.list``), and every message then
carries the name of its chat. ``text`` is a string or a list of strings and entity objects, which
are joined back into the exact text. ``date_unixtime`` (newer exports) gives the instant; without
it, ``date`` is a wall-clock time in the exporting computer's zone, read in ``--tz``.

Media (``photo``, ``file``, ``thumbnail``) are paths relative to the folder of ``result.json``,
kept as each attachment's ``path`` (this module reads nothing but its input: whether the file is
there, and inside the export folder, is for the caller to check); media left out of the export
become the ``media-omitted`` flag.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

from commsgov.ingest._time import from_epoch, localise
from commsgov.ingest.errors import ParseError
from commsgov.ingest.model import (
    ParsedAttachment,
    ParsedChat,
    ParsedMessage,
    make_storable,
    storable,
)

FORMAT = "telegram"
_NOT_INCLUDED = "(File not included."  # how Telegram marks media left out of the export
_MEDIA_FIELDS = ("photo", "file", "thumbnail")
_CALLS = ("phone_call", "group_call")
_KEPT = (
    "media_type",
    "poll",
    "location_information",
    "contact_information",
    "live_location_period_seconds",
    "via_bot",
    "duration_seconds",
)


class TelegramError(ParseError):
    """A Telegram export could not be parsed."""


def text_of(value: object) -> str:
    """The exact text of a ``text`` field: a string, or a list of strings and entities.

    >>> text_of(["Hi ", {"type": "bold", "text": "there"}, "!"])
    'Hi there!'
    """
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise TypeError("a text entity has no text")
        return "".join(parts)
    if value is None:
        return ""
    raise TypeError("text is neither a string nor a list")


#: how far ``date_unixtime`` may be from the written ``date`` (the exporting computer's zone
#: is unknown, so up to a day apart is a zone, not a contradiction)
_AGREE = 86400


def _when(
    raw: dict[str, Any], tz: dt.tzinfo, previous: dt.datetime | None
) -> tuple[dt.datetime, str | None]:
    """The message's time and a flag: the instant ``date_unixtime`` gives, unless it
    contradicts the written ``date`` by more than a day (anonymised exports carry 0): then
    the written date, flagged ``time-mismatch``."""
    unix = raw.get("date_unixtime")
    date = raw.get("date")
    written: tuple[dt.datetime, str | None] | None = None
    if isinstance(date, str):
        naive = dt.datetime.fromisoformat(date)
        # written with its offset: kept as written
        written = (naive, None) if naive.tzinfo is not None else localise(naive, tz, after=previous)
    if unix is not None:
        instant = from_epoch(int(unix), tz)
        if written is None or abs((instant - written[0]).total_seconds()) <= _AGREE:
            return instant, None
        return written[0], "time-mismatch"
    if written is None:
        raise ValueError("a message has no date")
    return written


def _call(raw: dict[str, Any]) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """A ``phone_call`` (or ``group_call``) service message: its text, flags and details."""
    reason = raw.get("discard_reason")
    flags: tuple[str, ...] = ("call", "missed") if reason in ("missed", "busy") else ("call",)
    extra: dict[str, Any] = {k: raw[k] for k in ("duration_seconds", "discard_reason") if k in raw}
    text = _service_text({k: v for k, v in raw.items() if k != "actor"})
    return text, flags, extra


def _service_text(raw: dict[str, Any]) -> str:
    actor = raw.get("actor")
    action = str(raw.get("action", "service"))
    details = []
    for key in ("title", "members", "message_id", "duration_seconds", "discard_reason"):
        if key in raw:
            value = raw[key]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            details.append(f"{key}={value}")
    text = text_of(raw.get("text"))
    head = f"{actor} {action}" if actor else action
    if details:
        head += " (" + "; ".join(details) + ")"
    return head + (f": {text}" if text else "")


def _attachments(raw: dict[str, Any]) -> tuple[tuple[ParsedAttachment, ...], bool]:
    found: list[ParsedAttachment] = []
    omitted = False
    for key in _MEDIA_FIELDS:
        value = raw.get(key)
        if not isinstance(value, str):
            continue
        if key == "thumbnail" and found:
            continue
        if value.startswith(_NOT_INCLUDED):
            omitted = True
            name = raw.get("file_name")
            if isinstance(name, str):
                found.append(ParsedAttachment(name, raw.get("mime_type"), raw.get("file_size")))
            continue
        media_type = raw.get("mime_type") if key == "file" else "image/jpeg"
        size = raw.get("file_size") if key == "file" else raw.get("photo_file_size")
        size = size if isinstance(size, int) else None
        found.append(ParsedAttachment(value, media_type, size, path=value))
        if key == "thumbnail":
            break
    return tuple(found), omitted


def _messages(
    chat: dict[str, Any], tz: dt.tzinfo, *, chat_name: str | None, start: int
) -> list[ParsedMessage]:
    out: list[ParsedMessage] = []
    previous: dt.datetime | None = None
    messages = chat.get("messages", [])
    if not isinstance(messages, list):
        raise TypeError("messages is not a list")
    for number, raw in enumerate(messages, start):
        if not isinstance(raw, dict):
            raise TypeError(f"message {number} is not an object")
        at, dst = _when(raw, tz, previous)
        previous = at
        flags: list[str] = [dst] if dst else []
        extra: dict[str, Any] = {}
        if "id" in raw:
            extra["id"] = raw["id"]
        if raw.get("type") == "service" and raw.get("action") in _CALLS and raw.get("actor"):
            # a call is its caller's, with its duration (not an event without a sender)
            text, call_flags, details = _call(raw)
            out.append(
                ParsedMessage(at=at, sender=str(raw["actor"]), text=text,
                              flags=(*flags, *call_flags), line=number, chat=chat_name,
                              extra=extra | details)
            )  # fmt: skip
            continue
        if raw.get("type") == "service":
            out.append(
                ParsedMessage(at=at, sender=None, text=_service_text(raw), kind="system",
                              flags=tuple(flags), line=number, chat=chat_name, extra=extra)
            )  # fmt: skip
            continue
        sender = raw.get("from")
        if sender is None:
            sender = raw.get("from_id") or raw.get("author") or chat_name or "unknown"
        attachments, omitted = _attachments(raw)
        if omitted:
            flags.append("media-omitted")
        if raw.get("edited") or raw.get("edited_unixtime"):
            flags.append("edited")
        if raw.get("forwarded_from"):
            flags.append("forwarded")
            extra["forwarded_from"] = raw["forwarded_from"]
        if raw.get("reply_to_message_id") is not None:
            extra["reply_to"] = raw["reply_to_message_id"]
        if raw.get("from_id"):
            extra["from_id"] = raw["from_id"]
        if raw.get("sticker_emoji") and not raw.get("text"):
            extra["sticker"] = raw["sticker_emoji"]
        for key in _KEPT:  # content that is not text: polls, places, contacts, media kind
            if raw.get(key) not in (None, "", [], {}):
                extra[key] = raw[key]
        out.append(
            ParsedMessage(
                at=at,
                sender=str(sender),
                text=text_of(raw.get("text")),
                flags=tuple(flags),
                attachments=attachments,
                line=number,
                chat=chat_name,
                extra=extra,
            )
        )
    return out


def parse(stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>") -> ParsedChat:
    """Parse a Telegram Desktop ``result.json`` read from ``stream``.

    ``line`` of each message is its position in the export (1-based, across all chats).
    """
    try:
        data = json.loads(stream.read())
    except UnicodeDecodeError as exc:
        raise TelegramError(f"not UTF-8 text ({exc.reason})", file=name) from None
    except json.JSONDecodeError as exc:
        raise TelegramError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    except RecursionError:
        raise TelegramError("JSON nested too deeply", file=name) from None
    if not isinstance(data, dict):
        raise TelegramError("not a Telegram export (expected a JSON object)", file=name)
    try:
        if "messages" in data:
            title = data.get("name")
            title = storable(str(title)) if title is not None else None
            messages = _messages(data, tz, chat_name=None, start=1)
            make_storable(messages)
            return ParsedChat(format=FORMAT, source=name, messages=messages, title=title)
        chats: list[Any] = []
        for key in ("chats", "left_chats"):
            section = data.get(key)
            if isinstance(section, dict) and isinstance(section.get("list"), list):
                chats.extend(section["list"])
        if not chats and "chats" not in data:
            raise TelegramError("not a Telegram export (no messages or chats)", file=name)
        messages = []
        for chat in chats:
            if not isinstance(chat, dict):
                raise TypeError("a chat is not an object")
            chat_name = chat.get("name")
            label = str(chat_name) if chat_name is not None else f"chat {chat.get('id')}"
            messages.extend(_messages(chat, tz, chat_name=label, start=len(messages) + 1))
    except (TypeError, ValueError, KeyError, OverflowError, OSError) as exc:
        raise TelegramError(f"unexpected content: {exc}", file=name) from None
    make_storable(messages)
    return ParsedChat(format=FORMAT, source=name, messages=messages, title="Telegram account")

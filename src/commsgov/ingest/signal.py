"""Signal exports made with signal-export (``sigexport``): ``chat.md`` and ``data.json``.

``chat.md`` has one message per header line, continuation lines after it::

    [2024-03-12 10:00:00] Ann: text          current layout (seconds)
    [2024-03-12, 10:00] Ann: text            older layouts (minutes, optional comma)

and marks attachments as Markdown links (``[name](./media/file)``, ``!`` before images),
reactions as a trailing ``(- Ann: 👍 -)`` line, a sticker as ``(( 😀 ))`` and a deleted message as
``(This message was deleted)``. ``data.json`` holds one JSON object per line with ``date``,
``sender``, ``body``, ``quote``, ``attachments``, ``reactions``, ``sticker``, ``deleted``, ``call``
and ``missed``. Times are wall-clock times of the exporting computer, read in ``--tz``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from commsgov.ingest._time import from_epoch, localise
from commsgov.ingest.errors import ParseError
from commsgov.ingest.model import ParsedAttachment, ParsedChat, ParsedMessage, make_storable

FORMAT_MD = "signal"
FORMAT_JSON = "signal-json"

_HEADER = re.compile(
    r"\[(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{2}:\d{2}(?::\d{2})?)\] (?P<sender>.*?): ?"
)
_LINK = re.compile(r"!?\[(?P<name>[^\]\n]*)\]\((?P<path>[^)\n]*)\)(?:  )?")
_REACTIONS = re.compile(r"\n\(- (?P<list>.*) -\)\Z")
_STICKER = re.compile(r"\n\(\( (?P<label>.*) \)\)\Z")
_DELETED = "(This message was deleted)"


class SignalError(ParseError):
    """A signal-export file could not be parsed."""


def _chat_name(name: str) -> str | None:
    parts = name.replace("\\", "/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-2] else None


def _reactions(text: str) -> list[dict[str, str]]:
    out = []
    for item in text.split(", "):
        who, _, emoji = item.rpartition(": ")
        if who:
            out.append({"name": who, "emoji": emoji})
    return out


def _md_message(
    sender: str, body: str, at: dt.datetime, flags: list[str], line: int, chat: str | None
) -> ParsedMessage:
    extra: dict[str, Any] = {}
    if body == _DELETED:
        return ParsedMessage(at=at, sender=sender, text="", flags=(*flags, "deleted"), line=line,
                             chat=chat)  # fmt: skip
    attachments = []
    # signal-export appends reactions, a sticker, then attachment links after the body
    while (m := _trailing_link(body)) is not None:
        attachments.append(ParsedAttachment(m["path"].removeprefix("./") or m["name"]))
        body = body[: m.start()]
    attachments.reverse()
    if (m := _STICKER.search(body)) is not None:
        extra["sticker"] = m["label"]
        body = body[: m.start()]
    if (m := _REACTIONS.search(body)) is not None:
        extra["reactions"] = _reactions(m["list"])
        flags.append("reactions")
        body = body[: m.start()]
    return ParsedMessage(
        at=at,
        sender=sender,
        text=body,
        flags=tuple(flags),
        attachments=tuple(attachments),
        line=line,
        chat=chat,
        extra=extra,
    )


def _trailing_link(body: str) -> re.Match[str] | None:
    last = None
    for m in _LINK.finditer(body):
        last = m
    if last is not None and last.end() == len(body):
        return last
    return None


def _lines(stream: IO[bytes], file: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SignalError("not UTF-8 text", file=file, line=number) from None
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield number, line


def parse_md(stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>") -> ParsedChat:
    """Parse a signal-export ``chat.md`` read from ``stream``."""
    chat = _chat_name(name)
    messages: list[ParsedMessage] = []
    current: tuple[int, str, dt.datetime, list[str]] | None = None
    body: list[str] = []
    previous: dt.datetime | None = None
    times: dict[str, dt.datetime] = {}

    def flush() -> None:
        if current is not None:
            line, sender, at, flags = current
            # sigexport writes a blank line after every message (print of a text ending "\n")
            text = "\n".join(body).removesuffix("\n")
            messages.append(_md_message(sender, text, at, flags, line, chat))

    for number, line in _lines(stream, name):
        m = _HEADER.match(line)
        if m is not None:
            stamp = m["date"] + " " + m["time"]
            naive = times.get(stamp)
            if naive is None:
                try:
                    naive = dt.datetime.fromisoformat(stamp)
                except ValueError:
                    m = None
                else:
                    times[stamp] = naive
        if m is None or naive is None:
            if current is None:
                if not line.strip():
                    continue
                raise SignalError("text before the first message header", file=name, line=number)
            body.append(line)
            continue
        flush()
        at, dst = localise(naive, tz, after=previous)
        previous = at
        current = (number, m["sender"], at, [dst] if dst else [])
        body = [line[m.end() :]]
    flush()
    if current is None:
        raise SignalError("no signal-export message header found", file=name, line=1)
    make_storable(messages)
    return ParsedChat(format=FORMAT_MD, source=name, messages=messages, title=chat)


def parse_json(stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>") -> ParsedChat:
    """Parse a signal-export ``data.json`` (one JSON object per line) read from ``stream``."""
    chat = _chat_name(name)
    messages: list[ParsedMessage] = []
    previous: dt.datetime | None = None
    for number, line in _lines(stream, name):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            date = raw["date"]
            if isinstance(date, int | float) and not isinstance(date, bool):
                # an instant (Signal keeps milliseconds since 1970)
                at, dst = from_epoch(date / 1000 if date > 1e11 else date, tz), None
            else:
                naive = dt.datetime.fromisoformat(str(date))
                if naive.tzinfo is not None:
                    at, dst = naive, None  # written with its offset: kept as written
                else:
                    at, dst = localise(naive, tz, after=previous)
            previous = at
            flags = [dst] if dst else []
            extra: dict[str, Any] = {}
            for flag in ("deleted", "call", "missed"):
                if raw.get(flag):
                    flags.append(flag)
            reactions = raw.get("reactions") or []
            if reactions:
                flags.append("reactions")
                extra["reactions"] = [{"name": str(r[0]), "emoji": str(r[1])} for r in reactions]
            if raw.get("quote"):
                extra["quote"] = str(raw["quote"])
            sticker = raw.get("sticker")
            if isinstance(sticker, dict):
                extra["sticker"] = sticker.get("emoji") or "sticker"
            attachments = tuple(
                ParsedAttachment(str(a.get("path") or a.get("name") or "").removeprefix("./"))
                for a in raw.get("attachments") or []
            )
            body = raw.get("body")
            messages.append(
                ParsedMessage(
                    at=at,
                    sender=str(raw["sender"]),
                    text="" if body is None else str(body),
                    flags=tuple(flags),
                    attachments=attachments,
                    line=number,
                    chat=chat,
                    extra=extra,
                )
            )
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
            RecursionError,
            OverflowError,
            OSError,
        ) as exc:
            raise SignalError(
                f"not a signal-export message ({exc})", file=name, line=number
            ) from None
    if not messages:
        raise SignalError("no messages", file=name, line=1)
    make_storable(messages)
    return ParsedChat(format=FORMAT_JSON, source=name, messages=messages, title=chat)

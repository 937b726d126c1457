"""What the parsers produce: plain, immutable messages in file order.

Times are always timezone-aware. ``text`` is exactly what the person wrote (markers WhatsApp or
an exporter add, such as ``<Media omitted>`` or ``<This message was edited>``, become ``flags``
and ``attachments`` instead).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

MessageKind = Literal["message", "system"]
#: the kinds of message the parsers emit (the record stores exactly these): sent by someone,
#: or an event without a sender (join, leave, the encryption notice...)
MESSAGE_KINDS: frozenset[str] = frozenset(get_args(MessageKind))
DateOrder = Literal["dmy", "mdy", "ymd"]

#: every flag a parser may set, with its meaning (documented, and guarded by a test)
FLAGS: dict[str, str] = {
    "deleted": "the message was deleted; its text is gone",
    "edited": "the message was edited after it was sent; the text is the final version",
    "media-omitted": "media was sent but the export does not include it",
    "view-once": "a view-once photo, video or voice message",
    "dst-ambiguous": "the local time occurs twice at a clock change; the earlier reading is used "
    "unless the order of messages proves the later",
    "dst-nonexistent": "the local time does not exist (clocks went forward); kept as written",
    "header-in-text": "a line inside this message looks like a message header but is not one",
    "out-of-order": "the message's time is out of line with the messages around it (more than "
    "70 minutes back or ahead): sent offline, delivered late, an event the phone wrote when it "
    "processed it, or a line pasted from elsewhere; kept as a message, for a reviewer to check",
    "time-mismatch": "the export gives two times for the message that disagree by more than a "
    "day (Telegram's date_unixtime and date); the written date is kept",
    "pending": "the phone had not received the message yet when the chat was exported "
    "(WhatsApp's 'Waiting for this message'); its text is not in the export",
    "location": "a location was shared (its link is the text)",
    "poll": "a poll (its question and options are the text)",
    "forwarded": "the message was forwarded from elsewhere",
    "reactions": "people reacted to the message (see ``extra``)",
    "call": "a voice or video call",
    "missed": "a missed call",
    "text-replaced": "characters no database can hold as text (a NUL, or half of a UTF-16 "
    "surrogate pair) were replaced by U+FFFD; the original export, stored and hashed, keeps them",
    "draft": "an unsent draft (SMS)",
    "failed": "a message that failed to send (SMS)",
}


def _offset_text(when: dt.datetime) -> str:
    """The UTC offset of ``when`` as ``+HH:MM`` (the zone of a time written with an offset)."""
    offset = when.utcoffset() or dt.timedelta(0)
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


#: what PostgreSQL cannot store in text (NUL) and what no encoding can write (a lone surrogate)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with each character no database can hold as text (NUL, a lone UTF-16
    surrogate) replaced by U+FFFD; SQLite and PostgreSQL then store the same.

    >>> storable("a\\x00b\\ud800c")
    'a\\ufffdb\\ufffdc'
    """
    return _UNSTORABLE.sub("\ufffd", text)


def make_storable(messages: list[ParsedMessage]) -> None:
    """Replace what no database can hold (see :func:`storable`) in every message's text,
    sender, chat and attachment names, and flag each message changed ``text-replaced``.

    >>> m = ParsedMessage(dt.datetime(2026, 7, 1, tzinfo=dt.UTC), "Ann\\x00", "hi\\ud83d")
    >>> make_storable([m])
    >>> m.sender, m.text, m.flags
    ('Ann\\ufffd', 'hi\\ufffd', ('text-replaced',))
    """
    search = _UNSTORABLE.search
    for m in messages:
        names = [a.name for a in m.attachments]
        if not any(
            search(value) is not None for value in (m.text, m.sender or "", m.chat or "", *names)
        ):
            continue
        m.text = storable(m.text)
        m.sender = None if m.sender is None else storable(m.sender)
        m.chat = None if m.chat is None else storable(m.chat)
        m.attachments = tuple(
            ParsedAttachment(storable(a.name), a.media_type, a.size, a.path) for a in m.attachments
        )
        m.flags = (*m.flags, "text-replaced")


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    """A file referred to by a message: its name in the export, and what kind it is.

    ``path`` is where the export says the file is, relative to the export (Telegram), when the
    export claims to include it; it is not part of :meth:`to_dict`.
    """

    name: str
    media_type: str | None = None
    size: int | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {"name": self.name, "media_type": self.media_type, "size": self.size}


@dataclass(slots=True)
class ParsedMessage:
    """One message or system event, as exported (treat it as immutable).

    ``line`` is where it starts in the file (1-based; for JSON and XML exports the message's
    index). ``chat`` names the conversation when one file holds several; ``extra`` holds what a
    format adds (ids, reactions, addresses). Not frozen: a frozen dataclass costs four times as
    much to build, which is a third of the parse time of a large export.
    """

    at: dt.datetime
    sender: str | None
    text: str
    kind: MessageKind = "message"
    flags: tuple[str, ...] = ()
    attachments: tuple[ParsedAttachment, ...] = ()
    line: int = 0
    chat: str | None = None
    extra: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (``at`` as ISO 8601 with its offset).

        >>> from zoneinfo import ZoneInfo
        >>> m = ParsedMessage(dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")),
        ...                   "Ann", "Hi")
        >>> m.to_dict()["at"], m.to_dict()["zone"]
        ('2026-07-01T09:00:00+01:00', 'Europe/London')
        """
        zone = getattr(self.at.tzinfo, "key", None) or _offset_text(self.at)
        data: dict[str, Any] = {
            "at": self.at.isoformat(),
            "zone": zone,
            "sender": self.sender,
            "text": self.text,
            "kind": self.kind,
            "flags": list(self.flags),
            "attachments": [a.to_dict() for a in self.attachments],
            "line": self.line,
        }
        if self.chat is not None:
            data["chat"] = self.chat
        if self.extra:
            data["extra"] = self.extra
        return data


@dataclass(slots=True)
class ParsedChat:
    """A parsed export: its format, a title when the export has one, and its messages in order.

    ``media`` maps an attachment name to its bytes for exports that carry media (WhatsApp zip).
    """

    format: str
    source: str
    messages: list[ParsedMessage]
    title: str | None = None
    media: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``format``, ``count``, ``messages`` (what ``--dry-run`` prints)."""
        return {
            "file": self.source,
            "format": self.format,
            "title": self.title,
            "count": len(self.messages),
            "messages": [m.to_dict() for m in self.messages],
        }

"""SMS Backup & Restore XML (``<smses>`` of ``<sms>`` and ``<mms>``), streamed.

The file is read in chunks through ``iterparse`` and each message element is cleared once read,
so a multi-gigabyte backup never sits in memory. SMS Backup & Restore writes characters outside
the Basic Multilingual Plane (emoji) as *pairs* of surrogate character references
(``&#55357;&#56832;``), which XML forbids; they are combined into one reference (``&#128512;``)
on the fly, and a lone surrogate becomes U+FFFD.

Times are epoch milliseconds (exact instants), shown in ``--tz``. ``type`` (SMS) and ``msg_box``
(MMS) say the direction: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued. For MMS the
sender is the ``<addr>`` of type 137 and the text is the ``text/plain`` parts; other parts
(``application/smil`` is layout and is skipped) are attachments, whose bytes are the part's base64
``data``: :func:`parse` checks that it decodes (a part that does not is refused with the
message's position), and :func:`iter_media` reads the file again, yielding one part's data at a
time, for the caller to store.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from commsgov.ingest._time import from_epoch
from commsgov.ingest.errors import ParseError
from commsgov.ingest.model import ParsedAttachment, ParsedChat, ParsedMessage

FORMAT = "sms"
ME = "me"  # the sender of messages sent from the phone the backup was made on
_CHUNK = 1 << 20
_SURROGATE_REF = re.compile(rb"&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,8}));")
_REF_AT_END = re.compile(rb"&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,8}));\Z")
_NULL = "null"
_FLAGS_BY_BOX = {3: "draft", 5: "failed"}
_SPACE = re.compile(r"\s")


class SmsError(ParseError):
    """An SMS Backup & Restore file could not be parsed."""


class _BadData(ValueError):
    """A part's ``data`` is not base64."""


@dataclass(frozen=True, slots=True)
class MediaPart:
    """The media of one MMS part: its message's position (``ParsedMessage.line``), its index
    among that message's attachments, its name and type, and its bytes as base64 text."""

    message: int
    index: int
    name: str
    media_type: str | None
    data: str


def decode_data(data: str) -> bytes:
    """The bytes of a part's base64 ``data`` (line breaks allowed); ``ValueError`` if it is not
    base64.

    >>> decode_data("aGk=\\n")
    b'hi'
    """
    if _SPACE.search(data):
        data = _SPACE.sub("", data)
    return base64.b64decode(data, validate=True)


def _part_bytes(data: str, index: int, name: str) -> bytes:
    """The bytes of a message's attachment ``index`` (named ``name``); ``_BadData`` naming the
    part if its data is not base64."""
    try:
        return decode_data(data)
    except ValueError as exc:
        raise _BadData(f"part {index + 1} ({name}): data is not base64 ({exc})") from None


def media_bytes(part: MediaPart, *, name: str = "<input>") -> bytes:
    """The bytes of a media part from :func:`iter_media`; if its data is not base64 (the file
    changed after :func:`parse` checked it), the :class:`SmsError` that :func:`parse` gives.

    >>> media_bytes(MediaPart(1, 0, "a.txt", "text/plain", "aGk="))
    b'hi'
    """
    try:
        return _part_bytes(part.data, part.index, part.name)
    except _BadData as exc:
        raise _refused(part.message, str(exc), name) from None


def _refused(number: int, reason: str, name: str) -> SmsError:
    """The error for the message at position ``number`` (its ``line``)."""
    return SmsError(f"message {number}: {reason}", file=name, line=number)


def combine_surrogates(data: bytes) -> bytes:
    """Combine surrogate-pair character references; replace lone surrogates with U+FFFD.

    >>> combine_surrogates(b"a&#55357;&#56832;b&#55357;c")
    b'a&#128512;b&#65533;c'
    """
    if b"&#" not in data:
        return data
    out: list[bytes] = []
    pos = 0
    pending: int | None = None  # a high surrogate waiting for its low half
    pending_end = 0
    for m in _SURROGATE_REF.finditer(data):
        value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if pending is not None and (m.start() != pending_end or not 0xDC00 <= value <= 0xDFFF):
            out.append(b"&#65533;")
            pending = None
        if 0xD800 <= value <= 0xDBFF:
            out.append(data[pos : m.start()])
            pending, pending_end, pos = value, m.end(), m.end()
        elif 0xDC00 <= value <= 0xDFFF:
            out.append(data[pos : m.start()])
            if pending is not None:
                code = 0x10000 + ((pending - 0xD800) << 10) + (value - 0xDC00)
                out.append(b"&#%d;" % code)
                pending = None
            else:
                out.append(b"&#65533;")
            pos = m.end()
    if pending is not None:
        out.append(b"&#65533;")
    out.append(data[pos:])
    return b"".join(out)


class _FixedStream:
    """A read-only file object that combines surrogate references across chunk boundaries."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._carry = b""
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        """Up to about ``size`` bytes, with surrogate references combined."""
        while True:
            want = _CHUNK if size is None or size < 0 else min(max(size, 64), _CHUNK)
            chunk = self._stream.read(want)
            self.bytes_read += len(chunk)
            data = self._carry + chunk
            if not chunk:
                self._carry = b""
                return combine_surrogates(data)
            # hold back references near the end: one may be cut, or wait for its partner
            cut = data.find(b"&", max(0, len(data) - 40))
            if cut > 0:
                # a high surrogate just before the cut must stay with its low half
                before = _REF_AT_END.search(data, max(0, cut - 16), cut)
                if before is not None:
                    value = int(before[1], 16) if before[1] else int(before[2])
                    if 0xD800 <= value <= 0xDBFF:
                        cut = before.start()
            if cut >= 0:
                data, self._carry = data[:cut], data[cut:]
            else:
                self._carry = b""
            if data:
                return combine_surrogates(data)


def _attr(elem: ET.Element, key: str) -> str | None:
    value = elem.get(key)
    return None if value is None or value == _NULL else value


def _sms(elem: ET.Element, tz: dt.tzinfo, number: int) -> ParsedMessage:
    at = from_epoch(int(elem.get("date", "")) / 1000, tz)
    box = int(elem.get("type", "1") or "1")
    contact = _attr(elem, "contact_name")
    address = _attr(elem, "address")
    other = contact if contact and contact != "(Unknown)" else address
    sender = other if box == 1 else ME
    flags = (_FLAGS_BY_BOX[box],) if box in _FLAGS_BY_BOX else ()
    extra: dict[str, object] = {"address": address, "direction": "in" if box == 1 else "out"}
    if contact:
        extra["contact_name"] = contact
    return ParsedMessage(
        at=at,
        sender=sender or "unknown",
        text=elem.get("body") or "",
        flags=flags,
        line=number,
        chat=address,
        extra=extra,
    )


def _media_parts(elem: ET.Element) -> Iterator[tuple[ET.Element, str | None]]:
    """The parts of an MMS that are attachments (not text, not SMIL layout), with their type."""
    for part in elem.iter("part"):
        ct = part.get("ct") or ""
        if ct == "application/smil":
            continue
        if ct.startswith("text/plain") and part.get("text") is not None:
            continue
        yield part, ct or None


def _part_name(part: ET.Element, index: int) -> str:
    return _attr(part, "cl") or _attr(part, "fn") or _attr(part, "name") or f"part-{index}"


def _mms(elem: ET.Element, tz: dt.tzinfo, number: int) -> ParsedMessage:
    at = from_epoch(int(elem.get("date", "")) / 1000, tz)
    box = int(elem.get("msg_box", "1") or "1")
    texts = [
        part.get("text") or ""
        for part in elem.iter("part")
        if (part.get("ct") or "").startswith("text/plain") and part.get("text") is not None
    ]
    attachments: list[ParsedAttachment] = []
    for index, (part, media_type) in enumerate(_media_parts(elem)):
        name = _part_name(part, index)
        data = part.get("data")
        size = len(_part_bytes(data, index, name)) if data else None
        attachments.append(ParsedAttachment(name, media_type, size))
    sender_address = None
    recipients = []
    for addr in elem.iter("addr"):
        kind = addr.get("type")
        if kind == "137":
            sender_address = _attr(addr, "address")
        elif kind in ("151", "130", "129"):
            recipients.append(_attr(addr, "address"))
    contact = _attr(elem, "contact_name")
    address = _attr(elem, "address")
    if box == 1:
        sender = sender_address or (contact if contact and "," not in contact else address)
    else:
        sender = ME
    flags = (_FLAGS_BY_BOX[box],) if box in _FLAGS_BY_BOX else ()
    extra: dict[str, object] = {
        "address": address,
        "direction": "in" if box == 1 else "out",
        "recipients": [r for r in recipients if r],
    }
    if contact:
        extra["contact_name"] = contact
    return ParsedMessage(
        at=at,
        sender=sender or "unknown",
        text="\n".join(texts),
        flags=flags,
        attachments=tuple(attachments),
        line=number,
        chat=address,
        extra=extra,
    )


def _elements(stream: IO[bytes], name: str) -> Iterator[tuple[int, ET.Element]]:
    """The ``<sms>`` and ``<mms>`` elements with their position (1-based), each cleared once the
    consumer has moved on (constant memory)."""
    fixed = _FixedStream(stream)
    number = 0
    root: ET.Element | None = None
    depth = 0
    try:
        for event, elem in ET.iterparse(fixed, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
                    if elem.tag not in ("smses", "allsms"):
                        raise SmsError(
                            f"not an SMS Backup & Restore file (root <{elem.tag}>)", file=name
                        )
                depth += 1
                continue
            depth -= 1
            if depth != 1 or elem.tag not in ("sms", "mms"):
                continue
            number += 1
            yield number, elem
            elem.clear()
            if root is not None:
                root.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise SmsError(f"not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})",
                       file=name, line=line) from None  # fmt: skip
    except RecursionError:
        raise SmsError("XML nested too deeply", file=name) from None
    except (LookupError, UnicodeError) as exc:
        raise SmsError(f"unreadable text encoding ({exc})", file=name) from None
    if root is None:
        raise SmsError("empty file", file=name)


def iter_messages(
    stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>"
) -> Iterator[ParsedMessage]:
    """Yield the messages of an SMS Backup & Restore file one by one (constant memory).

    A message that cannot be read (a bad date, a part whose data is not base64) is refused
    with its position as the ``line``.
    """
    for number, elem in _elements(stream, name):
        try:
            yield _sms(elem, tz, number) if elem.tag == "sms" else _mms(elem, tz, number)
        except (ValueError, OverflowError, OSError) as exc:
            reason = str(exc) if isinstance(exc, _BadData) else f"bad value ({exc})"
            raise _refused(number, reason, name) from None


def iter_media(stream: IO[bytes], *, name: str = "<input>") -> Iterator[MediaPart]:
    """Yield the media parts that carry data, one at a time, in file order (constant memory).

    ``index`` is the part's position among its message's attachments as :func:`parse` lists
    them, so ``(message, index)`` finds its attachment even when part names repeat.

    >>> import io
    >>> xml = (b'<smses><mms date="0" msg_box="1"><parts>'
    ...        b'<part ct="application/smil" text="&lt;smil/&gt;"/>'
    ...        b'<part ct="image/png" cl="a.png" data="iVBO"/></parts></mms></smses>')
    >>> [(p.message, p.index, p.name, p.data) for p in iter_media(io.BytesIO(xml))]
    [(1, 0, 'a.png', 'iVBO')]
    """
    for number, elem in _elements(stream, name):
        if elem.tag != "mms":
            continue
        for index, (part, media_type) in enumerate(_media_parts(elem)):
            data = part.get("data")
            if data:
                yield MediaPart(number, index, _part_name(part, index), media_type, data)


def parse(stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>") -> ParsedChat:
    """Parse an SMS Backup & Restore XML file read from ``stream``.

    ``line`` of each message is its position in the backup (1-based). Messages of every
    conversation are in one list; ``chat`` is the other party's address.
    """
    messages = list(iter_messages(stream, tz=tz, name=name))
    return ParsedChat(format=FORMAT, source=name, messages=messages, title="SMS backup")

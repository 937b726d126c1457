"""SMS Backup & Restore XML (``<smses>`` of ``<sms>`` and ``<mms>``), streamed.

The file is read in chunks through ``iterparse`` and each message element is cleared once read,
so a multi-gigabyte backup never sits in memory. SMS Backup & Restore writes characters outside
the Basic Multilingual Plane (emoji) as *pairs* of surrogate character references
(``&#55357;&#56832;``), which XML forbids; they are combined into one reference (``&#128512;``)
on the fly, and a lone surrogate becomes U+FFFD.

Times are epoch milliseconds (exact instants), shown in ``--tz``. ``type`` (SMS) and ``msg_box``
(MMS) say the direction: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued. For MMS the
sender is the ``<addr>`` of type 137 and the text is the ``text/plain`` parts; other parts are
attachments (name and type; their bytes stay in the original file).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
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


class SmsError(ParseError):
    """An SMS Backup & Restore file could not be parsed."""


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


def _mms(elem: ET.Element, tz: dt.tzinfo, number: int) -> ParsedMessage:
    at = from_epoch(int(elem.get("date", "")) / 1000, tz)
    box = int(elem.get("msg_box", "1") or "1")
    texts: list[str] = []
    attachments: list[ParsedAttachment] = []
    for part in elem.iter("part"):
        ct = part.get("ct") or ""
        if ct == "application/smil":
            continue
        if ct.startswith("text/plain") and part.get("text") is not None:
            texts.append(part.get("text") or "")
            continue
        name = (
            _attr(part, "cl")
            or _attr(part, "fn")
            or _attr(part, "name")
            or f"part-{len(attachments)}"
        )
        data = part.get("data")
        size = None
        if data:
            try:
                size = len(base64.b64decode(data, validate=False))
            except (binascii.Error, ValueError):
                size = None
        attachments.append(ParsedAttachment(name, ct or None, size))
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


def iter_messages(
    stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>"
) -> Iterator[ParsedMessage]:
    """Yield the messages of an SMS Backup & Restore file one by one (constant memory)."""
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
            try:
                yield _sms(elem, tz, number) if elem.tag == "sms" else _mms(elem, tz, number)
            except (ValueError, OverflowError, OSError) as exc:
                raise SmsError(f"message {number}: bad value ({exc})", file=name) from None
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


def parse(stream: IO[bytes], *, tz: dt.tzinfo, name: str = "<input>") -> ParsedChat:
    """Parse an SMS Backup & Restore XML file read from ``stream``.

    ``line`` of each message is its position in the backup (1-based). Messages of every
    conversation are in one list; ``chat`` is the other party's address.
    """
    messages = list(iter_messages(stream, tz=tz, name=name))
    return ParsedChat(format=FORMAT, source=name, messages=messages, title="SMS backup")

"""WhatsApp "Export chat" files (``.txt``, or ``.zip`` with media), Android and iOS, any locale.

A line starts a message only when it *begins* with a header in the file's own layout::

    12/03/2024, 10:00 - Ann: text            Android
    [12/03/2024, 10:00:00] Ann: text         iOS (the bracket may follow a left-to-right mark)

Everything else continues the previous message, so message text is kept exactly, line breaks
included. Headers are recognised in every layout WhatsApp uses (d/m/y, m/d/y, y/m/d; ``/ . -``;
2- or 4-digit years; 12 h with AM/PM in many spellings and languages, or 24 h; optional seconds)
and the layout is decided from the whole file, as is the day/month order. A header-shaped line
inside a message is not taken for a new message when its layout differs from the file's, or
when its time goes back (or jumps forward, out of line with what follows); the message keeps
the line as text and gets the ``header-in-text`` flag.

The parser reads the file once, line by line, and converts each distinct date and time string
once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

from commsgov.ingest._time import localise
from commsgov.ingest.errors import AmbiguousDateOrderError, ParseError
from commsgov.ingest.model import DateOrder, ParsedAttachment, ParsedChat, ParsedMessage

FORMAT = "whatsapp"
FORMAT_ZIP = "whatsapp-zip"

#: 12-hour markers (lower case, dots and spaces removed) -> True for p.m.
_MARKERS: dict[str, bool] = {
    "am": False, "pm": True,  # English, Spanish "a. m.", Dutch, ...
    "vorm": False, "nachm": True,  # German
    "vm": False, "nm": True,  # Afrikaans, Swiss German
    "fm": False, "em": True,  # Swedish
    "πμ": False, "μμ": True,  # Greek
    "sa": False, "ch": True,  # Vietnamese
    "ص": False, "م": True,  # Arabic
    "de": False, "du": True,  # Hungarian
    "午前": False, "午後": True,  # Japanese
    "上午": False, "下午": True,  # Chinese
    "오전": False, "오후": True,  # Korean
}  # fmt: skip
_AFTER = (
    r"[AaPp]\.?\s?[Mm]\.?|vorm\.|nachm\.|[vn]m\.?|[fe]m|π\.?\s?μ\.?|μ\.?\s?μ\.?"
    r"|SA|CH|ص|م|de\.|du\.|午前|午後|上午|下午|오전|오후"
)
_BEFORE = r"午前|午後|上午|下午|오전|오후|de\.|du\."

_HEADER = re.compile(
    r"(?P<lead>[\u200e\u200f\ufeff\u202a-\u202e]*)"
    r"(?P<open>\[)?"
    r"(?P<d1>\d{1,4})(?P<sep>[./-] ?)(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{1,4})\.?"
    r"(?P<dts>,\s?|\s(?:klo\s|um\s|à\s|a las\s|kl\.\s)?)"
    rf"(?:(?P<pre>{_BEFORE})\s?)?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:(?P<sp>[ \u202f\u00a0]?)(?P<ampm>{_AFTER}))?"
    r"[\u200e\u200f]?"
    r"(?P<close>(?(open)\]\s|\s[-–]\s))"
)
_MARKER_STRIP = str.maketrans("", "", ". \u202f\u00a0")
_LRM = "\u200e"
_BIDI = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2068\u2069")

# -- markers WhatsApp puts in the body -------------------------------------------------------------
_MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<Medien ausgeschlossen>",
        "<Multimedia omitido>",
        "<Multimédia omis>",
        "<Médias omis>",
        "<Mídia oculta>",
        "<Media weggelaten>",
        "<Media omessi>",
        "<Media omesso>",
    }
)
_IOS_OMITTED = re.compile(
    r"\u200e?(?:(?P<doc>.+?) \u200e?)?"
    r"(?P<kind>image|video|audio|sticker|GIF|document|Contact card|photo) omitted"
)
_VIEW_ONCE = re.compile(
    r"\u200e?<?View once (?:photo|video|voice message|message)(?: omitted)?>?", re.IGNORECASE
)
_ATTACHED = re.compile(r"\u200e?<attached: (?P<name>[^<>\n]+)>")
_FILE_ATTACHED = re.compile(
    r"\u200e?(?P<name>\S(?:.*\S)?) \((?:file attached|Datei angehängt|archivo adjunto"
    r"|fichier joint|arquivo anexado|bestand bijgevoegd|file allegato)\)"
)
_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
        "Diese Nachricht wurde gelöscht.",
        "Se eliminó este mensaje.",
        "Ce message a été supprimé.",
    }
)
_EDITED = re.compile(r"[ \u200e]*<(?:This message was edited|Diese Nachricht wurde bearbeitet"
                     r"|Se editó este mensaje|Ce message a été modifié)>\Z")  # fmt: skip
# Android system events that contain ": " (so they could pass for "sender: text")
_SYSTEM_WITH_COLON = re.compile(
    r"(?:.+ (?:changed the (?:subject|group name|group description)|changed this group's"
    r"|created group|created the group|added|removed|joined|left|pinned a message)"
    r"|Messages and calls are end-to-end encrypted|Messages to this group are now"
    r"|Your security code with|Disappearing messages|.+ changed (?:their|his|her) phone number)"
)

_MARKER_STARTS = frozenset({"<", _LRM})
_SYSTEM_IOS_MARK = _LRM  # iOS puts a left-to-right mark before a system event's text


class WhatsAppError(ParseError):
    """A WhatsApp export could not be parsed."""


def _decoded_lines(stream: IO[bytes], file: str) -> Iterator[str]:
    """Lines of ``stream`` without their terminator (only ``\\n`` or ``\\r\\n`` ends a line)."""
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WhatsAppError(
                f"not UTF-8 text (byte {exc.start + 1} of the line)", file=file, line=number
            ) from None
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield line


def is_header(line: str) -> bool:
    """Whether ``line`` starts with something shaped like a WhatsApp message header.

    >>> is_header("[12/03/2024, 10:00:00] Ann: hi"), is_header("Ann: hi")
    (True, False)
    """
    return _HEADER.match(line) is not None


def _fingerprint(m: re.Match[str]) -> tuple[object, ...]:
    """The layout of a header: everything but the numbers."""
    ampm = m["ampm"] or m["pre"]
    return (
        m["open"] is not None,
        m["sep"],
        len(m["d1"]) >= 3,
        len(m["d3"]) >= 3,
        m["dts"],
        m["s"] is not None,
        None if ampm is None else (m["pre"] is not None, m["sp"]),
        m["close"],
    )


def _order_candidates(dates: Iterable[tuple[str, str, str]]) -> list[DateOrder]:
    """The date orders consistent with every date string of the file."""
    dates = list(dates)
    if dates and all(len(a) >= 3 for a, _, _ in dates):
        return ["ymd"]
    orders: list[DateOrder] = []
    for order in ("dmy", "mdy"):
        try:
            for a, b, c in dates:
                _to_date(a, b, c, order)
        except ValueError:
            continue
        orders.append(order)
    return orders


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) <= 2 else year


def _to_date(a: str, b: str, c: str, order: DateOrder) -> dt.date:
    if order == "dmy":
        return dt.date(_year(c), int(b), int(a))
    if order == "mdy":
        return dt.date(_year(c), int(a), int(b))
    return dt.date(_year(a), int(b), int(c))


def decide_date_order(
    dates: list[tuple[str, str, str]], *, file: str = "<input>", dot_separated: bool = False
) -> DateOrder:
    """Decide day/month order from every date string of a file (in file order).

    Any first field over 12 proves d/m/y, any second field over 12 proves m/d/y; when neither
    does, day first when dates are written with dots (``12.03.24``: German, Russian, Finnish...),
    else the only order under which the dates never go backwards; otherwise the file is
    ambiguous.

    >>> decide_date_order([("3", "4", "24"), ("3", "14", "24")])
    'mdy'
    >>> decide_date_order([("01", "02", "2024"), ("02", "02", "2024"), ("01", "03", "2024")])
    'dmy'
    """
    orders = _order_candidates(dates)
    if len(orders) == 1:
        return orders[0]
    if orders and dot_separated:
        return "dmy"  # every locale that writes dates with dots puts the day first
    if not orders:
        raise WhatsAppError(
            "the dates fit neither day/month/year nor month/day/year order", file=file
        )
    monotonic = []
    for order in orders:
        days = [_to_date(a, b, c, order) for a, b, c in dates]
        if all(x <= y for x, y in itertools.pairwise(days)):
            monotonic.append(order)
    if len(monotonic) == 1:
        return monotonic[0]
    raise AmbiguousDateOrderError(
        "cannot tell whether dates are day/month/year or month/day/year "
        "(every day and month is 12 or less); pass --date-order dmy or --date-order mdy",
        file=file,
    )


# (entry index, header match, seconds since 1970 as wall-clock time, (hour, minute, second))
_Candidate = tuple[int, re.Match[str], int, tuple[int, int, int]]


def _clock(m: re.Match[str]) -> tuple[int, int, int]:
    hour, minute = int(m["h"]), int(m["mi"])
    second = int(m["s"]) if m["s"] else 0
    marker = m["ampm"] or m["pre"]
    if marker is not None:
        pm = _MARKERS.get(marker.translate(_MARKER_STRIP).lower())
        if pm is None or not 1 <= hour <= 12:
            raise ValueError("bad 12-hour time")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("bad time")
    return hour, minute, second


#: seconds a real header may go back in time (messages sent offline; a clock change)
_TOLERANCE = 3600 + 600


def parse_lines(
    lines: Iterable[str],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    file: str = "<input>",
) -> list[ParsedMessage]:
    """Parse the lines (without terminators) of a WhatsApp export into messages.

    >>> from zoneinfo import ZoneInfo
    >>> msgs = parse_lines(["13/03/2024, 10:00 - Ann: Hi", "there"],
    ...                    tz=ZoneInfo("Europe/London"))
    >>> msgs[0].sender, msgs[0].text, msgs[0].at.isoformat()
    ('Ann', 'Hi\\nthere', '2024-03-13T10:00:00+00:00')
    """
    match = _HEADER.match
    entries: list[str] = []
    headers: list[tuple[int, re.Match[str]]] = []
    for line in lines:
        if line and (line[0] in "[0123456789\u200e\u200f\u202a\u202b\u202c\u202d\u202e"):
            m = match(line)
            if m is not None:
                headers.append((len(entries), m))
        entries.append(line)
    if not headers:
        raise WhatsAppError("no WhatsApp message header found", file=file, line=1)

    # the file's layout: the most common header fingerprint
    prints = Counter(_fingerprint(m) for _, m in headers)
    layout = prints.most_common(1)[0][0]
    all_header_lines = [i for i, _ in headers]
    if len(prints) > 1:
        headers = [(i, m) for i, m in headers if _fingerprint(m) == layout]

    # day/month order from every distinct date string, in order of first appearance
    date_strings: dict[tuple[str, str, str], None] = {}
    for _, m in headers:
        date_strings.setdefault((m["d1"], m["d2"], m["d3"]), None)
    if date_order is None:
        dotted = layout[1] in (".", ". ")
        date_order = decide_date_order(list(date_strings), file=file, dot_separated=dotted)
    day_seconds: dict[tuple[str, str, str], int | None] = {}
    days: dict[tuple[str, str, str], dt.date | None] = {}
    for key in date_strings:
        try:
            day = _to_date(*key, date_order)
            days[key] = day
            day_seconds[key] = (day.toordinal() - 719163) * 86400
        except ValueError:
            days[key] = None
            day_seconds[key] = None
    clocks: dict[str, tuple[int, int, int] | None] = {}

    candidates: list[_Candidate] = []
    for index, m in headers:
        base = day_seconds[(m["d1"], m["d2"], m["d3"])]
        if base is None:
            continue
        time_key = m["h"] + ":" + m["mi"] + ":" + (m["s"] or "") + (m["ampm"] or m["pre"] or "")
        if time_key in clocks:
            clock = clocks[time_key]
        else:
            try:
                clock = _clock(m)
            except ValueError:
                clock = None
            clocks[time_key] = clock
        if clock is None:
            continue
        candidates.append((index, m, base + clock[0] * 3600 + clock[1] * 60 + clock[2], clock))

    if not candidates:
        raise WhatsAppError("no valid WhatsApp message header found", file=file, line=1)

    # keep the headers whose time is in line with their neighbours
    accepted: list[_Candidate] = []
    n = len(candidates)
    last = candidates[0][2]
    for k, cand in enumerate(candidates):
        t = cand[2]
        nxt = candidates[k + 1][2] if k + 1 < n else None
        if accepted and t < last - _TOLERANCE and (nxt is None or nxt >= last - _TOLERANCE):
            continue  # goes back in time while the messages around it do not: quoted text
        if nxt is not None and nxt < t - _TOLERANCE:
            after = candidates[k + 2][2] if k + 2 < n else None
            if (after is not None and after < t - _TOLERANCE) or (
                after is None and accepted and nxt >= last - _TOLERANCE
            ):
                continue  # jumps forward while what follows does not: quoted text
        accepted.append(cand)
        last = t

    accepted_lines = {c[0] for c in accepted}
    rejected = [i for i in all_header_lines if i not in accepted_lines]
    first_index = accepted[0][0]
    if any(entries[i].strip() for i in range(first_index)):
        bad = next(i for i in range(first_index) if entries[i].strip())
        raise WhatsAppError("text before the first message header", file=file, line=bad + 1)

    messages: list[ParsedMessage] = []
    previous: dt.datetime | None = None
    for k, (index, m, _, clock) in enumerate(accepted):
        end = accepted[k + 1][0] if k + 1 < len(accepted) else len(entries)
        rest = entries[index][m.end() :]
        more = entries[index + 1 : end]
        forged = False
        if rejected:
            pos = bisect.bisect_right(rejected, index)
            forged = pos < len(rejected) and rejected[pos] < end
        valid_day = days[(m["d1"], m["d2"], m["d3"])]
        assert valid_day is not None  # candidates have valid dates
        naive = dt.datetime(valid_day.year, valid_day.month, valid_day.day, *clock)
        at, dst_flag = localise(naive, tz, after=previous)
        previous = at
        message = _message(rest, more, at=at, line=index + 1)
        if dst_flag is not None or forged:
            extra_flags = ((dst_flag,) if dst_flag else ()) + (
                ("header-in-text",) if forged else ()
            )
            message = _with_flags(message, extra_flags)
        messages.append(message)
    return messages


def _with_flags(message: ParsedMessage, flags: tuple[str, ...]) -> ParsedMessage:
    return ParsedMessage(
        at=message.at,
        sender=message.sender,
        text=message.text,
        kind=message.kind,
        flags=message.flags + flags,
        attachments=message.attachments,
        line=message.line,
    )


def _message(rest: str, more: list[str], *, at: dt.datetime, line: int) -> ParsedMessage:
    """Build one message from the text after its header and its continuation lines."""
    colon = rest.find(": ")
    if colon < 0 and rest.endswith(":") and _LRM not in rest:
        colon = len(rest) - 1
    if colon < 0 or (rest[0:1] != _LRM and _SYSTEM_WITH_COLON.match(rest, 0, colon + 1)):
        text = "\n".join([rest, *more]) if more else rest
        return ParsedMessage(at=at, sender=None, text=text, kind="system", line=line)
    sender = rest[:colon].translate(_BIDI).replace("\u202f", " ").replace("\u00a0", " ").strip()
    body = rest[colon + 2 :]
    flags: list[str] = []
    attachments: list[ParsedAttachment] = []
    first = body
    caption: list[str] = list(more)

    if first in _MEDIA_OMITTED:
        flags.append("media-omitted")
        first = ""
    elif first[:1] in _MARKER_STARTS or first.endswith(")") or first.startswith("View once"):
        plain = first.lstrip(_LRM)
        if (m := _ATTACHED.match(first)) is not None:
            attachments.append(ParsedAttachment(m["name"].strip()))
            first = first[m.end() :]
        elif _VIEW_ONCE.fullmatch(first):
            flags += ["view-once", "media-omitted"]
            first = ""
        elif (m := _IOS_OMITTED.fullmatch(first)) is not None:
            flags.append("media-omitted")
            if m["doc"]:
                attachments.append(ParsedAttachment(m["doc"].split(" • ")[0].strip(_LRM + " ")))
            first = ""
        elif (m := _FILE_ATTACHED.fullmatch(first)) is not None:
            attachments.append(ParsedAttachment(m["name"]))
            first = ""
        elif plain in _DELETED and not more:
            flags.append("deleted")
            first = ""
        elif first.startswith(_SYSTEM_IOS_MARK) and not _EDITED.search(first):
            # iOS: "[date] Group name: \u200eAnn added Bob" is an event, not Ann's words
            text = "\n".join([plain, *more]) if more else plain
            return ParsedMessage(
                at=at, sender=None, text=text, kind="system", line=line,
                extra={"shown_as": sender},
            )  # fmt: skip
    elif first in _DELETED and not more:
        flags.append("deleted")
        first = ""

    if caption:
        last = caption[-1]
        if (m := _EDITED.search(last)) is not None:
            caption[-1] = last[: m.start()]
            flags.append("edited")
    elif (m := _EDITED.search(first)) is not None:
        first = first[: m.start()]
        flags.append("edited")

    if attachments and not first and caption:
        text = "\n".join(caption)
    else:
        text = "\n".join([first, *caption]) if caption else first
    return ParsedMessage(
        at=at,
        sender=sender,
        text=text,
        flags=tuple(flags),
        attachments=tuple(attachments),
        line=line,
    )


def parse(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    name: str = "<input>",
) -> ParsedChat:
    """Parse a WhatsApp ``.txt`` export read from ``stream``."""
    messages = parse_lines(_decoded_lines(stream, name), tz=tz, date_order=date_order, file=name)
    return ParsedChat(format=FORMAT, source=name, messages=messages, title=_title(name))


def _title(name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for prefix in ("WhatsApp Chat with ", "WhatsApp Chat - "):
        if base.startswith(prefix):
            return base[len(prefix) :].rsplit(".", 1)[0]
    return None


def chat_member(names: list[str]) -> str | None:
    """The chat text file inside a WhatsApp zip (``_chat.txt`` on iOS, ``WhatsApp Chat ...``)."""
    texts = [n for n in names if n.lower().endswith(".txt") and "/" not in n.strip("/")]
    for preferred in ("_chat.txt",):
        if preferred in texts:
            return preferred
    chats = [n for n in texts if n.startswith("WhatsApp Chat")]
    if len(chats) == 1:
        return chats[0]
    return texts[0] if len(texts) == 1 else None


#: what a damaged zip can raise while being read
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    RuntimeError,
    NotImplementedError,
    EOFError,
    ValueError,
    zlib.error,
    struct.error,
)


def parse_zip(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    name: str = "<input>",
    load_media: bool = True,
) -> ParsedChat:
    """Parse a WhatsApp ``.zip`` export: the chat text, plus its media (by file name)."""
    try:
        archive = zipfile.ZipFile(stream)
    except _ZIP_ERRORS as exc:
        raise WhatsAppError(f"not a readable zip file ({exc})", file=name) from None
    with archive:
        names = archive.namelist()
        member = chat_member(names)
        if member is None:
            raise WhatsAppError("no chat .txt file in the zip", file=name)
        inner = f"{name}!{member}"
        try:
            with archive.open(member) as handle:
                chat = parse(handle, tz=tz, date_order=date_order, name=inner)
            referenced = {a.name for m in chat.messages for a in m.attachments}
            if load_media:
                for info in archive.infolist():
                    base = info.filename.rsplit("/", 1)[-1]
                    if info.filename != member and base in referenced and not info.is_dir():
                        chat.media[base] = archive.read(info)
        except _ZIP_ERRORS as exc:
            raise WhatsAppError(f"damaged zip file ({exc})", file=name) from None
    chat.source = name
    chat.format = FORMAT_ZIP
    chat.title = chat.title or _title(member)
    return chat

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

The file is read twice, streamed in blocks of 4 MiB (never whole): the first pass finds the
layout, every date (for the day/month order) and where two-digit years roll into a new century;
the second splits each block with a regex for that one layout and builds the messages,
converting each distinct date and time string once. Both search the bytes (the layout's regex
in bytes matches only where the text one does; a block where it could miss a header is read as
text) and decode only what becomes text. Memory is bounded by the messages plus one block.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import itertools
import operator
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, repeat
from typing import IO, TypeVar

from commsgov.ingest._time import localise, regular_midnight
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
#: what iOS puts after a left-to-right mark in a *person's* message (media, deletions, edits)
_IOS_MARKER = re.compile(
    r"\u200e(?:<attached: |<This message was edited>|This message was deleted|You deleted this"
    r"|.*omitted\Z|.* \u200e?document omitted)"
)
#: a message whose first line starts or ends so may carry a marker (checked in full then)
_SPECIAL_STARTS = ("<", _LRM, "View once", *sorted(_DELETED))
_SPECIAL_ENDS = (")", ">", *sorted(_DELETED))
_SYSTEM_IOS_MARK = _LRM  # iOS puts a left-to-right mark before a system event's text


class WhatsAppError(ParseError):
    """A WhatsApp export could not be parsed."""


def is_header(line: str) -> bool:
    """Whether ``line`` starts with something shaped like a WhatsApp message header.

    >>> is_header("[12/03/2024, 10:00:00] Ann: hi"), is_header("Ann: hi")
    (True, False)
    """
    return _HEADER.match(line) is not None


def _order_candidates(dates: Iterable[tuple[str, str, str]]) -> list[DateOrder]:
    """The date orders consistent with every date string of the file."""
    dates = list(dates)
    if dates and all(len(a) >= 3 for a, _, _ in dates):
        return ["ymd"]
    # every date is valid when every year is, every (day, month) is in a leap year, and each
    # 29 February is in a leap year: the same as building every date, with far fewer built
    try:
        for year in {c for _, _, c in dates}:
            dt.date(_year(year), 1, 1)
    except ValueError:
        return []
    pairs = {(a, b) for a, b, _ in dates}
    orders: list[DateOrder] = []
    for order in ("dmy", "mdy"):
        try:
            for a, b in pairs:
                when = _to_date(a, b, "00", order)  # 2000: a leap year
                if when.month == 2 and when.day == 29:
                    for x, y, c in dates:
                        if (x, y) == (a, b):
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


#: seconds a real header may go back in time (messages sent offline; a clock change)
_TOLERANCE = 3600 + 600
_BLOCK_BYTES = 1 << 22
_HEADER_NL = re.compile("\n" + _HEADER.pattern)
_LEAD = r"[\u200e\u200f\ufeff\u202a-\u202e]*"
_TIME = re.compile(
    rf"(?:(?P<pre>{_BEFORE})\s?)?(?P<h>\d{{1,2}})[:.](?P<mi>\d{{2}})(?:[:.](?P<s>\d{{2}}))?"
    rf"(?:[ \u202f\u00a0]?(?P<ampm>{_AFTER}))?"
)
_FP_GROUPS = ("open", "sep", "d1", "d2", "d3", "dts", "s", "pre", "sp", "ampm", "close")
_Fingerprint = tuple[object, ...]
#: a date: year, month, day, its midnight in seconds since 1970 as if UTC, and its midnight in
#: the zone (None on a day when the zone's offset changes: those times are read with care)
_Day = tuple[int, int, int, int, dt.datetime | None]
#: a time: hour, minute, second, seconds since midnight, and those as a timedelta
_Clock = tuple[int, int, int, int, dt.timedelta]
_SECONDS = operator.itemgetter(3)
_SECOND_DELTAS = [dt.timedelta(seconds=second) for second in range(60)]
_KEY = operator.itemgetter(0)
_LAST = operator.itemgetter(2)
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(dict[_K, _V]):
    """A dict that fills itself: a missing ``memo[key]`` is computed once (so ``map`` looks up
    a whole list at C speed and calls Python only for keys not seen before)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[_K], _V]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self._make(key)
        return value


def _raw_blocks(stream: IO[bytes], *, first_size: int = 0) -> Iterator[tuple[bytes, int, int]]:
    """Whole lines of ``stream`` in blocks of about 4 MiB: ``b"\n" + lines``, the first line's
    number, and how many ``b"\n"`` the block has.

    Every line of a block is preceded by ``b"\n"`` (so a header is found by searching for
    ``"\n"`` + header) and the block's last line terminator is dropped.
    """
    carry = b""
    line = 1
    first = True
    size = first_size or _BLOCK_BYTES
    while True:
        chunk = stream.read(size)
        size = _BLOCK_BYTES
        data = carry + chunk if carry else chunk
        if chunk:
            end = data.rfind(b"\n")
            if end < 0:
                carry = data
                continue
            carry = data[end + 1 :]
        elif not data:
            return
        else:
            end = len(data)
        start = 0
        if first:
            first = False
            if data.startswith(b"\xef\xbb\xbf"):
                start = 3
        block = b"\n".join((b"", memoryview(data)[start:end]))  # (one copy)
        newlines = block.count(b"\n")
        yield block, line, newlines
        if not chunk:
            return
        line += newlines


def _decode(block: bytes, line: int, file: str) -> str:
    """A block from ``_raw_blocks`` as text, or an error naming the first line that is not UTF-8."""
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = line + block.count(b"\n", 1, exc.start)
        raise WhatsAppError("not UTF-8 text", file=file, line=bad) from None


def _survey(stream: IO[bytes], file: str) -> tuple[_Fingerprint, list[tuple[str, str, str]], int]:
    """First pass: the file's header layout, its distinct dates in order of appearance, and how
    many times a two-digit year rolls over into a new century (``99`` -> ``00``)."""
    prints: Counter[_Fingerprint] = Counter()
    dates: dict[_Fingerprint, dict[tuple[str, str, str], None]] = {}
    last_year: dict[_Fingerprint, str] = {}
    rollovers: Counter[_Fingerprint] = Counter()
    layout: _Fingerprint | None = None  # the layout seen so far, once there is one
    fast: re.Pattern[bytes] | None = None
    fast_dates: dict[bytes, None] = {}  # dates found fast, not yet split into dates[layout]

    def flush() -> None:
        if layout is not None and fast_dates:
            sep = str(layout[1])
            known = dates[layout]
            for date_b in fast_dates:
                a, b, c = date_b.decode().split(sep)
                known[(a, b, c)] = None
            fast_dates.clear()

    # a small first block finds the layout with the general regex; the rest is read fast
    for block, line, _ in _raw_blocks(stream, first_size=min(_BLOCK_BYTES, 1 << 16)):
        if layout is not None and fast is not None:
            # one scan of the bytes finds the dates of the layout's headers, and b"" for a line
            # that starts like a header but is not one in that layout (or might not be: see
            # _survey_regex); with none of those, this is exact
            found = fast.findall(block)
            if b"" not in found:
                prints[layout] += len(found)
                fast_dates.update(dict.fromkeys(found))
                # two-digit years: only where the date changes can the century turn
                sep_b = str(layout[1]).encode()
                days = map(_KEY, itertools.groupby(found))
                years = map(_LAST, map(bytes.rpartition, days, repeat(sep_b)))
                before = last_year.get(layout)
                for year_b, _run in itertools.groupby(years):
                    year = year_b.decode()
                    if before != year:
                        if before is not None and _rolls_over(before, year):
                            rollovers[layout] += 1
                        before = year
                if before is not None:
                    last_year[layout] = before
                continue
        flush()
        text = _decode(block, line, file)
        for m in _HEADER_NL.finditer(text):
            g = m.group(*_FP_GROUPS)
            marker = g[9] or g[7]
            fp = (
                g[0] is not None,
                g[1],
                len(g[2]) >= 3,
                len(g[4]) >= 3,
                g[5],
                g[6] is not None,
                None if marker is None else (g[7] is not None, g[8]),
                g[10],
            )
            prints[fp] += 1
            known_fp = dates.get(fp)
            if known_fp is None:
                known_fp = dates[fp] = {}
            known_fp[(g[2], g[3], g[4])] = None
            year = g[4]
            before = last_year.get(fp)
            if before != year:
                if before is not None and _rolls_over(before, year):
                    rollovers[fp] += 1
                last_year[fp] = year
        if prints:
            best = prints.most_common(1)[0][0]
            if best != layout:
                layout = best
                fast = _survey_regex(layout)
    flush()
    if not prints:
        raise WhatsAppError("no WhatsApp message header found", file=file, line=1)
    layout = prints.most_common(1)[0][0]
    return layout, list(dates[layout]), rollovers[layout]


def _rolls_over(before: str, after: str) -> bool:
    """Whether two-digit years go into a new century (``98`` -> ``01``), not just back."""
    return len(before) <= 2 and len(after) <= 2 and int(before) >= 90 and int(after) <= 10


def _layout_parts(fp: _Fingerprint, *, time_group: bool = True) -> tuple[str, str, str]:
    """Regex parts for exactly one header layout: the opening bracket, the date, and the rest
    of the header. With ``time_group``, the time is a group, or three (before its seconds, its
    seconds, after them) when it has seconds."""
    is_open, sep, year_first, year_last, dts, has_seconds, marker, close = fp
    assert isinstance(sep, str) and isinstance(dts, str) and isinstance(close, str)
    short, long = r"\d{1,2}", r"\d{3,4}"
    date = (
        (long if year_first else short)
        + re.escape(sep)
        + short
        + re.escape(sep)
        + (long if year_last else short)
    )
    minute = r"\d{1,2}[:.]\d{2}"
    after = ""
    if isinstance(marker, tuple):
        before, space = marker
        if before:
            minute = rf"(?:{_BEFORE})\s?" + minute
        else:
            after = re.escape(str(space)) + rf"(?:{_AFTER})"
    if not time_group:
        clock = "(?:" + minute + (r"[:.]\d{2}" if has_seconds else "") + after + ")"
    elif has_seconds:
        # the seconds apart: the rest of the time has 1440 values, the whole one 86400 (a
        # lookup table that big is slow to fill and to read: it does not fit in the CPU cache)
        clock = rf"({minute})[:.](\d{{2}})({after})"
    else:
        clock = f"({minute}{after})"
    rest = r"\.?" + re.escape(dts) + clock + r"[\u200e\u200f]?" + re.escape(close)
    return (r"\[" if is_open else ""), date, rest


def _layout_regex(fp: _Fingerprint) -> re.Pattern[str]:
    """A fast regex for exactly one header layout, after a newline: groups 1 (the header),
    2 (its date) and 3 (its time; 3 to 5 when it has seconds, see ``_layout_parts``)."""
    is_open, date, rest = _layout_parts(fp)
    return re.compile(r"\n(" + _LEAD + is_open + f"({date})" + rest + ")")


# bytes patterns for the survey: ASCII digits and whitespace only, lead marks as UTF-8
#: a character that might be a digit: an ASCII one, or one that is not ASCII and not among the
#: alphabets below U+0660 (the first decimal digits outside ASCII), in UTF-8
_MAYBE_DIGIT_B = rb"(?:[0-9]|[\xd9-\xf4][\x80-\xbf]+)"
_LEAD_B = rb"(?:\xe2\x80[\x8e\x8f\xaa-\xae]|\xef\xbb\xbf)*"
#: what ``\s`` matches in text, in UTF-8
_SPACE_B = (
    rb"(?:[\t\n\x0b\x0c\r\x1c-\x1f ]|\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]"
    rb"|\xe2\x81\x9f|\xe3\x80\x80)"
)


def _layout_regex_b(fp: _Fingerprint) -> re.Pattern[bytes]:
    """``_layout_regex`` in bytes, with ASCII digits only (see ``_split``)."""
    is_open, date, rest = _layout_parts(fp)
    return re.compile(rb"\n(" + _LEAD_B + _ascii_bytes(is_open + f"({date})" + rest) + rb")")


def _survey_regex(fp: _Fingerprint) -> re.Pattern[bytes]:
    """After a newline, in bytes: a header in this one layout, giving its date, or any other
    line that starts like a header in any layout, giving ``b""``.

    The layout's header is matched with ASCII digits and whitespace only, so it matches only
    where the text pattern does; a header that needs more (a digit or a space outside ASCII)
    starts like a header by the second, looser pattern, which gives ``b""`` and so sends the
    block to the exact, slower path.
    """
    is_open, date, rest = _layout_parts(fp, time_group=False)
    layout = f"{is_open}({date})(?={rest})"
    pattern = _ascii_bytes(layout)
    loose = rb"\[?%s{1,4}[./-] ?%s{1,2}[./-]" % (_MAYBE_DIGIT_B, _MAYBE_DIGIT_B)
    return re.compile(rb"\n" + _LEAD_B + rb"(?:" + pattern + rb"|" + loose + rb")")


def _ascii_bytes(pattern: str) -> bytes:
    """A text regex of ``_layout_parts`` as a bytes regex that matches only where it matches:
    ``\\d`` becomes ``[0-9]`` (digits outside ASCII are left to the text regex), ``\\s`` and any
    other character their UTF-8, in a group (so that a quantifier after it applies to the
    whole character); a class with characters outside ASCII becomes a group of alternatives."""
    out: list[bytes] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "[":
            end = pattern.index("]", i + 2)  # (no class here has "]" in it)
            chars = _class_chars(pattern[i + 1 : end])
            if chars is None or all(c.isascii() for c in chars):
                out.append(pattern[i : end + 1].encode("ascii"))
            else:
                out.append(b"(?:" + b"|".join(re.escape(c.encode()) for c in chars) + b")")
            i = end + 1
            continue
        if ch == "\\":
            code = pattern[i + 1]
            if code == "d":
                out.append(rb"[0-9]")
            elif code == "s":
                out.append(_SPACE_B)
            elif code == "u":
                out.append(b"(?:" + re.escape(chr(int(pattern[i + 2 : i + 6], 16)).encode()) + b")")
                i += 6
                continue
            else:
                out.append(pattern[i : i + 2].encode())  # an escaped character, as in re.escape
            i += 2
            continue
        out.append(ch.encode() if ch.isascii() else b"(?:" + re.escape(ch.encode()) + b")")
        i += 1
    return b"".join(out)


def _class_chars(body: str) -> list[str] | None:
    """The characters of a regex class's body (``a-z``, ``\\u200e``...); None when it has an
    ASCII-only escape such as ``\\d`` (then it is ASCII and kept as it is)."""
    items: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1] != "u":
                if body[i + 1].isalpha():
                    return None
                items.append(body[i + 1])
                i += 2
                continue
            items.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            items.append(body[i])
            i += 1
        if len(items) >= 3 and items[-2] == "-":
            hi, _, lo = items.pop(), items.pop(), items.pop()
            items += [chr(c) for c in range(ord(lo), ord(hi) + 1)]
    return items


def parse_stream(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    file: str = "<input>",
) -> list[ParsedMessage]:
    """Parse a WhatsApp export (UTF-8 bytes) in two streamed passes.

    The first pass finds the header layout and every date; the second builds the messages.
    """
    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    # building a few hundred thousand objects triggers many needless cyclic-GC passes
    paused = gc.isenabled()
    gc.disable()
    start = stream.tell()
    try:
        return _parse_stream(stream, tz=tz, date_order=date_order, file=file)
    except ParseError:
        # a file that is not UTF-8 is refused as such, whatever else is wrong with it (the
        # first pass reads bytes and does not decode them all, so it may stop at another error)
        stream.seek(start)
        for block, line, _ in _raw_blocks(stream):
            _decode(block, line, file)
        raise
    finally:
        if paused:
            gc.enable()


def _parse_stream(
    stream: IO[bytes], *, tz: dt.tzinfo, date_order: DateOrder | None, file: str
) -> list[ParsedMessage]:
    start = stream.tell()
    layout, dates, rollovers = _survey(stream, file)
    dotted = str(layout[1]).strip() == "."
    if date_order is None:
        date_order = decide_date_order(dates, file=file, dot_separated=dotted)
    # two-digit years: the last message is in the 2000s; count centuries back from there
    century = 2000 - 100 * rollovers
    previous_yy: int | None = None
    sep = str(layout[1])
    header_re = _layout_regex(layout)
    header_b = _layout_regex_b(layout)
    sep_b = sep.encode()
    order = date_order

    def date_parts(raw: bytes) -> tuple[int, bool, int, int] | None:
        """(year as written, whether it has two digits, month, day)."""
        parts = raw.decode().split(sep)  # (the layout's regex allows only digits around ``sep``)
        if len(parts) != 3:
            return None
        a, b, c = parts
        if order == "ymd":
            return int(a), len(a) <= 2, int(b), int(c)
        if order == "dmy":
            return int(c), len(c) <= 2, int(b), int(a)
        return int(c), len(c) <= 2, int(a), int(b)

    part_of = _Memo(date_parts)

    def two_digit_year(text: bytes) -> int | None:
        bits = part_of[text]
        return bits[0] if bits is not None and bits[1] else None

    year_of = _Memo(two_digit_year)
    year_field = operator.itemgetter(0 if order == "ymd" else 2)

    def day_memo(century: int) -> _Memo[bytes, _Day | None]:
        """Dates as written -> day data, with two-digit years in ``century``."""

        def day_of(text: bytes) -> _Day | None:
            bits = part_of[text]
            if bits is None:
                return None
            year = bits[0] + century if bits[1] else bits[0]
            try:
                midnight, regular = regular_midnight(year, bits[2], bits[3], tz)
            except ValueError:
                return None
            seconds = (midnight.toordinal() - 719163) * 86400
            return (year, bits[2], bits[3], seconds, midnight if regular else None)

        return _Memo(day_of)

    day_memos = _Memo(day_memo)  # by century
    markers: dict[str, bool | None] = {}

    def clock_of(raw: bytes) -> _Clock | None:
        """(hour, minute, second, seconds since midnight, as a timedelta) of a time as written."""
        text = raw.decode()
        m = _TIME.fullmatch(text)
        if m is None:
            return None
        pre, h, mi, sec, ampm = m.groups()
        hour, minute, second = int(h), int(mi), int(sec) if sec else 0
        marker = ampm or pre
        if marker is not None:
            try:
                pm = markers[marker]
            except KeyError:
                pm = markers[marker] = _MARKERS.get(marker.translate(_MARKER_STRIP).lower())
            if pm is None or not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if pm else 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        total = hour * 3600 + minute * 60 + second
        return hour, minute, second, total, dt.timedelta(seconds=total)

    clock_memo = _Memo(clock_of)

    stream.seek(start)
    messages: list[ParsedMessage] = []
    previous_date = b""
    # the open message: accepted; its text runs until the next accepted header
    have_open = False
    open_line = 0
    open_day: _Day = (0, 0, 0, 0, None)
    open_clock: _Clock = (0, 0, 0, 0, dt.timedelta(0))
    open_second = 0
    open_parts: list[str] = []
    last_t = 0
    # headers not yet decided (fewer than two valid ones after them so far), carried over
    heads: list[bytes] = []
    days: list[_Day | None] = []
    clocks: list[_Clock | None] = []
    seconds: list[int] = []  # (beside the clocks: see _layout_parts)
    times: list[int | None] = []
    lines: list[int] = []
    bodies: list[str] = []
    blocks = _raw_blocks(stream)
    new_heads: list[bytes]
    new_dates: list[bytes]
    new_times_s: list[bytes]
    new_seconds: list[int] | None
    new_bodies: list[str]
    final = False
    tolerance = _TOLERANCE
    while not final:
        block = next(blocks, None)
        if block is None:
            final = True
            lead, new_heads, new_dates, new_times_s, new_seconds, new_bodies = (
                "",
                [],
                [],
                [],
                None,
                [],
            )
            base_line = newlines = 0
        else:
            raw, base_line, newlines = block
            lead, new_heads, new_dates, new_times_s, new_seconds, new_bodies = _split(
                raw, base_line, newlines, header_b, header_re, file
            )
        if lead:
            if bodies:
                bodies[-1] += lead
            elif have_open:
                open_parts.append(lead)
            else:
                stripped = lead.lstrip()
                if stripped:
                    line = base_line + lead.count("\n", 1, len(lead) - len(stripped))
                    raise WhatsAppError(
                        "text before the first message header", file=file, line=line
                    )
        if new_dates:
            # the whole block's header data at once, at C speed where it can be
            lead_lines = lead.count("\n")
            first_line = base_line + lead_lines
            if newlines == lead_lines + len(new_dates):  # every message is one line
                new_lines = list(range(first_line, first_line + len(new_dates)))
            else:
                steps = map(operator.add, map(str.count, new_bodies, repeat("\n")), repeat(1))
                new_lines = list(accumulate(steps, initial=first_line))
                new_lines.pop()
            new_days: list[_Day | None]
            years = set(map(year_field, map(bytes.split, dict.fromkeys(new_dates), repeat(sep_b))))
            yys = [int(year) for year in map(bytes.decode, years) if len(year) <= 2]
            if not (
                yys
                and min(yys) <= 10
                and (max(yys) >= 90 or (previous_yy is not None and previous_yy >= 90))
            ):
                # no two-digit year can roll into a new century in this block
                new_days = list(map(day_memos[century].__getitem__, new_dates))
            else:
                new_days = []
                for date_s, run in itertools.groupby(new_dates):
                    if date_s != previous_date:
                        yy = year_of[date_s]
                        if yy is not None:
                            if previous_yy is not None and previous_yy >= 90 and yy <= 10:
                                century += 100  # 99 -> 00: a new century, as in the first pass
                            previous_yy = yy
                    new_days.extend(repeat(day_memos[century][date_s], len(list(run))))
                    previous_date = date_s
            previous_date = new_dates[-1]
            last_yy = year_of[previous_date]
            if last_yy is not None:
                previous_yy = last_yy
            new_clocks = list(map(clock_memo.__getitem__, new_times_s))
            if new_seconds is None:
                new_seconds = [0] * len(new_clocks)
            elif max(new_seconds) > 59:
                new_clocks = [
                    None if sec > 59 else c for c, sec in zip(new_clocks, new_seconds, strict=True)
                ]
            if None in new_days or None in new_clocks:
                new_times = [
                    None if d is None or c is None else d[3] + c[3] + sec
                    for d, c, sec in zip(new_days, new_clocks, new_seconds, strict=True)
                ]
            else:
                new_times = list(
                    map(
                        operator.add,
                        map(
                            operator.add,
                            map(_SECONDS, new_days),  # type: ignore[arg-type]
                            map(_SECONDS, new_clocks),  # type: ignore[arg-type]
                        ),
                        new_seconds,
                    )
                )
            heads += new_heads
            days += new_days
            clocks += new_clocks
            seconds += new_seconds
            times += new_times
            lines += new_lines
            bodies += new_bodies
        n = len(heads)
        if not n:
            continue
        # a header is decided once two valid ones follow it (or at the end of the file)
        limit = n
        if not final:
            valid_after = 0
            for i in range(n - 1, -1, -1):
                if valid_after >= 2:
                    break
                limit = i
                if times[i] is not None:
                    valid_after += 1
        if not limit:
            continue
        # messages completed in this block: their text, header data and line
        done_bodies: list[str] = []
        done_days: list[_Day] = []
        done_clocks: list[_Clock] = []
        done_seconds: list[int] = []
        done_lines: list[int] = []
        window = times[: limit + 1]
        if (
            None not in window
            and (not have_open or window[0] >= last_t - tolerance)  # type: ignore[operator]
            and all(
                map(operator.le, map(operator.sub, window, repeat(tolerance)), window[1:])  # type: ignore[arg-type]
            )
        ):
            # the usual case: every header is in line with the ones before and after it, so
            # each one is accepted and each body is the whole text of its message
            if have_open:
                done_bodies.append(open_parts[0] if len(open_parts) == 1 else "".join(open_parts))
                done_days.append(open_day)
                done_clocks.append(open_clock)
                done_seconds.append(open_second)
                done_lines.append(open_line)
            last = limit - 1
            done_bodies += bodies[:last]
            done_days += days[:last]  # type: ignore[arg-type]
            done_clocks += clocks[:last]  # type: ignore[arg-type]
            done_seconds += seconds[:last]
            done_lines += lines[:last]
            have_open = True
            open_line = lines[last]
            open_day = days[last]  # type: ignore[assignment]
            open_clock = clocks[last]  # type: ignore[assignment]
            open_second = seconds[last]
            open_parts = [bodies[last]]
            last_t = times[last]  # type: ignore[assignment]
        else:
            for i in range(limit):
                t = times[i]
                nxt = times[i + 1] if i + 1 < n else None
                if (
                    t is not None
                    and have_open
                    and t >= last_t - tolerance
                    and ((nxt is None and i + 1 >= n) or (nxt is not None and nxt >= t - tolerance))
                ):
                    accept = True  # in line with the previous and the next header
                elif t is None:
                    accept = False
                else:
                    nxt, after = _next_two(times, i + 1)
                    if not have_open:
                        accept = not (
                            nxt is not None
                            and after is not None
                            and nxt < t - tolerance
                            and after < t - tolerance
                        )
                    elif t < last_t - tolerance and (nxt is None or nxt >= last_t - tolerance):
                        accept = False  # goes back while the messages around it do not: quoted
                    elif (
                        nxt is not None
                        and nxt < t - tolerance
                        and (
                            (after is not None and after < t - tolerance)
                            or (after is None and nxt >= last_t - tolerance)
                        )
                    ):
                        accept = False  # jumps forward while what follows does not: quoted
                    else:
                        accept = True
                if not accept:
                    if not have_open:
                        raise WhatsAppError(
                            "text before the first message header", file=file, line=lines[i]
                        )
                    open_parts += ("\n", heads[i].decode(), bodies[i])
                    continue
                if have_open:
                    done_bodies.append(
                        open_parts[0] if len(open_parts) == 1 else "".join(open_parts)
                    )
                    done_days.append(open_day)
                    done_clocks.append(open_clock)
                    done_seconds.append(open_second)
                    done_lines.append(open_line)
                have_open = True
                open_line = lines[i]
                open_day = days[i]  # type: ignore[assignment]
                open_clock = clocks[i]  # type: ignore[assignment]
                open_second = seconds[i]
                open_parts = [bodies[i]]
                last_t = t  # type: ignore[assignment]
        _build(messages, done_bodies, done_days, done_clocks, done_seconds, done_lines, tz)
        del heads[:limit], days[:limit], clocks[:limit], seconds[:limit], times[:limit]
        del lines[:limit], bodies[:limit]
    if not have_open:
        raise WhatsAppError("no valid WhatsApp message header found", file=file, line=1)
    body = open_parts[0] if len(open_parts) == 1 else "".join(open_parts)
    _build(messages, [body], [open_day], [open_clock], [open_second], [open_line], tz)
    return messages


def _split(
    block: bytes,
    line: int,
    newlines: int,
    header_b: re.Pattern[bytes],
    header: re.Pattern[str],
    file: str,
) -> tuple[str, list[bytes], list[bytes], list[bytes], list[int] | None, list[str]]:
    """A block split at the headers of the file's layout: the text before the first, then the
    headers, their dates, their times (without seconds), their seconds (None when the layout
    has none) and the text after each.

    The bytes regex splits twice as fast as the text one, on a quarter of the memory, and
    matches only where the text one does; it reads only ASCII digits, so a header with other
    digits would be left inside a text of several lines: the text regex looks there, and finds
    one only in such a file, which is then split as text.
    """
    parts = header_b.split(block)
    step = header_b.groups + 1
    try:
        lead = parts[0].decode()
        bodies = list(map(bytes.decode, parts[step::step]))
    except UnicodeDecodeError:
        _decode(block, line, file)  # raises, naming the first line that is not UTF-8
        raise
    if newlines != len(bodies) and (  # (some line does not start with a header)
        header.search(lead) is not None
        or any(header.search(body) is not None for body in bodies if "\n" in body)
    ):
        texts = header.split(block.decode())
        return (
            texts[0],
            [part.encode() for part in texts[1::step]],
            [part.encode() for part in texts[2::step]],
            [(a + b).encode() for a, b in zip(texts[3::step], texts[5::step], strict=True)]
            if step == 6
            else [part.encode() for part in texts[3::step]],
            list(map(int, texts[4::step])) if step == 6 else None,
            texts[step::step],
        )
    if step == 6:
        minutes = list(map(operator.add, parts[3::step], parts[5::step]))
        return lead, parts[1::step], parts[2::step], minutes, list(map(int, parts[4::step])), bodies
    return lead, parts[1::step], parts[2::step], parts[3::step], None, bodies


def _build(
    messages: list[ParsedMessage],
    bodies: list[str],
    days: list[_Day],
    clocks: list[_Clock],
    seconds: list[int],
    lines: list[int],
    tz: dt.tzinfo,
) -> None:
    """Append the messages with these texts (after their headers), header data and lines."""
    append = messages.append
    senders = _SENDERS.get
    deleted = _DELETED
    message = ParsedMessage
    for body, day, clock, second, line in zip(bodies, days, clocks, seconds, lines, strict=True):
        midnight = day[4]
        if midnight is None or "\n" in body or "\r" in body or "\u200e" in body:
            previous = messages[-1].at if messages else None
            _emit(append, body, line, day, clock, second, tz, previous)
            continue
        # the common case, inline: one line, "sender: text", no marker (else _message decides)
        at = midnight + clock[4]
        if second:
            at += _SECOND_DELTAS[second]
        colon = body.find(": ")
        known = senders(body[:colon]) if colon >= 0 else None
        if known is None or known[1]:
            append(_message(body, at, line))
            continue
        text = body[colon + 2 :]
        if (
            text[:1] in "<"  # ("" too)
            or text[-1:] in ")>"
            or text in deleted
            or (text[0] == "V" and text.startswith("View once"))
        ):
            append(_message(body, at, line))
            continue
        append(message(at, known[0], text, "message", (), (), line))


def _next_two(times: list[int | None], start: int) -> tuple[int | None, int | None]:
    """The next two valid times from ``start`` on."""
    found: list[int] = []
    for t in itertools.islice(times, start, None):
        if t is not None:
            found.append(t)
            if len(found) == 2:
                break
    found += [None, None]  # type: ignore[list-item]
    return found[0], found[1]


def _emit(
    append: Callable[[ParsedMessage], None],
    body: str,
    line: int,
    day: _Day,
    clock: _Clock,
    second: int,
    tz: dt.tzinfo,
    previous_at: dt.datetime | None,
) -> None:
    """Append the message with this header data and text."""
    y, mo, d, _, midnight = day
    h, mi, s, _, since_midnight = clock
    s += second  # (one of them is 0)
    flag = None
    if midnight is not None:
        at = midnight + since_midnight + _SECOND_DELTAS[second]
    else:
        at, flag = localise(dt.datetime(y, mo, d, h, mi, s), tz, after=previous_at)
    if "\r" in body:
        body = body.replace("\r\n", "\n").removesuffix("\r")
    message = _message(body, at, line)
    forged = "\n" in body and _HEADER_NL.search(body) is not None
    if flag is not None or forged:
        extra = ((flag,) if flag else ()) + (("header-in-text",) if forged else ())
        message.flags = message.flags + extra
    append(message)


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
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")
    return parse_stream(io.BytesIO(data), tz=tz, date_order=date_order, file=file)


_SENDERS: dict[str, tuple[str, bool]] = {}


def _sender(raw: str) -> tuple[str, bool]:
    """The normalised sender and whether ``raw:`` is in fact a system event (cached)."""
    found = _SENDERS.get(raw)
    if found is None:
        system = raw[0:1] != _LRM and _SYSTEM_WITH_COLON.match(raw + ":") is not None
        name = raw.translate(_BIDI).replace("\u202f", " ").replace("\u00a0", " ").strip()
        found = (name, system)
        if len(_SENDERS) < 100_000:
            _SENDERS[raw] = found
    return found


def _message(body: str, at: dt.datetime, line: int) -> ParsedMessage:
    """Build one message from the text after its header (continuation lines included)."""
    newline = body.find("\n")
    rest = body if newline < 0 else body[:newline]
    colon = rest.find(": ")
    if colon < 0 and rest.endswith(":") and _LRM not in rest:
        colon = len(rest) - 1
    if colon < 0:
        return ParsedMessage(at, None, body, "system", (), (), line)
    if rest[colon + 2 : colon + 3] != _LRM and _LRM in rest:
        # iOS events are "Group name: \u200eevent"; a group name may itself contain ": "
        event = rest.find(": " + _LRM, colon + 2)
        if event > 0 and not _IOS_MARKER.match(rest, event + 2):
            colon = event
    raw = rest[:colon]
    known = _SENDERS.get(raw)
    sender, system = known if known is not None else _sender(raw)
    if system:
        return ParsedMessage(at, None, body, "system", (), (), line)
    text = body[colon + 2 :]
    first = text if newline < 0 else rest[colon + 2 :]
    if not (
        first.startswith(_SPECIAL_STARTS)
        or first.endswith(_SPECIAL_ENDS)
        or text.endswith(">")
        or not first
    ):
        return ParsedMessage(at, sender, text, "message", (), (), line)  # the common case
    return _marked(sender, first, text[len(first) + 1 :] if newline >= 0 else None, at, line)


def _marked(sender: str, first: str, tail: str | None, at: dt.datetime, line: int) -> ParsedMessage:
    """A message whose text may carry WhatsApp's markers (media, deleted, edited...)."""
    flags: list[str] = []
    attachments: list[ParsedAttachment] = []
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
        elif plain in _DELETED and tail is None:
            flags.append("deleted")
            first = ""
        elif first.startswith(_SYSTEM_IOS_MARK) and not _EDITED.search(first):
            # iOS: "[date] Group name: \u200eAnn added Bob" is an event, not Ann's words
            text = plain if tail is None else plain + "\n" + tail
            return ParsedMessage(
                at=at, sender=None, text=text, kind="system", line=line,
                extra={"shown_as": sender},
            )  # fmt: skip
    elif first in _DELETED and tail is None:
        flags.append("deleted")
        first = ""

    if tail is not None:
        if (m := _EDITED.search(tail)) is not None:
            tail = tail[: m.start()]
            flags.append("edited")
    elif (m := _EDITED.search(first)) is not None:
        first = first[: m.start()]
        flags.append("edited")

    if tail is None:
        text = first
    elif attachments and not first:
        text = tail
    else:
        text = first + "\n" + tail
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
    messages = parse_stream(stream, tz=tz, date_order=date_order, file=name)
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

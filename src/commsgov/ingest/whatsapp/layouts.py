"""Header layouts: the shapes of a message header, and a regex for exactly one of them.

A layout is a *fingerprint* of a header (brackets or not, the date separator, 2- or 4-digit
years where, what sits between date and time, seconds, a 12-hour marker before or after the
time, how the header closes). The file's layout is decided from the whole file (``scan``);
these functions build the text and bytes regexes that find headers in that one layout.
"""

from __future__ import annotations

import re

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
    r"(?P<close>(?(open)\]\s|(?:\s[-–]\s|:\s)))"  # (": ": an older layout, "2016-06-27, 8:04 AM: ")
)
_MARKER_STRIP = str.maketrans("", "", ". \u202f\u00a0")
_LRM = "\u200e"
_BIDI = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2068\u2069")


def is_header(line: str) -> bool:
    """Whether ``line`` starts with something shaped like a WhatsApp message header.

    >>> is_header("[12/03/2024, 10:00:00] Ann: hi"), is_header("Ann: hi")
    (True, False)
    """
    return _HEADER.match(line) is not None


_HEADER_NL = re.compile("\n" + _HEADER.pattern)
_LEAD = r"[\u200e\u200f\ufeff\u202a-\u202e]*"
_TIME = re.compile(
    rf"(?:(?P<pre>{_BEFORE})\s?)?(?P<h>\d{{1,2}})[:.](?P<mi>\d{{2}})(?:[:.](?P<s>\d{{2}}))?"
    rf"(?:[ \u202f\u00a0]?(?P<ampm>{_AFTER}))?"
)
_FP_GROUPS = ("open", "sep", "d1", "d2", "d3", "dts", "s", "pre", "sp", "ampm", "close")
_Fingerprint = tuple[object, ...]


def either_clock(layout: _Fingerprint, others: list[_Fingerprint]) -> _Fingerprint:
    """``layout``, widened to accept the headers of ``others`` that differ from it only in
    their clock (12 h or 24 h: a phone whose setting changed part-way through the chat).

    >>> fp = (True, "/", False, True, ", ", True, None, "] ")
    >>> either_clock(fp, [fp[:6] + ((False, " "),) + fp[7:]])[6]
    (False, ' ', True)
    >>> either_clock(fp, [fp[:5] + (False, (False, " "), "] ")]) == fp   # seconds differ
    True
    """
    same = [fp for fp in others if fp[:6] == layout[:6] and fp[7] == layout[7] and fp != layout]
    markers = [fp[6] for fp in (layout, *same) if isinstance(fp[6], tuple)]
    if not same or not markers:
        return layout
    before, space = markers[0][:2]
    return (*layout[:6], (before, space, True), layout[7])


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
        before, space, *either = marker  # either: the file also has 24 h times (see either_clock)
        if before:
            minute = rf"(?:(?:{_BEFORE})\s?){'?' if either else ''}" + minute
        elif either:
            after = rf"(?:[ \u202f\u00a0]?(?:{_AFTER}))?"
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

"""The scan: two passes over the file's bytes that find its layout and its messages.

The first pass finds the layout, every date (for the day/month order) and where two-digit
years roll into a new century; the second splits each block with a regex for that one layout
and builds the messages, converting each distinct date and time string once. A file of up to
``_KEEP_BYTES`` is read once: the first pass keeps its blocks, already split at the headers
of the layout it found, for the second (which splits again only a block it split for another
layout); a larger file is streamed twice, so memory stays bounded.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import itertools
import operator
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import accumulate, repeat
from typing import IO

from commsgov.ingest._time import regular_midnight
from commsgov.ingest.errors import ParseError
from commsgov.ingest.limits import Limits, refuse
from commsgov.ingest.model import DateOrder, ParsedMessage, make_storable
from commsgov.ingest.whatsapp.bodies import _build, settle
from commsgov.ingest.whatsapp.dates import (
    _Clock,
    _Day,
    _Memo,
    _rolls_over,
    clock_reader,
    decide_date_order,
    unreadable_date,
)
from commsgov.ingest.whatsapp.errors import WhatsAppError
from commsgov.ingest.whatsapp.layouts import (
    _FP_GROUPS,
    _HEADER_NL,
    _Fingerprint,
    _layout_regex,
    _layout_regex_b,
    _survey_regex,
    either_clock,
)

#: seconds a message's time may go back (or ahead) before it is out of line (a clock change)
TOLERANCE = 3600 + 600
#: read in blocks of 256 KiB: a block's transient objects (its split parts and decoded texts)
#: then fit in memory the allocator reuses; 4 MiB blocks took 75% more page faults and a
#: third more peak memory, and 15% more CPU over a 200,000-message chat
_BLOCK_BYTES = 1 << 18
#: the first pass keeps the blocks of a file up to this size for the second (see the module)
_KEEP_BYTES = 64 << 20
#: the layout is first looked for with the general regex in about this many bytes
_FIRST_BYTES = 1 << 16
_SECONDS = operator.itemgetter(3)
_KEY = operator.itemgetter(0)
_LAST = operator.itemgetter(2)


def _raw_blocks(stream: IO[bytes]) -> Iterator[tuple[bytes, int, int]]:
    """Whole lines of ``stream`` in blocks of about 256 KiB: ``b"\n" + lines``, the first line's
    number, and how many ``b"\n"`` the block has.

    Every line of a block is preceded by ``b"\n"`` (so a header is found by searching for
    ``"\n"`` + header) and the block's last line terminator is dropped.
    """
    carry = b""
    line = 1
    first = True
    while True:
        chunk = stream.read(_BLOCK_BYTES)
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


#: a block as the first pass keeps it for the second: the layout it was split for (None: not
#: split), the block (``_raw_blocks``) or its parts split by ``_layout_regex_b`` of that layout,
#: its first line's number, how many ``b"\n"`` it has, and whether it has a NUL
_Kept = tuple[_Fingerprint | None, bytes | list[bytes], int, int, bool]


def _survey(
    stream: IO[bytes], file: str
) -> tuple[_Fingerprint, list[tuple[str, str, str]], int, list[_Kept] | None]:
    """First pass: the file's header layout, its distinct dates in order of appearance, how
    many times a two-digit year rolls over into a new century (``99`` -> ``00``), and its blocks
    for the second pass (None for a file over ``_KEEP_BYTES``, which is read again)."""
    prints: Counter[_Fingerprint] = Counter()
    dates: dict[_Fingerprint, dict[tuple[str, str, str], None]] = {}
    last_year: dict[_Fingerprint, str] = {}
    rollovers: Counter[_Fingerprint] = Counter()
    layout: _Fingerprint | None = None  # the layout seen so far, once there is one
    fast: re.Pattern[bytes] | None = None
    split_re: re.Pattern[bytes] | None = None  # the layout's regex for the second pass
    step = 0  # (its groups and one)
    kept: list[_Kept] | None = []
    kept_bytes = 0
    fast_dates: dict[bytes, None] = {}  # dates found fast, not yet split into dates[layout]

    def flush() -> None:
        if layout is not None and fast_dates:
            sep = str(layout[1])
            known = dates[layout]
            for date_b in fast_dates:
                a, b, c = date_b.decode().split(sep)
                known[(a, b, c)] = None
            fast_dates.clear()

    def pieces() -> Iterator[tuple[bytes, int, int, bool]]:
        """The blocks, each with its line, its newlines and whether it is kept split; the first
        block's first ``_FIRST_BYTES`` apart (where the layout is looked for, and found, with
        the general regex: the rest is read fast)."""
        nonlocal kept, kept_bytes
        first = True
        for block, line, newlines in _raw_blocks(stream):
            if kept is not None:
                kept_bytes += len(block)
                if kept_bytes > _KEEP_BYTES:
                    kept = None  # (the second pass reads the file again)
            if first:
                first = False
                if kept is not None:
                    kept.append((None, block, line, newlines, b"\x00" in block))
                cut = block.rfind(b"\n", 1, _FIRST_BYTES)
                if cut > 0:
                    head = block[:cut]
                    yield head, line, 0, False
                    block = block[cut:]
                    line += head.count(b"\n")
                yield block, line, 0, False
                continue
            yield block, line, newlines, kept is not None

    for block, line, newlines, keep in pieces():
        if layout is not None and fast is not None:
            # one scan of the bytes finds the dates of the layout's headers, and b"" for a line
            # that starts like a header but is not one in that layout (or might not be: see
            # _survey_regex); with none of those, this is exact
            if keep and kept is not None and split_re is not None:
                # the split the second pass needs; when every line starts with one of the
                # headers it splits at, it gives their dates in order, which the scan for them
                # would: each newline starts a header of the layout, where that scan finds its
                # date first (see _survey_regex), and the headers hold no other newline
                parts = split_re.split(block)
                kept.append((layout, parts, line, newlines, b"\x00" in block))
                every_line = len(parts) == 1 + newlines * step
                found = parts[2::step] if every_line else fast.findall(block)
            else:
                if keep and kept is not None:
                    kept.append((None, block, line, newlines, b"\x00" in block))
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
        elif keep and kept is not None:
            kept.append((None, block, line, newlines, b"\x00" in block))
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
                split_re = _layout_regex_b(layout)
                step = split_re.groups + 1
    flush()
    if not prints:
        raise WhatsAppError("no WhatsApp message header found", file=file, line=1)
    main = prints.most_common(1)[0][0]
    wide = either_clock(main, list(prints))
    if wide == main:  # (nearly always)
        return main, list(dates[main]), rollovers[main], kept
    # the clock switches between 12 h and 24 h part-way: one layout, either clock
    family = [other for other in prints if other[:6] == main[:6] and other[7] == main[7]]
    merged: dict[tuple[str, str, str], None] = {}
    for other in family:
        merged.update(dates[other])
    return wide, list(merged), sum(rollovers[other] for other in family), kept


def parse_stream(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    file: str = "<input>",
    title: str | None = None,
    max_message_chars: int = Limits().max_message_chars,
) -> list[ParsedMessage]:
    """Parse a WhatsApp export (UTF-8 bytes) in two passes.

    The first pass finds the header layout and every date; the second builds the messages.
    A file of up to ``_KEEP_BYTES`` is read once (the first pass keeps its blocks for the
    second); a larger one is streamed twice.
    ``title`` is the chat's name where the export gives one (its file name): iOS writes a
    group's events as if the group had sent them. A message longer than ``max_message_chars``
    refuses the file (:class:`~commsgov.ingest.limits.LimitError`), so memory stays bounded.
    """
    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    # building a few hundred thousand objects triggers many needless cyclic-GC passes
    paused = gc.isenabled()
    gc.disable()
    start = stream.tell()
    try:
        return _parse_stream(stream, tz=tz, date_order=date_order, file=file, title=title,
                             longest=max_message_chars)  # fmt: skip
    except ParseError:
        # a file that is not UTF-8 is refused as such, whatever else is wrong with it (the
        # first pass reads bytes and does not decode them all, so it may stop at another error)
        stream.seek(start)
        for block, line, _ in _raw_blocks(stream):
            _decode(block, line, file)
        raise
    finally:
        if paused:
            _promote_young()
            gc.enable()


def _promote_young() -> None:
    """Move every object the cyclic collector tracks into its oldest generation, without a pass
    over them. The parse's objects are all still young (no collection ran while they were
    built), so the first collection after it would traverse every message only to keep it (47
    ms of a 200,000-message chat, 4% of ``ingest --dry-run``). Not where objects were frozen on
    purpose (``gc.freeze`` before a fork): unfreezing would let them go."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _parse_stream(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None,
    file: str,
    title: str | None,
    longest: int,
) -> list[ParsedMessage]:
    start = stream.tell()
    layout, dates, rollovers, kept = _survey(stream, file)
    sep = str(layout[1])
    header_re = _layout_regex(layout)
    if date_order is None:
        dotted = sep.strip() == "."
        date_order = decide_date_order(dates, file=file, dot_separated=dotted)
    else:
        wrong = unreadable_date(dates, date_order)
        if wrong is not None:
            stream.seek(start)
            raise WhatsAppError(
                f"--date-order {date_order} contradicts the file: {sep.join(wrong)} cannot be "
                f"{'/'.join(date_order)}",
                file=file,
                line=_line_of_date(stream, header_re, sep.join(wrong)),
            )
    # two-digit years: the last message is in the 2000s; count centuries back from there
    century = 2000 - 100 * rollovers
    previous_yy: int | None = None
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
    clock_memo = _Memo(clock_reader())

    blocks: Iterator[_Kept]
    if kept is None:
        stream.seek(start)
        blocks = ((None, raw, line, n, b"\x00" in raw) for raw, line, n in _raw_blocks(stream))
    else:
        kept.reverse()
        blocks = _drain(kept)
    messages: list[ParsedMessage] = []
    doubts: list[int] = []  # messages whose sender or kind the whole chat decides (bodies)
    previous_date = b""
    # the open message: its text runs until the next header
    have_open = False
    open_line = 0
    open_day: _Day = (0, 0, 0, 0, None)
    open_clock: _Clock = (0, 0, 0, 0, dt.timedelta(0))
    open_second = 0
    open_parts: list[str] = []
    times: list[int] = []  # every message's time (seconds, as if UTC), for out_of_line
    nul = False  # (PostgreSQL cannot store NUL in text: see make_storable)
    for split_for, data, base_line, newlines, has_nul in blocks:
        nul = nul or has_nul
        raw: bytes | None
        if isinstance(data, bytes):
            raw, parts = data, header_b.split(data)
        elif split_for == layout:
            raw, parts = None, data  # (split as it must be, in the first pass)
        else:
            assert split_for is not None
            raw = _unsplit(data, _layout_regex_b(split_for).groups + 1)
            parts = header_b.split(raw)
        lead, heads, new_dates, new_times_s, new_seconds, bodies = _split(
            raw, parts, base_line, newlines, header_b, header_re, file
        )
        if bodies and max(map(len, bodies)) > longest:
            i = max(range(len(bodies)), key=lambda k: len(bodies[k]))
            line = base_line + lead.count("\n") + sum(b.count("\n") + 1 for b in bodies[:i])
            raise refuse("a message", len(bodies[i]), "max_message_chars", longest,
                         file=file, line=line)  # fmt: skip
        if lead:
            if have_open:
                open_parts.append(lead)  # the open message's next lines
                if sum(map(len, open_parts)) > longest:
                    raise refuse("a message", sum(map(len, open_parts)), "max_message_chars",
                                 longest, file=file, line=open_line)  # fmt: skip
            else:
                stripped = lead.lstrip()
                if stripped:
                    line = base_line + lead.count("\n", 1, len(lead) - len(stripped))
                    raise WhatsAppError(
                        "text before the first message header", file=file, line=line
                    )
        if not new_dates:
            continue
        # the whole block's header data at once, at C speed where it can be
        lead_lines = lead.count("\n")
        first_line = base_line + lead_lines
        if newlines == lead_lines + len(new_dates):  # every message is one line
            new_lines = list(range(first_line, first_line + len(new_dates)))
        else:
            steps = map(operator.add, map(str.count, bodies, repeat("\n")), repeat(1))
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
        # messages completed in this block: their text, header data and line
        done_bodies: list[str] = []
        done_days: list[_Day] = []
        done_clocks: list[_Clock] = []
        done_seconds: list[int] = []
        done_lines: list[int] = []
        if None not in new_days and None not in new_clocks:
            # the usual case: every header starts a message
            if have_open:
                done_bodies.append(open_parts[0] if len(open_parts) == 1 else "".join(open_parts))
                done_days.append(open_day)
                done_clocks.append(open_clock)
                done_seconds.append(open_second)
                done_lines.append(open_line)
            times += map(
                operator.add,
                map(
                    operator.add,
                    map(_SECONDS, new_days),  # type: ignore[arg-type]
                    map(_SECONDS, new_clocks),  # type: ignore[arg-type]
                ),
                new_seconds,
            )
            last = len(bodies) - 1
            done_bodies += bodies[:last]
            done_days += new_days[:last]  # type: ignore[arg-type]
            done_clocks += new_clocks[:last]  # type: ignore[arg-type]
            done_seconds += new_seconds[:last]
            done_lines += new_lines[:last]
            have_open = True
            open_line = new_lines[last]
            open_day = new_days[last]  # type: ignore[assignment]
            open_clock = new_clocks[last]  # type: ignore[assignment]
            open_second = new_seconds[last]
            open_parts = [bodies[last]]
        else:
            for i, (day, clock) in enumerate(zip(new_days, new_clocks, strict=True)):
                if day is None or clock is None:
                    # a header-shaped line whose date or time does not exist is text
                    if not have_open:
                        raise WhatsAppError(
                            "text before the first message header", file=file, line=new_lines[i]
                        )
                    open_parts += ("\n", heads[i].decode(), bodies[i])
                    if sum(map(len, open_parts)) > longest:
                        raise refuse("a message", sum(map(len, open_parts)),
                                     "max_message_chars", longest, file=file,
                                     line=open_line)  # fmt: skip
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
                open_line = new_lines[i]
                open_day, open_clock, open_second = day, clock, new_seconds[i]
                open_parts = [bodies[i]]
                times.append(day[3] + clock[3] + open_second)
        _build(messages, doubts, done_bodies, done_days, done_clocks, done_seconds, done_lines, tz)
    if not have_open:
        raise WhatsAppError("no valid WhatsApp message header found", file=file, line=1)
    body = open_parts[0] if len(open_parts) == 1 else "".join(open_parts)
    _build(messages, doubts, [body], [open_day], [open_clock], [open_second], [open_line], tz)
    _flag_out_of_line(messages, times)
    settle(messages, doubts, title=title)
    if nul:
        make_storable(messages)
    return messages


def _drain(kept: list[_Kept]) -> Iterator[_Kept]:
    """The blocks of ``kept`` (in reverse order), each let go of as it is taken."""
    while kept:
        yield kept.pop()


def _unsplit(parts: list[bytes], step: int) -> bytes:
    """The block that a regex of ``_layout_regex_b`` with ``step - 1`` groups split into
    ``parts`` (its first group is all of a header but the newline before it)."""
    heads = parts[1::step]
    return b"".join(
        itertools.chain(
            (parts[0],), *zip(repeat(b"\n", len(heads)), heads, parts[step::step], strict=True)
        )
    )


def _line_of_date(stream: IO[bytes], header: re.Pattern[str], date: str) -> int | None:
    """The line of the first header in the layout ``header`` dated ``date`` (as written)."""
    for block, line, _ in _raw_blocks(stream):
        text = block.decode("utf-8", "replace")
        for m in header.finditer(text):
            if m.group(2) == date:
                return line + text.count("\n", 0, m.start())
    return None


def out_of_line(
    t: int,
    *,
    before: int | None,
    after: int | None,
    later: int | None,
    tolerance: int = TOLERANCE,
) -> bool:
    """Whether a message's time ``t`` is out of line with the messages around it: it goes back
    more than ``tolerance`` seconds while the next message does not, or it jumps more than that
    ahead of the next two (or, at the end, of the next, which is in line with the one before).
    Times are seconds; ``before`` is the previous message's, ``after`` and ``later`` the next
    two (None where there is none).

    Such a message is still a message (a line that starts with a header in the file's own
    layout always is); it gets the ``out-of-order`` flag for a reviewer.

    >>> h = 3600
    >>> out_of_line(9 * h, before=12 * h, after=12 * h, later=13 * h)   # late delivery
    True
    >>> out_of_line(9 * h, before=12 * h, after=9 * h, later=10 * h)    # the clock went back
    False
    >>> out_of_line(20 * h, before=12 * h, after=12 * h, later=13 * h)  # a jump ahead
    True
    >>> out_of_line(12 * h + 60, before=12 * h, after=None, later=None)
    False
    """
    limit = t - tolerance
    if before is not None and t < before - tolerance:
        return after is None or after >= before - tolerance
    if after is None or after >= limit:
        return False
    if later is not None:
        return later < limit
    return before is not None and after >= before - tolerance


def _flag_out_of_line(messages: list[ParsedMessage], times: list[int]) -> None:
    """Flag ``out-of-order`` the messages whose time is out of line (see :func:`out_of_line`).

    ``times`` are the messages' times as seconds. Only a message next to a step back in time
    can be out of line, so when the times never go back by more than the tolerance (nearly
    every chat) nothing is looked at one by one.
    """
    steps = map(operator.lt, times[1:], map(operator.sub, times, repeat(TOLERANCE)))
    if not any(steps):
        return
    n = len(times)
    drops = [i for i in range(n - 1) if times[i + 1] < times[i] - TOLERANCE]
    for i in sorted({j for d in drops for j in (d, d + 1)}):
        if out_of_line(
            times[i],
            before=times[i - 1] if i > 0 else None,
            after=times[i + 1] if i + 1 < n else None,
            later=times[i + 2] if i + 2 < n else None,
        ):
            message = messages[i]
            message.flags = (*message.flags, "out-of-order")


def _split(
    block: bytes | None,
    parts: list[bytes],
    line: int,
    newlines: int,
    header_b: re.Pattern[bytes],
    header: re.Pattern[str],
    file: str,
) -> tuple[str, list[bytes], list[bytes], list[bytes], list[int] | None, list[str]]:
    """A block (None: the one split into ``parts``) split into ``parts`` at the headers of the
    file's layout by ``header_b``: the text before the first, then the headers, their dates,
    their times (without seconds), their seconds (None when the layout has none) and the text
    after each.

    The bytes regex splits twice as fast as the text one, on a quarter of the memory, and
    matches only where the text one does; it reads only ASCII digits, so a header with other
    digits would be left inside a text of several lines: the text regex looks there, and finds
    one only in such a file, which is then split as text.
    """
    step = header_b.groups + 1
    try:
        lead = parts[0].decode()
        bodies = list(map(bytes.decode, parts[step::step]))
    except UnicodeDecodeError:
        if block is None:
            block = _unsplit(parts, step)
        _decode(block, line, file)  # raises, naming the first line that is not UTF-8
        raise
    if newlines != len(bodies) and (  # (some line does not start with a header)
        header.search(lead) is not None
        or any(header.search(body) is not None for body in bodies if "\n" in body)
    ):
        if block is None:
            block = _unsplit(parts, step)
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

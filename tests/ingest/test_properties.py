"""Property tests: generated WhatsApp chats round-trip through render -> parse, and no input,
however damaged, makes a parser raise anything but :class:`ParseError`."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.ingest import FORMATS, ParseError, parse
from commsgov.ingest.whatsapp import is_header, parse_lines
from commsgov.ingest.whatsapp.bodies import read_markers
from commsgov.ingest.whatsapp.phrases import SYSTEM_WITH_COLON as _SYSTEM_WITH_COLON

UTC = ZoneInfo("UTC")
DATA = Path(__file__).resolve().parent.parent / "data"
NNBSP = "\u202f"


def _h12(t: dt.datetime) -> tuple[int, str]:
    return (t.hour % 12 or 12), ("AM" if t.hour < 12 else "PM")


#: how WhatsApp writes a header, per platform and locale: (name, date order, render)
LAYOUTS = {
    "android-uk": ("dmy", lambda t: f"{t:%d/%m/%Y}, {t:%H:%M} - "),
    "android-us": (
        "mdy",
        lambda t: f"{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M}{NNBSP}{_h12(t)[1]} - ",
    ),
    "ios-uk": ("dmy", lambda t: f"[{t:%d/%m/%Y}, {t:%H:%M:%S}] "),
    "ios-us": (
        "mdy",
        lambda t: f"[{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M:%S}{NNBSP}{_h12(t)[1]}] ",
    ),
    "german": ("dmy", lambda t: f"{t:%d.%m.%y}, {t:%H:%M} - "),
    "swedish": ("ymd", lambda t: f"{t:%Y-%m-%d} {t:%H:%M:%S} - "),
    "spanish": (
        "dmy",
        lambda t: (
            f"{t.day}/{t.month}/{t:%y}, {_h12(t)[0]}:{t:%M} "
            f"{'a. m.' if t.hour < 12 else 'p. m.'} - "
        ),
    ),
}

senders = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,10})?( \+44 7700 9\d{5})?", fullmatch=True)
senders = senders.filter(lambda s: not _SYSTEM_WITH_COLON.match(s + ":"))
_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"),
    max_size=40,
)
_MARKERS = ("omitted", "<attached:", "(file attached)", "deleted", "edited>", "View once")


def _plain(text: str) -> bool:
    lines = text.split("\n")
    # (a text WhatsApp could have written, "Sprachanruf" or "Location: ...", is no plain text)
    read, _ = read_markers("Ann", text, dt.datetime(2024, 1, 1, tzinfo=UTC))
    return (
        (read.kind, read.text, read.flags, read.attachments) == ("message", text, (), ())
        and not text.startswith(("\u200e", "<"))
        and not any(marker in text for marker in _MARKERS)
        and not any(is_header(line) for line in lines)
        and not text.endswith(")")
    )


texts = st.lists(_line, min_size=1, max_size=3).map("\n".join).filter(_plain)
messages = st.lists(st.tuples(st.integers(0, 3 * 86400), senders, texts), min_size=1, max_size=25)


@given(layout=st.sampled_from(sorted(LAYOUTS)), msgs=messages)
def test_generated_chats_round_trip(layout: str, msgs: list[tuple[int, str, str]]) -> None:
    order, render = LAYOUTS[layout]
    start = dt.datetime(2024, 3, 11, 8, 0)
    seconds = 0
    expected = []
    lines = []
    for step, sender, text in msgs:
        seconds += step
        when = start + dt.timedelta(seconds=seconds)
        if "%S" not in render(dt.datetime(2000, 1, 1, 0, 0, 59)) and ":59" not in render(
            dt.datetime(2000, 1, 1, 0, 0, 59)
        ):
            when = when.replace(second=0)
        expected.append((when, sender, text))
        lines.extend((render(when) + f"{sender}: {text}").split("\n"))
    parsed = parse_lines(lines, tz=UTC, date_order=order)  # type: ignore[arg-type]
    got = [(m.at.replace(tzinfo=None), m.sender, m.text) for m in parsed]
    assert got == expected
    assert all(m.kind == "message" and not m.flags for m in parsed)


def _parse_or_refuse(data: bytes, name: str, fmt: str | None) -> None:
    """Parse, accepting a refusal only when the parser itself diagnosed the problem."""
    try:
        parse(io.BytesIO(data), name=name, tz=UTC, format=fmt)
    except ParseError as exc:
        # the registry's last line of defence wraps unexpected exceptions: those are bugs
        assert "cannot read this file" not in exc.reason, exc.reason


@given(data=st.binary(max_size=600), fmt=st.sampled_from([None, *sorted(FORMATS)]))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes, fmt: str | None) -> None:
    _parse_or_refuse(data, "fuzz.bin", fmt)


@given(text=st.text(max_size=400), fmt=st.sampled_from([None, *sorted(FORMATS)]))
def test_arbitrary_text_raises_only_parse_error(text: str, fmt: str | None) -> None:
    _parse_or_refuse(text.encode("utf-8", "surrogatepass"), "fuzz.txt", fmt)


def _golden_inputs() -> list[Path]:
    return sorted(p for p in DATA.glob("*/*") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("case", _golden_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fuzz_mutated_golden_files(case: Path) -> None:
    """A short fuzz run: flip, drop, duplicate and truncate bytes of every golden input."""
    rng = random.Random(case.name)
    original = case.read_bytes()
    fmt = case.parent.name
    for _ in range(600):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            if not data:
                break
            pos = rng.randrange(len(data))
            action = rng.randrange(4)
            if action == 0:
                data[pos] = rng.randrange(256)
            elif action == 1:
                del data[pos : pos + rng.randint(1, 16)]
            elif action == 2:
                data[pos:pos] = data[pos : pos + rng.randint(1, 32)]
            else:
                del data[pos:]
        for forced in (fmt, None):
            _parse_or_refuse(bytes(data), case.name, forced)


@pytest.mark.parametrize("block", [1, 7, 64, 333])
def test_block_boundaries_do_not_change_the_result(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WhatsApp parser reads 4 MiB blocks; any block size must give the same messages."""
    from commsgov.ingest import whatsapp

    cases = sorted((DATA / "whatsapp").glob("*.txt"))

    def read(case: Path) -> list[object]:
        try:
            chat = parse(
                io.BytesIO(case.read_bytes()), name="x", tz=UTC, format="whatsapp",
                date_order="dmy",
            )  # fmt: skip
        except ParseError as exc:
            return [str(exc)]
        return [m.to_dict() for m in chat.messages]

    expected = {case.name: read(case) for case in cases}
    monkeypatch.setattr(whatsapp.scan, "_BLOCK_BYTES", block)
    for case in cases:
        assert read(case) == expected[case.name], case.name


@given(msgs=messages, block=st.integers(1, 200))
def test_generated_chats_parse_the_same_in_any_block_size(
    msgs: list[tuple[int, str, str]], block: int
) -> None:
    from commsgov.ingest import whatsapp

    render = LAYOUTS["ios-uk"][1]
    start = dt.datetime(2024, 3, 11, 8, 0)
    lines, seconds = [], 0
    for step, sender, text in msgs:
        seconds += step
        lines.extend(
            (render(start + dt.timedelta(seconds=seconds)) + f"{sender}: {text}").split("\n")
        )
    whole = parse_lines(lines, tz=UTC, date_order="dmy")
    saved = whatsapp.scan._BLOCK_BYTES
    whatsapp.scan._BLOCK_BYTES = block
    try:
        pieces = parse_lines(lines, tz=UTC, date_order="dmy")
    finally:
        whatsapp.scan._BLOCK_BYTES = saved
    assert [m.to_dict() for m in pieces] == [m.to_dict() for m in whole]


@given(
    layout=st.sampled_from(["android-uk", "android-us", "ios-uk", "ios-us", "german", "spanish"]),
    days=st.lists(st.integers(0, 40), min_size=1, max_size=30),
    start_day=st.integers(1, 28),
)
def test_day_month_order_is_decided_from_the_whole_file(
    layout: str, days: list[int], start_day: int
) -> None:
    """Regression: m/d/y vs d/m/y is decided from every date of the file, not the first one."""
    _order, render = LAYOUTS[layout]
    start = dt.datetime(2024, 1, start_day, 9, 0)
    whens = sorted(start + dt.timedelta(days=d) for d in days)
    whens.append(dt.datetime(2024, 3, 25, 9, 0))  # a day over 12 settles the order
    lines = [render(w) + f"Ann: message {i}" for i, w in enumerate(whens)]
    parsed = parse_lines(lines, tz=UTC)
    assert [m.at.replace(tzinfo=None) for m in parsed] == whens


_header_lines = st.builds(
    lambda layout, when, sender, text: LAYOUTS[layout][1](when) + f"{sender}: {text}",
    st.sampled_from(sorted(LAYOUTS)),
    st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2035, 12, 31)),
    senders,
    _line,
)


@given(lines=st.lists(st.one_of(_header_lines, _line), min_size=1, max_size=40))
def test_header_soup_never_crashes_and_keeps_order(lines: list[str]) -> None:
    """Mixed layouts, random times and plain lines: a clean refusal or messages in file order,
    each starting on a header-shaped line."""
    try:
        parsed = parse_lines(lines, tz=ZoneInfo("Europe/London"), date_order="dmy")
    except ParseError as exc:
        assert "cannot read this file" not in exc.reason
        return
    starts = [m.line for m in parsed]
    assert starts == sorted(set(starts))
    for m in parsed:
        assert is_header(lines[m.line - 1])

"""A WhatsApp file of up to ``scan._KEEP_BYTES`` is read once (the first pass keeps its blocks,
split at the headers, for the second); a larger one is read twice. Both ways give the same
messages, and the same refusals, in any block size."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.ingest import ParseError, parse
from commsgov.ingest.whatsapp import scan

UTC = ZoneInfo("UTC")
DATA = Path(__file__).resolve().parent.parent / "data"


def _read(data: bytes, date_order: str | None = None) -> list[object]:
    try:
        chat = parse(io.BytesIO(data), name="x", tz=UTC, format="whatsapp",
                     date_order=date_order)  # type: ignore[arg-type]  # fmt: skip
    except ParseError as exc:
        return [str(exc), exc.line]
    return [(m.to_dict(), m.line) for m in chat.messages]


@pytest.mark.parametrize("block", [40, 300, 4096])
def test_kept_and_read_again_parse_alike(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every golden WhatsApp file, read once and read twice, in small blocks (so the first
    pass splits many of them, some for a layout it later gives up)."""
    monkeypatch.setattr(scan, "_BLOCK_BYTES", block)
    monkeypatch.setattr(scan, "_FIRST_BYTES", 64)
    cases = sorted((DATA / "whatsapp").glob("*.txt"))
    assert len(cases) > 20
    for case in cases:
        data = case.read_bytes()
        for order in (None, "mdy"):
            once = _read(data, order)
            monkeypatch.setattr(scan, "_KEEP_BYTES", 0)
            twice = _read(data, order)
            monkeypatch.setattr(scan, "_KEEP_BYTES", 64 << 20)
            assert once == twice, (case.name, order)


def test_the_first_pass_keeps_only_what_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``_KEEP_BYTES`` the first pass lets its blocks go (the second reads the file)."""
    monkeypatch.setattr(scan, "_BLOCK_BYTES", 64)
    lines = [f"[25/02/2024, 10:{m:02d}:00] Ann: message {m}" for m in range(60)]
    data = ("\n".join(lines) + "\n").encode()
    kept = scan._survey(io.BytesIO(data), "x")[3]
    assert kept is not None and any(isinstance(k[1], list) for k in kept)  # (split)
    monkeypatch.setattr(scan, "_KEEP_BYTES", len(data) // 2)
    assert scan._survey(io.BytesIO(data), "x")[3] is None
    assert [m[1] for m in _read(data)] == list(range(1, 61))  # type: ignore[index]


_texts = st.lists(
    st.text(
        alphabet=st.sampled_from(list("ab 1/:.,-[]\u200e\u00e9")),
        max_size=30,
    ),
    min_size=1,
    max_size=3,
)


@given(
    msgs=st.lists(st.tuples(st.integers(0, 90_000), _texts), min_size=1, max_size=40),
    block=st.integers(1, 300),
    ios=st.booleans(),
)
def test_generated_chats_parse_alike_read_once_or_twice(
    msgs: list[tuple[int, list[str]]], block: int, ios: bool
) -> None:
    """Messages of one or more lines (lines that look nearly like headers among them)."""
    when = dt.datetime(2024, 3, 11, 8, 0)
    out = []
    for step, text in msgs:
        when += dt.timedelta(seconds=step)
        head = f"[{when:%d/%m/%Y, %H:%M:%S}] " if ios else f"{when:%d/%m/%Y, %H:%M} - "
        out.append(head + "Ann: " + "\n".join(text))
    data = ("\n".join(out) + "\n").encode()
    saved = scan._BLOCK_BYTES, scan._KEEP_BYTES
    try:
        scan._BLOCK_BYTES = block
        once = _read(data)
        scan._KEEP_BYTES = 0
        twice = _read(data)
    finally:
        scan._BLOCK_BYTES, scan._KEEP_BYTES = saved
    assert once == twice

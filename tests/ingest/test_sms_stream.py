"""SMS Backup & Restore is streamed: messages come out before the file is read to the end, and
surrogate-pair references split across read chunks are still combined."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.ingest import sms

UTC = ZoneInfo("UTC")


def _backup(bodies: list[str]) -> bytes:
    rows = "".join(
        f'<sms address="+447700900{i % 1000:03d}" date="{1710237600000 + i * 1000}" type="1" '
        f'body="{body}" contact_name="null" />\n'
        for i, body in enumerate(bodies)
    )
    head = f"<?xml version='1.0' encoding='UTF-8'?>\n<smses count=\"{len(bodies)}\">\n"
    return (head + rows + "</smses>\n").encode()


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_so_far = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_so_far += len(chunk)
        return chunk


def test_messages_come_out_before_the_whole_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sms, "_CHUNK", 4096)
    data = _backup([f"message {i}" for i in range(20_000)])
    stream = _Counting(data)
    messages = sms.iter_messages(stream, tz=UTC)
    first = next(messages)
    assert first.text == "message 0"
    assert stream.read_so_far < len(data) // 10
    assert sum(1 for _ in messages) == 19_999


@given(split=st.integers(1, 120), emoji=st.sampled_from(["😀", "📷", "🇬🇧", "👍🏽"]))
def test_surrogate_pairs_split_across_chunks(split: int, emoji: str) -> None:
    refs = "".join(
        f"&#{0xD800 + ((ord(c) - 0x10000) >> 10)};&#{0xDC00 + ((ord(c) - 0x10000) & 0x3FF)};"
        for c in emoji
    )
    data = _backup([f"a{refs}b", "x" * split + refs])
    old = sms._CHUNK
    sms._CHUNK = split + 64
    try:
        got = [m.text for m in sms.iter_messages(io.BytesIO(data), tz=UTC)]
    finally:
        sms._CHUNK = old
    assert got == [f"a{emoji}b", "x" * split + emoji]


@given(pad=st.integers(0, 200))
def test_a_pair_is_never_split_at_the_read_window(pad: int) -> None:
    """Regression: the high half just before the held-back window stays with its low half."""
    refs = "&#55357;&#56832;" * 12  # twelve 😀 in a row
    data = _backup(["x" * pad + refs + "y"])
    old = sms._CHUNK
    sms._CHUNK = 64
    try:
        (message,) = sms.iter_messages(io.BytesIO(data), tz=UTC)
    finally:
        sms._CHUNK = old
    assert message.text == "x" * pad + "😀" * 12 + "y"

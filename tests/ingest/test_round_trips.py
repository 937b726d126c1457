"""Generated Telegram, signal-export and SMS Backup & Restore exports round-trip: what is
rendered in each format's own way is parsed back to the same senders, times and exact text."""

from __future__ import annotations

import datetime as dt
import io
import json
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from commsgov.ingest import parse

LONDON = ZoneInfo("Europe/London")
senders = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,10})?", fullmatch=True)
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"),
    max_size=60,
)
instants = st.integers(1_500_000_000, 1_900_000_000)  # seconds since 1970
messages = st.lists(st.tuples(instants, senders, texts), min_size=1, max_size=20)


@given(msgs=messages, entities=st.booleans())
def test_telegram_round_trip(msgs: list[tuple[int, str, str]], entities: bool) -> None:
    rows = []
    for i, (when, sender, text) in enumerate(msgs, 1):
        value: object = text
        if entities and text:
            cut = len(text) // 2
            value = [text[:cut], {"type": "bold", "text": text[cut:]}]
        rows.append(
            {"id": i, "type": "message", "date_unixtime": str(when), "from": sender, "text": value}
        )
    data = json.dumps({"name": "Chat", "type": "personal_chat", "id": 1, "messages": rows})
    chat = parse(io.BytesIO(data.encode()), name="result.json", tz=LONDON, format="telegram")
    got = [(int(m.at.timestamp()), m.sender, m.text) for m in chat.messages]
    assert got == msgs


def _surrogate_refs(text: str) -> str:
    """Escape as SMS Backup & Restore does: characters beyond U+FFFF as surrogate pairs."""
    out = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"&#{0xD800 + (code >> 10)};&#{0xDC00 + (code & 0x3FF)};")
        else:
            out.append(escape(ch, {'"': "&quot;"}))
    return "".join(out)


@given(msgs=messages)
def test_sms_round_trip_with_surrogate_pairs(msgs: list[tuple[int, str, str]]) -> None:
    # XML attribute values normalise tabs and newlines unless written as references
    rows = "".join(
        f'<sms address="+447700900123" date="{when * 1000}" type="1" '
        f'body="{_surrogate_refs(text).replace(chr(10), "&#10;").replace(chr(9), "&#9;")}" '
        f"contact_name={quoteattr(sender)} />\n"
        for when, sender, text in msgs
    )
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n<smses count="{len(msgs)}">\n{rows}</smses>'
    chat = parse(io.BytesIO(data.encode()), name="sms.xml", tz=LONDON, format="sms")
    got = [(int(m.at.timestamp()), m.sender, m.text) for m in chat.messages]
    assert got == msgs


@given(msgs=messages)
def test_signal_markdown_round_trip(msgs: list[tuple[int, str, str]]) -> None:
    lines = []
    expected = []
    for when, sender, text in msgs:
        if any(line.startswith("[") for line in text.split("\n")) or text.endswith("\n"):
            continue  # a line starting with "[" could be a header: not generated here
        local = dt.datetime.fromtimestamp(when, LONDON).replace(tzinfo=None)
        lines.append(f"[{local:%Y-%m-%d %H:%M:%S}] {sender}: {text}\n")
        expected.append((local, sender, text))
    if not lines:
        return
    data = "\n".join(lines) + "\n"
    chat = parse(io.BytesIO(data.encode()), name="Ann/chat.md", tz=LONDON, format="signal")
    got = [(m.at.replace(tzinfo=None), m.sender, m.text) for m in chat.messages]
    assert got == expected

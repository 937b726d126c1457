"""A bounded fuzz run of each parser with structured inputs (hypothesis): whatever the input, a
parser returns messages the record can store, or refuses with :class:`ParseError` that it
diagnosed itself; never another exception, never the registry's last line of defence.

What comes back must be storable as it is on either database: no NUL and no lone surrogate in
any text, every kind among ``MESSAGE_KINDS``, every flag among ``FLAGS``.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from commsgov.ingest import FLAGS, MESSAGE_KINDS, ParsedChat, ParseError, parse
from commsgov.ingest.limits import Limits

UTC = ZoneInfo("UTC")
SMALL = Limits(max_member_bytes=1 << 20, max_message_chars=4096, max_import_bytes=4 << 20)

#: any text, lone surrogates and NUL included (json.dumps writes them as escapes)
texts = st.text(max_size=30) | st.sampled_from(["\ud83d", "\x00", "\udc00x", "a\u200eb"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), texts)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3)
)
dates = st.sampled_from(
    ["2024-03-12T10:00:00", "2024-03-31T01:30:00", "2024-13-01T00:00:00", "", "x", "0"]
)
unix = st.one_of(st.none(), st.sampled_from(["0", "1710237600", "-1", "x", "99999999999999"]))


@st.composite
def telegram_message(draw: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": draw(st.integers(0, 10)),
        "type": draw(st.sampled_from(["message", "service", "x"])),
        "date": draw(dates),
    }
    optional = {
        "date_unixtime": unix,
        "from": texts,
        "actor": texts,
        "action": st.sampled_from(["phone_call", "group_call", "invite_members", "x"]),
        "discard_reason": st.sampled_from(["missed", "busy", "hangup"]),
        "duration_seconds": st.integers(-5, 10**6),
        "text": texts | st.lists(texts | st.fixed_dictionaries({"text": texts}), max_size=3),
        "photo": texts,
        "file": texts,
        "edited": st.booleans(),
        "members": st.lists(texts, max_size=2),
        "extra": json_values,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            message[key] = draw(strategy)
    return message


def _check(chat: ParsedChat) -> None:
    for m in chat.messages:
        assert m.kind in MESSAGE_KINDS
        assert set(m.flags) <= FLAGS.keys(), m.flags
        values = [m.text, m.sender or "", m.chat or "", *(a.name for a in m.attachments)]
        for value in values:
            assert "\x00" not in value
            value.encode("utf-8")  # no lone surrogate
        assert len(m.text) <= SMALL.max_message_chars


def _parse(data: bytes, name: str, fmt: str) -> None:
    try:
        chat = parse(io.BytesIO(data), name=name, tz=UTC, format=fmt, limits=SMALL)
    except ParseError as exc:
        assert "cannot read this file" not in exc.reason, exc.reason
        return
    _check(chat)


@given(
    chats=st.lists(st.lists(telegram_message(), max_size=4), min_size=1, max_size=3),
    whole_account=st.booleans(),
)
def test_telegram(chats: list[list[dict[str, Any]]], whole_account: bool) -> None:
    if whole_account:
        data: dict[str, Any] = {
            "chats": {"list": [{"name": f"c{i}", "messages": c} for i, c in enumerate(chats)]}
        }
    else:
        data = {"name": "chat", "type": "personal_chat", "messages": chats[0]}
    _parse(json.dumps(data).encode(), "result.json", "telegram")


@given(
    lines=st.lists(
        st.fixed_dictionaries(
            {
                "date": st.one_of(dates, st.integers(-(2**40), 2**45)),
                "sender": texts,
                "body": st.one_of(st.none(), texts),
            },
            optional={
                "attachments": st.lists(st.fixed_dictionaries({"path": texts}), max_size=2),
                "reactions": st.lists(st.tuples(texts, texts), max_size=2),
                "quote": texts,
                "deleted": st.booleans(),
                "call": st.booleans(),
            },
        ),
        min_size=1,
        max_size=5,
    )
)
def test_signal_json(lines: list[dict[str, Any]]) -> None:
    data = "\n".join(json.dumps(line) for line in lines).encode()
    _parse(data, "chat/data.json", "signal-json")


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["[2024-03-12 10:00:00] ", "[2024-03-12, 10:00] ", ""]), texts, texts
        ),
        min_size=1,
        max_size=6,
    )
)
def test_signal_md(rows: list[tuple[str, str, str]]) -> None:
    data = "\n".join(f"{head}{who}: {what}" for head, who, what in rows)
    _parse(data.encode("utf-8", "surrogatepass"), "chat/chat.md", "signal")


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["sms", "mms"]),
            st.integers(-(2**40), 2**45),
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
            st.sampled_from(["&#55357;&#56832;", "&#55357;", "&#0;", "&amp;", ""]),
            st.sampled_from(["aGk=", "!!", ""]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sms(rows: list[tuple[str, int, str, str, str]]) -> None:
    parts = []
    for tag, date, body, ref, data in rows:
        body = body.replace("&", "").replace("<", "").replace('"', "")
        if tag == "sms":
            parts.append(f'<sms address="+44" date="{date}" type="1" body="{body}{ref}" />')
        else:
            parts.append(
                f'<mms date="{date}" msg_box="1"><parts><part ct="image/jpeg" name="a.jpg" '
                f'data="{data}" /><part ct="text/plain" text="{body}{ref}" /></parts>'
                '<addrs><addr address="+44" type="137" /></addrs></mms>'
            )
    xml = '<?xml version="1.0"?><smses count="1">' + "".join(parts) + "</smses>"
    _parse(xml.encode(), "backup.xml", "sms")


@given(
    chat=st.lists(texts, min_size=1, max_size=4),
    compression=st.sampled_from(
        [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    ),
    damage=st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
    media=st.booleans(),
)
def test_whatsapp_zip(
    chat: list[str], compression: int, damage: tuple[int, int], media: bool
) -> None:
    lines = [f"12/03/2024, 10:0{i} - Ann: {t}" for i, t in enumerate(chat)]
    if media:
        lines.append("12/03/2024, 10:09 - Ann: IMG-1.jpg (file attached)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("WhatsApp Chat with Ann.txt", "\n".join(lines).encode("utf-8", "replace"))
        archive.writestr("IMG-1.jpg", b"\xff\xd8" * 200)
    data = bytearray(buffer.getvalue())
    position, value = damage
    data[position % len(data)] = value  # one damaged byte, anywhere (or none: same value)
    try:
        chat_ = parse(io.BytesIO(bytes(data)), name="chat.zip", tz=UTC, format="whatsapp-zip",
                      limits=SMALL)  # fmt: skip
    except ParseError as exc:
        assert "cannot read this file" not in exc.reason, exc.reason
        return
    _check(chat_)


@given(text=st.text(max_size=300), order=st.sampled_from([None, "dmy", "mdy", "ymd"]))
def test_whatsapp_text(text: str, order: Any) -> None:
    data = ("12/03/2024, 10:00 - Ann: hi\n" + text).encode("utf-8", "surrogatepass")
    try:
        chat = parse(io.BytesIO(data), name="chat.txt", tz=UTC, format="whatsapp",
                     date_order=order, limits=SMALL)  # fmt: skip
    except ParseError as exc:
        assert "cannot read this file" not in exc.reason, exc.reason
        return
    _check(chat)

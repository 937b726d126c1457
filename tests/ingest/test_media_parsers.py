"""The parser side of media in SMS Backup & Restore and Telegram exports (pure: no store).

An MMS's media parts come out one at a time with their message's position and their index among
its attachments (part names repeat across messages); Telegram attachments keep the path the
export gives, only when the export claims to include the file.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commsgov.ingest import sms, telegram

DATA = Path(__file__).resolve().parent.parent / "data"
SMS_MEDIA = DATA / "sms" / "mms_media_same_part_names.xml"
TELEGRAM_MEDIA = DATA / "telegram" / "media_present_missing_and_escaping.json"
UTC = ZoneInfo("UTC")


def _sms_parts() -> list[bytes]:
    """The decoded ``data`` of every part of the SMS media case, in file order."""
    xml = SMS_MEDIA.read_text(encoding="utf-8").replace("&#10;", "")
    return [base64.b64decode(d) for d in re.findall(r' data="([^"]*)"', xml)]


def test_sms_media_parts_are_keyed_by_message_and_index_not_name() -> None:
    with SMS_MEDIA.open("rb") as stream:
        parts = list(sms.iter_media(stream, name="x.xml"))
    with SMS_MEDIA.open("rb") as stream:
        messages = sms.parse(stream, tz=UTC).messages
    assert [(p.message, p.index, p.name, p.media_type) for p in parts] == [
        (1, 0, "image000000.jpg", "image/jpeg"),
        (3, 0, "image000000.jpg", "image/jpeg"),
        (3, 1, "video000000.mp4", "video/mp4"),
    ]  # the SMIL layout part and the vCard without data are not media
    decoded = [sms.decode_data(p.data) for p in parts]
    assert decoded == _sms_parts()
    assert decoded[0] != decoded[1]  # same name, different pictures
    for part, data in zip(parts, decoded, strict=True):
        attachment = messages[part.message - 1].attachments[part.index]
        assert (attachment.name, attachment.size) == (part.name, len(data))


def test_sms_media_are_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sms, "_CHUNK", 4096)
    blob = base64.b64encode(b"x" * 600).decode()
    rows = "".join(
        f'<mms date="{1710410400000 + i}" msg_box="1"><parts>'
        f'<part ct="image/jpeg" cl="image000000.jpg" data="{blob}"/></parts></mms>\n'
        for i in range(2000)
    )
    data = f"<smses>\n{rows}</smses>\n".encode()
    stream = io.BytesIO(data)
    first = next(sms.iter_media(stream))
    assert (first.message, first.name) == (1, "image000000.jpg")
    assert stream.tell() < len(data) // 10


def test_telegram_media_keep_their_path_only_when_included() -> None:
    with TELEGRAM_MEDIA.open("rb") as stream:
        chat = telegram.parse(stream, tz=UTC)
    paths = [[a.path for a in m.attachments] for m in chat.messages]
    assert paths == [
        ["photos/photo_1@14-03-2024_10-00-00.jpg"],
        [],  # "(File not included. ...)": media-omitted, no path
        ["files/status report.pdf"],
        ["photos/photo_2@14-03-2024_10-03-00.jpg"],
        ["../secret.jpg"],
        ["/etc/hostname"],
        ["photos/link_out.jpg"],
    ]
    assert "path" not in chat.to_dict()["messages"][0]["attachments"][0]

"""Limits: what exceeds one is refused at once, naming the limit and its setting; a damaged
LZMA member is refused like a damaged deflate or bzip2 one; nothing of a refused file is
written (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from commsgov.accounts.actor import Actor
from commsgov.cli.main import app
from commsgov.ingest import LimitError, Limits, ParseError, parse
from commsgov.services.ingest import ingest_file, limits_from_settings

from .conftest import counts

UTC = ZoneInfo("UTC")
CHAT = b"13/03/2024, 10:00 - Ann: the video\n13/03/2024, 10:01 - Ann: VID-1.mp4 (file attached)\n"


def _zip(path: Path, member: bytes, *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("WhatsApp Chat with Ann.txt", CHAT)
        archive.writestr("VID-1.mp4", member)
    return path


def _declare_size(path: Path, name: bytes, size: int) -> None:
    """Make the zip's central directory say ``name`` expands to ``size`` bytes (a bomb's
    claim; the bytes themselves are small)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_is_refused_at_once_by_its_expansion_ratio(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.zip", bytes(64 << 20), compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 200_000  # 64 MiB of zeros in well under 1% of that
    start = time.perf_counter()
    with pytest.raises(LimitError) as refused, path.open("rb") as stream:
        parse(stream, name=str(path), tz=UTC)
    assert time.perf_counter() - start < 1.0  # the member is never inflated
    message = str(refused.value)
    assert "VID-1.mp4" in message
    assert "ingest_max_expansion_ratio" in message
    assert "COMMSGOV_INGEST_MAX_EXPANSION_RATIO" in message


def test_a_2_gib_member_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.zip", b"\x00\x01" * 1000, compression=zipfile.ZIP_STORED)
    _declare_size(path, b"VID-1.mp4", 2 << 30)
    result = CliRunner().invoke(app, ["ingest", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "VID-1.mp4" in result.output
    assert "ingest_max_member_bytes" in result.output
    assert "COMMSGOV_INGEST_MAX_MEMBER_BYTES" in result.output
    assert "Traceback" not in result.output


def test_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_MESSAGE_CHARS", "20")
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_MEMBER_BYTES", "1000")
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_EXPANSION_RATIO", "7")
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_IMPORT_BYTES", "5000")
    assert limits_from_settings() == Limits(1000, 7, 20, 5000)
    chat = tmp_path / "chat.txt"
    chat.write_bytes(b"13/03/2024, 10:00 - Ann: hi\n13/03/2024, 10:01 - Bob: " + b"x" * 30 + b"\n")
    result = CliRunner().invoke(app, ["ingest", "--dry-run", str(chat)])
    assert result.exit_code == 1
    assert f"{chat}:2: a message is 35" in result.output  # (the line that starts it)
    assert "COMMSGOV_INGEST_MAX_MESSAGE_CHARS" in result.output


@pytest.mark.parametrize(
    ("limits", "setting"),
    [
        (Limits(max_message_chars=10), "ingest_max_message_chars"),
        (Limits(max_import_bytes=50), "ingest_max_import_bytes"),
    ],
)
@pytest.mark.parametrize("fmt", ["whatsapp", "telegram", "signal-json"])
def test_every_format_is_held_to_the_limits(limits: Limits, setting: str, fmt: str) -> None:
    long_text = "a message longer than ten characters, in a file longer than 100 bytes"
    data = {
        "whatsapp": f"13/03/2024, 10:00 - Ann: {long_text}\n".encode(),
        "telegram": json.dumps(
            {
                "name": "c",
                "messages": [
                    {
                        "id": 1,
                        "type": "message",
                        "from": "Ann",
                        "date": "2024-03-12T10:00:00",
                        "text": long_text,
                    }
                ],
            }
        ).encode(),
        "signal-json": json.dumps(
            {"date": "2024-03-12 10:00:00", "sender": "Ann", "body": long_text}
        ).encode(),
    }[fmt]
    with pytest.raises(LimitError, match=setting):
        parse(io.BytesIO(data), name="x", tz=UTC, format=fmt, limits=limits)


@pytest.mark.parametrize("damage", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2, zipfile.ZIP_DEFLATED])
def test_a_damaged_member_is_refused_cleanly_whatever_its_compression(
    damage: int, tmp_path: Path
) -> None:
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", compression=damage) as archive:
        archive.writestr("WhatsApp Chat with Ann.txt", CHAT * 50)
    data = bytearray(path.read_bytes())
    start = 30 + len("WhatsApp Chat with Ann.txt")  # the member's compressed bytes
    for i in range(start + 8, start + 40):
        data[i] ^= 0x5A
    with pytest.raises(ParseError) as refused:
        parse(io.BytesIO(bytes(data)), name="damaged.zip", tz=UTC)
    assert "cannot read this file" not in refused.value.reason  # diagnosed, not a crash


def test_a_damaged_lzma_media_member_writes_nothing(store: Any, tmp_path: Path) -> None:
    path = tmp_path / "chat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with Ann.txt", CHAT)
        archive.writestr(
            zipfile.ZipInfo("VID-1.mp4", date_time=(2024, 3, 12, 10, 0, 0)),
            b"\x00" * 4096,
            compress_type=zipfile.ZIP_LZMA,
        )
    data = bytearray(path.read_bytes())
    at = data.find(b"VID-1.mp4") + len(b"VID-1.mp4")  # (the local header's name)
    for i in range(at + 4, at + 24):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    before = counts(store)
    with pytest.raises(ParseError):
        ingest_file(store, path, tz="Europe/London", actor=Actor.cli("tester"))
    after = counts(store)
    assert after[:3] == before[:3] and after[4] == before[4]  # records, messages, ledger


def test_a_telegram_file_over_the_member_limit_stores_nothing(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_MEMBER_BYTES", "1000")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "big.bin").write_bytes(b"\x01" * 5000)
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "c", "messages": [
        {"id": 1, "type": "message", "from": "Ann", "date": "2024-03-12T10:00:00",
         "file": "files/big.bin", "text": "see attached"}]}))  # fmt: skip
    before = counts(store)
    with pytest.raises(LimitError, match="ingest_max_member_bytes"):
        ingest_file(store, path, tz="Europe/London", actor=Actor.cli("tester"))
    assert counts(store)[:3] == before[:3]
    stored = [store.blobs.read(h) for h in store.blobs.all()]
    assert b"\x01" * 5000 not in stored

"""Reading an export: a ``.txt`` file, or a ``.zip`` with the chat and its media."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
import zlib
from typing import IO

from commsgov.ingest.model import DateOrder, ParsedChat
from commsgov.ingest.whatsapp.errors import WhatsAppError
from commsgov.ingest.whatsapp.scan import parse_stream

FORMAT = "whatsapp"
FORMAT_ZIP = "whatsapp-zip"


def parse(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    name: str = "<input>",
    chat_name: str | None = None,
) -> ParsedChat:
    """Parse a WhatsApp ``.txt`` export read from ``stream``.

    ``chat_name`` is the chat's name when the export shows it elsewhere (the name of the zip
    around an iOS ``_chat.txt``); it tells a group's events from its members' posts.
    """
    title = _title(name)
    messages = parse_stream(
        stream, tz=tz, date_order=date_order, file=name, title=title or chat_name
    )
    return ParsedChat(format=FORMAT, source=name, messages=messages, title=title)


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
                chat = parse(
                    handle, tz=tz, date_order=date_order, name=inner, chat_name=_title(name)
                )
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

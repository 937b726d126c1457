"""Reading an export: a ``.txt`` file, or a ``.zip`` with the chat and its media."""

from __future__ import annotations

import datetime as dt
import lzma
import struct
import zipfile
import zlib
from typing import IO

from commsgov.ingest.limits import RATIO_FLOOR, Limits, refuse
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
    limits: Limits = Limits(),
) -> ParsedChat:
    """Parse a WhatsApp ``.txt`` export read from ``stream``.

    ``chat_name`` is the chat's name when the export shows it elsewhere (the name of the zip
    around an iOS ``_chat.txt``); it tells a group's events from its members' posts.
    """
    title = _title(name)
    messages = parse_stream(
        stream,
        tz=tz,
        date_order=date_order,
        file=name,
        title=title or chat_name,
        max_message_chars=limits.max_message_chars,
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
    lzma.LZMAError,
    struct.error,
)


def check_members(
    members: list[zipfile.ZipInfo], *, limits: Limits, name: str, already: int = 0
) -> None:
    """Refuse the zip ``name`` before reading ``members`` if one would expand past a limit:
    its size, its expansion ratio, or all of them with ``already`` (bytes read so far) past
    the total per import. The sizes are those the zip declares; reading stops at them."""
    total = already
    for info in members:
        what = f"zip member {info.filename!r}"
        if info.file_size > limits.max_member_bytes:
            raise refuse(what, info.file_size, "max_member_bytes", limits.max_member_bytes,
                         file=name)  # fmt: skip
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size >= RATIO_FLOOR and ratio > limits.max_expansion_ratio:
            raise refuse(f"{what} expands {info.compress_size:,} bytes to {info.file_size:,}: "
                         "its ratio", ratio, "max_expansion_ratio", limits.max_expansion_ratio,
                         file=name)  # fmt: skip
        total += info.file_size
        if total > limits.max_import_bytes:
            raise refuse(f"the zip with {what}", total, "max_import_bytes",
                         limits.max_import_bytes, file=name)  # fmt: skip


def parse_zip(
    stream: IO[bytes],
    *,
    tz: dt.tzinfo,
    date_order: DateOrder | None = None,
    name: str = "<input>",
    load_media: bool = True,
    limits: Limits = Limits(),
    size: int = 0,
) -> ParsedChat:
    """Parse a WhatsApp ``.zip`` export: the chat text, plus its media (by file name).

    Every member read is first held to ``limits`` (``size`` is the zip's own size, counted in
    the total per import); a member over one refuses the whole zip, naming the limit.
    """
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
            chat_info = archive.getinfo(member)
            check_members([chat_info], limits=limits, name=name, already=size)
            with archive.open(member) as handle:
                chat = parse(
                    handle, tz=tz, date_order=date_order, name=inner, chat_name=_title(name),
                    limits=limits,
                )  # fmt: skip
            referenced = {a.name for m in chat.messages for a in m.attachments}
            media = [
                info
                for info in archive.infolist()
                if info.filename != member
                and info.filename.rsplit("/", 1)[-1] in referenced
                and not info.is_dir()
            ]
            # (the media the import will store, whether or not they are loaded here)
            check_members(media, limits=limits, name=name, already=size + chat_info.file_size)
            if load_media:
                for info in media:
                    chat.media[info.filename.rsplit("/", 1)[-1]] = archive.read(info)
        except _ZIP_ERRORS as exc:
            raise WhatsAppError(f"damaged zip file ({exc})", file=name) from None
    chat.source = name
    chat.format = FORMAT_ZIP
    chat.title = chat.title or _title(member)
    return chat

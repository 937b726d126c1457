"""Multipart uploads streamed to disk in the data folder, with limits, never held in memory.

The request body is parsed as it arrives (python-multipart's streaming parser): each file part
is written to its own folder under ``<data folder>/uploads/<random>/`` under its own name
reduced to a plain file name (no folder, no ``..``, nothing outside its folder), and the upload
is refused (413) the moment a file passes ``max_file_bytes`` or the body passes
``max_total_bytes`` (a ``Content-Length`` over it is refused before a byte is read). The
folder is removed when the request is done (:meth:`Received.close`), whatever happened.

CSRF on a cookie-authenticated upload: the ``X-CSRF-Token`` header, or a ``csrf_token`` field
sent before any file (a plain HTML form puts its hidden field first), checked here because the
body is read here (:func:`commsgov.api.deps.allowed` with ``upload=True`` leaves it to this).
"""

from __future__ import annotations

import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fastapi import Request

from commsgov.accounts.credentials import same_secret
from commsgov.errors import InvalidInput, TooLarge

from .deps import UNSTORABLE
from .security import CSRF_FIELD, CsrfRefused

__all__ = ["Received", "Upload", "UploadTooLarge", "receive", "safe_name"]

#: at most this many fields and files in one upload, and this many characters in a field
MAX_FIELDS = 200
MAX_FILES = 50
MAX_FIELD_CHARS = 1 << 20


class UploadTooLarge(TooLarge):
    """An upload is over the size limit: the limit and its setting are named."""


class BadUpload(InvalidInput):
    """An upload that is not a multipart form this service can read."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file received: its form field, its name (a plain file name), where it is on disk, its
    size."""

    field: str
    filename: str
    path: Path
    size: int


@dataclass
class Received:
    """A multipart form received: its text fields (each a list: a field may repeat), its files,
    and the folder holding them (removed by :meth:`close`)."""

    folder: Path
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        """The last value of text field ``name`` (``None`` when not sent or empty)."""
        values = self.fields.get(name)
        value = values[-1].strip() if values else ""
        return value or None

    def texts(self, name: str) -> list[str]:
        """Every non-empty value of text field ``name``."""
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    def flag(self, name: str) -> bool:
        """A yes/no field: ``true``, ``1``, ``yes`` or ``on`` (a ticked checkbox) are yes."""
        value = (self.text(name) or "false").lower()
        if value not in {"true", "1", "yes", "on", "false", "0", "no", "off"}:
            raise InvalidInput(f"{name}: {value!r} is not true or false", field=name)
        return value in {"true", "1", "yes", "on"}

    def close(self) -> None:
        """Remove the uploaded files."""
        shutil.rmtree(self.folder, ignore_errors=True)


def safe_name(raw: str | None, *, fallback: str = "upload") -> str:
    """A file name as sent, reduced to a plain name in this folder: no folders (``/`` or
    ``\\``), no ``..``, no control characters, at most 200 characters.

    >>> safe_name("../../etc/passwd"), safe_name(r"C:\\Users\\ann\\chat.txt"), safe_name("..")
    ('passwd', 'chat.txt', 'upload')
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable())
    name = name.strip().lstrip(".").strip()
    if not name:
        return fallback
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) < 10 else name[:200]
    return name


class _Parser:
    """The callbacks of one multipart body: fields into memory, files onto disk."""

    def __init__(self, received: Received, *, max_file: int, setting: str,
                 csrf: str | None) -> None:  # fmt: skip
        self.received = received
        self.max_file = max_file
        self.setting = setting
        self.csrf = csrf  # the token a form field must give (None: checked already)
        self.total = 0
        self.headers: dict[bytes, bytes] = {}
        self.header_field = b""
        self.header_value = b""
        self.name = ""
        self.filename: str | None = None
        self.value = bytearray()
        self.sink: IO[bytes] | None = None
        self.path: Path | None = None
        self.size = 0
        self.parts = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_header_field": self.header_field_data,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
        }

    def part_begin(self) -> None:
        self.headers, self.header_field, self.header_value = {}, b"", b""
        self.value, self.size, self.sink, self.path = bytearray(), 0, None, None
        self.parts += 1
        if self.parts > MAX_FIELDS + MAX_FILES:
            raise BadUpload(f"too many parts (at most {MAX_FIELDS + MAX_FILES})", field="body")

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _kind, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise BadUpload("a part of the form has no name", field="body")
        self.name = name.decode("utf-8", "replace")[:200]
        raw = options.get(b"filename")
        self.filename = None if raw is None else raw.decode("utf-8", "replace")
        if self.filename is None:
            return
        if self.csrf is not None:  # the form's token must come before its first file
            raise CsrfRefused(
                "csrf", f"missing CSRF token (send it as X-CSRF-Token or a {CSRF_FIELD} field "
                "before the files)",
            )  # fmt: skip
        if len(self.received.files) >= MAX_FILES:
            raise BadUpload(f"too many files (at most {MAX_FILES})", field=self.name)
        folder = self.received.folder / f"{len(self.received.files):03d}"
        folder.mkdir(parents=True)
        self.path = folder / safe_name(self.filename)
        self.sink = self.path.open("xb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.sink is None:
            self.value += chunk
            if len(self.value) > MAX_FIELD_CHARS * 4:
                raise BadUpload(f"{self.name}: too long", field=self.name)
            return
        self.size += len(chunk)
        if self.size > self.max_file:
            raise UploadTooLarge(
                f"{self.name}: the file {safe_name(self.filename)!r} is over the limit of "
                f"{self.max_file:,} bytes (setting {self.setting})", field=self.name,
            )  # fmt: skip
        self.sink.write(chunk)

    def part_end(self) -> None:
        if self.sink is None:
            text = self.value.decode("utf-8", "replace")
            if self.name == CSRF_FIELD and self.csrf is not None:
                if not same_secret(text, self.csrf):
                    raise CsrfRefused("csrf", "wrong CSRF token")
                self.csrf = None
                return
            if len(self.received.fields) >= MAX_FIELDS:
                raise BadUpload(f"too many fields (at most {MAX_FIELDS})", field="body")
            _storable(self.name, text)
            self.received.fields.setdefault(self.name, []).append(text)
            return
        self.sink.close()
        assert self.path is not None
        name = safe_name(self.filename)
        self.received.files.append(Upload(self.name, name, self.path, self.size))
        self.sink = None

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.close()


async def receive(
    request: Request,
    *,
    data_dir: Path,
    max_file_bytes: int,
    max_total_bytes: int,
    setting: str,
) -> Received:
    """Read a ``multipart/form-data`` body as it arrives into a new folder under
    ``data_dir/uploads`` (see the module documentation); the caller closes what it returns.

    ``setting`` names the setting behind the limits, for the error that refuses an upload."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    csrf = getattr(request.state, "csrf_pending", None)
    if kind == b"application/x-www-form-urlencoded":  # a form without files
        return await _urlencoded(request, data_dir, csrf)
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload("send the upload as multipart/form-data", field="body")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_total_bytes:
        raise UploadTooLarge(
            f"the upload is {int(declared):,} bytes, over the limit of {max_total_bytes:,} "
            f"(setting {setting})", field="body",
        )  # fmt: skip
    root = data_dir / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    received = Received(root / secrets.token_hex(16))
    received.folder.mkdir()
    parser = _Parser(received, max_file=max_file_bytes, setting=setting, csrf=csrf)
    multipart = MultipartParser(boundary, parser.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.total += len(chunk)
            if parser.total > max_total_bytes:
                raise UploadTooLarge(
                    f"the upload is over the limit of {max_total_bytes:,} bytes (setting "
                    f"{setting})", field="body",
                )  # fmt: skip
            multipart.write(chunk)
        multipart.finalize()
        if parser.csrf is not None:  # a form without files must still carry its token
            raise CsrfRefused("csrf", f"missing CSRF token (X-CSRF-Token or {CSRF_FIELD})")
    except BaseException as exc:
        parser.abort()
        received.close()
        if isinstance(exc, ValueError) and not isinstance(exc, InvalidInput):
            raise BadUpload(f"the multipart body cannot be read ({exc})", field="body") from exc
        raise
    return received


def _storable(name: str, value: str) -> None:
    if UNSTORABLE.search(value) or UNSTORABLE.search(name):
        raise BadUpload(f"{name}: a NUL or unpaired surrogate character", field=name)


async def _urlencoded(request: Request, data_dir: Path, csrf: str | None) -> Received:
    """A form without files (``application/x-www-form-urlencoded``): its fields, bounded."""
    from urllib.parse import parse_qsl

    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FIELD_CHARS * 4:
            raise UploadTooLarge(f"the form is over {MAX_FIELD_CHARS * 4:,} bytes", field="body")
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS)  # fmt: skip
    except ValueError as exc:
        raise BadUpload(f"too many fields (at most {MAX_FIELDS})", field="body") from exc
    received = Received(data_dir / "uploads" / secrets.token_hex(16))  # (no folder: no files)
    for name, value in pairs:
        if name == CSRF_FIELD and csrf is not None:
            if not same_secret(value, csrf):
                raise CsrfRefused("csrf", "wrong CSRF token")
            csrf = None
            continue
        _storable(name[:200], value)
        received.fields.setdefault(name[:200], []).append(value)
    if csrf is not None:
        raise CsrfRefused("csrf", f"missing CSRF token (X-CSRF-Token or {CSRF_FIELD})")
    return received

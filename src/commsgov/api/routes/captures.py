"""Capture a communication (with attached files) and ingest chat exports: multipart uploads,
streamed to disk in the data folder within the ingest limits (:mod:`commsgov.api.uploads`),
then the same service calls as ``commsgov capture`` and ``commsgov ingest``.

Staff and records managers capture and ingest; what they capture is theirs to read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from commsgov.config import Settings
from commsgov.ingest.errors import ParseError
from commsgov.jsonable import jsonable
from commsgov.records.errors import InvalidFieldError
from commsgov.records.models import Participant, RecordDraft
from commsgov.records.timestamps import parse_when, resolve_zone
from commsgov.services import captures, ingest
from commsgov.services.captures import CaptureResult
from commsgov.services.ingest import DryRun, IngestSummary

from ..deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from ..problems import UPLOAD_RESPONSES
from ..uploads import Received, Upload, receive

router = APIRouter(tags=["captures"])

T = TypeVar("T")

_TEXT = {"type": "string", "maxLength": 200}


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The OpenAPI request body of a multipart form (the route reads the stream itself)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


CAPTURE_FORM = _form(
    {
        "method": {**_TEXT, "description": "Channel id or app name (e.g. whatsapp, sms)."},
        "at": {"type": "string", "maxLength": 40,
               "description": "When it happened (ISO 8601; without an offset, read in zone)."},
        "zone": {**_TEXT, "description": "Time zone of at when it has no offset."},
        "with": {"type": "array", "items": {"type": "string", "maxLength": 500},
                 "description": "Participants: 'Name', 'Name <number>', '@Organisation', "
                                "'!external' (repeat the field for each)."},
        "subject": {"type": "string", "maxLength": 10_000},
        "summary": {"type": "string", "maxLength": 100_000},
        "content": {"type": "string", "maxLength": 1_000_000},
        "scenario": {**_TEXT, "description": "Scenario id from the pack."},
        "device": {"type": "string", "enum": ["corporate", "personal"]},
        "attach": {"type": "array", "items": {"type": "string", "format": "binary"},
                   "description": "Files to attach (repeat the field for each)."},
    },
    ["method", "at"],
)  # fmt: skip

INGEST_FORM = _form(
    {
        "file": {"type": "string", "format": "binary",
                 "description": "An exported chat: WhatsApp .txt/.zip, Telegram result.json, "
                                "signal-export chat.md/data.json, SMS Backup & Restore .xml."},
        "tz": {**_TEXT, "description": "Time zone of times written without an offset."},
        "date_order": {"type": "string", "enum": ["dmy", "mdy", "ymd"]},
        "format": {"type": "string", "enum": sorted(ingest.METHODS)},
        "scenario": {**_TEXT, "description": "Scenario id from the pack."},
        "outage": {**_TEXT, "description": "Outage id the messages were sent under."},
        "device": {"type": "string", "enum": ["corporate", "personal"]},
        "conversation": {"type": "string", "maxLength": 1000,
                         "description": "Conversation key to file every message under."},
        "dry_run": {"type": "boolean", "description": "Parse and show; write nothing."},
    },
    ["file"],
)  # fmt: skip


async def read_upload(request: Request, settings: Settings, *, max_file: int) -> Received:
    """The multipart form of a capture or an ingest, streamed to disk within the ingest
    limits (the web pages' upload forms are read by this too)."""
    return await receive(
        request, data_dir=settings.data_dir, max_file_bytes=max_file,
        max_total_bytes=settings.ingest_max_import_bytes + (1 << 20),
        setting="ingest_max_import_bytes / ingest_max_member_bytes",
    )  # fmt: skip


async def with_upload(received: Received, work: Callable[[], T]) -> T:
    """Run ``work`` (the service call) in a worker thread; the upload is removed after."""
    try:
        return await run_in_threadpool(work)
    finally:
        received.close()


def _files(received: Received, field: str) -> list[Upload]:
    """The files sent as ``field``; a file under any other name is refused."""
    for upload in received.files:
        if upload.field != field:
            raise InvalidFieldError(upload.field, f"unexpected file (send files as {field})")
    return list(received.files)


def capture_draft(received: Received, *, zone: str) -> tuple[RecordDraft, list[Path]]:
    """The draft a capture form describes, and its attached files, read as ``commsgov capture``
    reads its options (times without an offset in the form's ``zone``, else ``zone``): an
    :class:`InvalidFieldError` names the first field at fault. The web page's form is read by
    this too."""
    method = received.text("method")
    at = received.text("at")
    if method is None:
        raise InvalidFieldError("method", "a method (channel id) is required")
    if at is None:
        raise InvalidFieldError("at", "when it happened is required")
    zone = received.text("zone") or zone
    resolve_zone(zone, field="zone")
    device: Any = received.text("device")  # (checked by the draft)
    draft = RecordDraft(
        method=method,
        occurred_at=parse_when(at, default_zone=zone, field="at"),
        device=device,
        participants=tuple(Participant.parse(p) for p in received.texts("with")),
        subject=received.text("subject"),
        summary=received.text("summary"),
        content=received.text("content"),
        scenario=received.text("scenario"),
    )
    return draft, [u.path for u in _files(received, "attach")]


@router.post(
    "/captures", name="captures.create", response_model=CaptureResult, status_code=201,
    openapi_extra=CAPTURE_FORM, responses=UPLOAD_RESPONSES,
)  # fmt: skip
async def capture(
    request: Request, store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("captures.create", upload=True)],
) -> CaptureResult:  # fmt: skip
    """Capture a communication into the corporate record, with its attached files
    (``commsgov capture``): a multipart form."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_member_bytes)

    def work() -> CaptureResult:
        draft, attach = capture_draft(received, zone=settings.timezone)
        return captures.capture(store, draft, actor=caller.actor, attach=attach, pack=pack,
                                now=clock())  # fmt: skip

    return await with_upload(received, work)


def ingest_options(received: Received, *, zone: str) -> tuple[dt.tzinfo, Any, str | None]:
    """How an ingest form says to read its exports, as ``commsgov ingest`` reads its options:
    the time zone of times without an offset (``tz``, else ``zone``), the date order, the
    format (``None``: detected); an :class:`InvalidFieldError` names a field at fault. The web
    page's upload form is read by this too."""
    from commsgov.ingest._time import zone as zone_of

    try:
        tz = zone_of(received.text("tz") or zone)
    except ParseError as exc:
        raise InvalidFieldError("tz", exc.reason) from None
    date_order = received.text("date_order")
    if date_order not in (None, "dmy", "mdy", "ymd"):
        raise InvalidFieldError("date_order", "must be dmy, mdy or ymd")
    fmt = received.text("format")
    if fmt is not None and fmt not in ingest.METHODS:
        raise InvalidFieldError("format", f"must be one of {', '.join(sorted(ingest.METHODS))}")
    return tz, date_order, fmt


@router.post(
    "/ingest", name="ingest.create", response_model=IngestSummary | DryRun,
    openapi_extra=INGEST_FORM, responses=UPLOAD_RESPONSES,
)  # fmt: skip
async def ingest_export(
    request: Request, store: StoreDep, pack: PackDep, settings: SettingsDep,
    caller: Annotated[Caller, allowed("ingest.create", upload=True)],
) -> dict[str, Any]:  # fmt: skip
    """Ingest an exported chat into the record (``commsgov ingest``): every message, its exact
    text, sender and time, all or nothing. With ``dry_run``, what would be read (nothing is
    written). A zip that expands beyond the ingest limits is refused."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_import_bytes)

    def work() -> dict[str, Any]:
        uploads = _files(received, "file")
        if len(uploads) != 1:
            raise InvalidFieldError("file", "send one exported chat as the file field")
        upload = uploads[0]
        tz, date_order, fmt = ingest_options(received, zone=settings.timezone)
        try:
            if received.flag("dry_run"):
                chat = ingest.read_export(upload.path, tz=tz, date_order=date_order, format=fmt,
                                          load_media=False)  # fmt: skip
                return {**chat.to_dict(), "file": upload.filename}
            result = ingest.ingest_file(
                store, upload.path, tz=tz, date_order=date_order, format=fmt,
                scenario=received.text("scenario"), outage=received.text("outage"),
                actor=caller.actor, device=received.text("device"),
                conversation=received.text("conversation"), pack=pack,
            )  # fmt: skip
        except ParseError as exc:
            raise ingest.as_sent(exc, upload.path, upload.filename) from None
        data: dict[str, Any] = jsonable(result.to_dict())
        return {**data, "file": upload.filename}

    return await with_upload(received, work)

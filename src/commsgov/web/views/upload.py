"""Upload exported chats: choose several files, see what would be stored (nothing is yet), then
confirm. The form is read by the same functions as ``POST /api/v1/ingest``; the preview and the
ingest are :func:`commsgov.services.ingest.preview_files` and ``ingest_files``.

Between preview and confirmation the files wait in ``<data folder>/staged/<random>/`` with a
note of who sent them and how to read them: only that user can confirm them (anyone else is
told they are not found), confirming removes them, and any left for a day are removed when
someone next uploads. Without JavaScript the form posts as any form does, and the answer is the
preview. With it, HTMX posts the form to ``/upload/stage`` (``app.js`` shows the upload's
progress), which keeps the files and reads them in a background thread that notes how far it got
in ``progress.json`` beside them; the page asks ``/upload/{staged}/status`` until the reading is
done and then shows the same preview. The note is a file, so any worker process can answer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from commsgov.api.routes.captures import ingest_options, read_upload, with_upload
from commsgov.api.uploads import Received
from commsgov.errors import NotFound
from commsgov.ingest.errors import ParseError
from commsgov.records.errors import InvalidFieldError
from commsgov.services import ingest

from ..render import page
from .advisor import pickers
from .common import Form, text

router = APIRouter(include_in_schema=False)

#: messages of each file shown in the preview
PREVIEW = 20
#: how long previewed files wait for confirmation
KEEP = dt.timedelta(days=1)
#: the form's options, kept with the files between preview and confirmation
OPTIONS = ("tz", "date_order", "format", "scenario", "outage", "device")
ANCHORS = {**{o: o for o in OPTIONS}, "file": "file", "device": "device-usual"}
#: how far the background reading of staged files got (beside them)
PROGRESS = "progress.json"
#: a reading still under way this long after the upload has stopped (the server restarted)
STALLED = dt.timedelta(minutes=30)

Staged = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

log = logging.getLogger(__name__)


class StagedNotFound(NotFound):
    """Previewed files to confirm are not there (confirmed already, expired, or another's)."""


def _upload_page(
    request: Request, caller: Caller, pack: PackDep, zone: str, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    preview: list[dict[str, Any]] | None = None, token: str | None = None,
    reading: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": "Upload exported chats", **pickers(pack), "zone": zone, "form": form or {},
        "errors": errors or {}, "anchors": ANCHORS, "preview": preview, "token": token,
        "formats": sorted(ingest.METHODS), "shown": PREVIEW, "reading": reading,
    }  # fmt: skip
    return page(request, caller, "upload.html", values, block="work", status=status)


@router.get("/upload", name="web.upload")
def upload_form(
    request: Request, caller: Annotated[Caller, allowed("web.upload")], pack: PackDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The form to upload one or more exported chats."""
    return _upload_page(request, caller, pack, settings.timezone)


def _staged_root(data_dir: Path) -> Path:
    return data_dir / "staged"


def _sweep(root: Path, now: dt.datetime) -> None:
    """Remove staged files older than :data:`KEEP` (never confirmed)."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            made = dt.datetime.fromisoformat(json.loads((folder / "staged.json").read_text())["at"])
        except (OSError, ValueError, KeyError):
            made = None
        if made is None or now - made > KEEP:
            shutil.rmtree(folder, ignore_errors=True)


def _stage(received: Received, *, root: Path, owner: str, now: dt.datetime) -> str:
    """Keep the uploaded files (and the form's options) until they are confirmed."""
    _sweep(root, now)
    token = secrets.token_urlsafe(16)
    folder = root / token
    folder.mkdir(parents=True)
    names = []
    for n, upload in enumerate(received.files):
        place = folder / f"{n:03d}"
        place.mkdir()
        shutil.move(upload.path, place / upload.filename)
        names.append(upload.filename)
    note = {"owner": owner, "at": now.isoformat(), "files": names,
            "options": {o: received.text(o) for o in OPTIONS}}  # fmt: skip
    (folder / "staged.json").write_text(json.dumps(note), encoding="utf-8")
    return token


def _staged(root: Path, token: str, owner: str) -> tuple[Path, dict[str, Any]]:
    """The staged folder of ``token`` and its note, if ``owner`` sent it."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise StagedNotFound("no files are waiting under that reference")
    folder = root / token
    try:
        note = json.loads((folder / "staged.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise StagedNotFound("no files are waiting: upload them again") from None
    if note.get("owner") != owner:
        raise StagedNotFound("no files are waiting: upload them again")
    return folder, note


def _files(folder: Path, names: list[str]) -> list[tuple[str, Path]]:
    return [(name, folder / f"{n:03d}" / name) for n, name in enumerate(names)]


def _preview(name: str, chat: Any) -> dict[str, Any]:
    data = chat.to_dict()
    senders = sorted({m["sender"] for m in data["messages"] if m.get("sender")})
    return {"file": name, "format": data["format"], "title": data.get("title"),
            "count": data["count"], "senders": senders,
            "messages": data["messages"][:PREVIEW]}  # fmt: skip


@router.post("/upload", name="web.upload-preview")
async def upload_preview(
    request: Request, caller: Annotated[Caller, allowed("web.upload-preview", upload=True)],
    pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Read every file sent and show what would be stored; nothing is written to the record.
    The files wait for confirmation."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_import_bytes)
    given = {o: received.text(o) or "" for o in OPTIONS}

    def work() -> tuple[list[dict[str, Any]], str]:
        for upload in received.files:
            if upload.field != "file":
                raise InvalidFieldError(upload.field, "unexpected file (send files as file)")
        if not received.files:
            raise InvalidFieldError("file", "Choose at least one exported chat")
        tz, date_order, fmt = ingest_options(received, zone=settings.timezone)
        files = [(u.filename, u.path) for u in received.files]
        chats = ingest.preview_files(files, tz=tz, date_order=date_order, format=fmt)
        token = _stage(received, root=_staged_root(settings.data_dir), owner=caller.user.username,
                       now=clock())  # fmt: skip
        return [_preview(name, chat) for (name, _p), chat in zip(files, chats, strict=True)], token

    try:
        preview, token = await with_upload(received, work)
    except InvalidFieldError as exc:
        return _upload_page(request, caller, pack, settings.timezone, form=given,
                            errors={exc.field: exc.message}, status=400)  # fmt: skip
    except ParseError as exc:
        return _upload_page(request, caller, pack, settings.timezone, form=given,
                            errors={"file": str(exc)}, status=400)  # fmt: skip
    return _upload_page(request, caller, pack, settings.timezone, form=given, preview=preview,
                        token=token)  # fmt: skip


@router.post("/upload/confirm", name="web.upload-confirm")
async def upload_confirm(
    request: Request, caller: Annotated[Caller, allowed("web.upload-confirm")], form: Form,
    store: StoreDep, pack: PackDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    """Store the previewed files in the record, each file all or nothing."""
    root = _staged_root(settings.data_dir)
    folder, note = _staged(root, text(form, "staged", 64), caller.user.username)
    options: dict[str, str | None] = note["options"]
    staged = Received(folder, fields={k: [v] for k, v in options.items() if v})

    def work() -> list[ingest.IngestResult]:
        tz, date_order, fmt = ingest_options(staged, zone=settings.timezone)
        return ingest.ingest_files(
            store, _files(folder, note["files"]), tz=tz, date_order=date_order, format=fmt,
            scenario=options.get("scenario"), outage=options.get("outage"),
            device=options.get("device"), actor=caller.actor, pack=pack,
        )  # fmt: skip

    try:
        results = await run_in_threadpool(work)
    except (InvalidFieldError, ParseError, NotFound) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        errors = {getattr(exc, "field", None) or "file": str(exc)}
        return _upload_page(request, caller, pack, settings.timezone,
                            form={k: v or "" for k, v in options.items()}, errors=errors,
                            status=400)  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    values = {"title": "Chats stored", "results": results}
    return page(request, caller, "uploaded.html", values)


# -- reading in the background, with its progress ------------------------------------------
def _note(folder: Path, state: dict[str, Any]) -> None:
    """Replace the progress note whole, so that a reader never sees half of one."""
    part = folder / f"{PROGRESS}.part"
    part.write_text(json.dumps(state), encoding="utf-8")
    os.replace(part, folder / PROGRESS)


class _Reading:
    """Follows the reading of staged files and notes it: as each file is read, and at each
    whole per cent of all their bytes (so a large export moves the bar without a write per
    line)."""

    def __init__(self, folder: Path, names: list[str], sizes: list[int]) -> None:
        self.folder, self.names, self.sizes = folder, names, sizes
        self.total = max(1, sum(sizes))
        self.read = [0] * len(names)
        self.current = 0
        self.messages = 0
        self.shown = -1
        self.note("reading")

    def note(self, state: str, **more: Any) -> None:
        _note(self.folder, {
            "state": state, "file": self.current + 1, "files": len(self.names),
            "name": self.names[self.current], "read": min(sum(self.read), self.total),
            "total": self.total, "messages": self.messages, **more,
        })  # fmt: skip

    def on_read(self, index: int, n: int) -> None:
        self.current = index
        self.read[index] += n
        percent = min(sum(self.read), self.total) * 100 // self.total
        if percent != self.shown:
            self.shown = percent
            self.note("reading")

    def on_file(self, index: int, chat: Any) -> None:
        self.read[index] = self.sizes[index]  # (a parser need not read to the very end)
        self.messages += len(chat.messages)
        self.current = min(index + 1, len(self.names) - 1)
        self.note("reading")


def _read_staged(folder: Path, names: list[str], options: tuple[Any, Any, Any]) -> None:
    """Read the staged files (in a background thread), noting how far it got, then the preview
    or what was wrong."""
    tz, date_order, fmt = options
    files = _files(folder, names)
    reading = _Reading(folder, names, [path.stat().st_size for _name, path in files])
    try:
        chats = ingest.preview_files(files, tz=tz, date_order=date_order, format=fmt,
                                     on_read=reading.on_read, on_file=reading.on_file)  # fmt: skip
        preview = [_preview(name, chat) for (name, _p), chat in zip(files, chats, strict=True)]
        reading.note("done", preview=preview)
    except InvalidFieldError as exc:
        reading.note("failed", field=exc.field, message=exc.message)
    except ParseError as exc:
        reading.note("failed", field="file", message=str(exc))
    except Exception:  # (never a traceback on the page: the server's log has it)
        log.exception("reading staged files in %s failed", folder)
        reading.note("failed", field="file", message="The files could not be read")


def _start_reading(folder: Path, names: list[str], options: tuple[Any, Any, Any]) -> None:
    """Read the staged files in a thread of their own: the answer does not wait for them."""
    reader = threading.Thread(target=_read_staged, args=(folder, names, options),
                              name=f"upload-{folder.name[:8]}", daemon=True)  # fmt: skip
    reader.start()


def _reading_view(state: dict[str, Any]) -> dict[str, Any]:
    """What the page says of a reading under way."""
    total = max(1, int(state.get("total", 1)))
    return {"file": int(state.get("file", 1)), "files": int(state.get("files", 1)),
            "name": str(state.get("name", "")), "messages": int(state.get("messages", 0)),
            "percent": min(100, int(state.get("read", 0)) * 100 // total)}  # fmt: skip


@router.post("/upload/stage", name="web.upload-stage")
async def upload_stage(
    request: Request, caller: Annotated[Caller, allowed("web.upload-stage", upload=True)],
    pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Keep the files sent and read them in the background, answering at once with how far
    the reading got (HTMX asks again until the preview is ready); nothing is written to the
    record. The form without JavaScript posts to ``/upload`` instead, and waits."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_import_bytes)
    given = {o: received.text(o) or "" for o in OPTIONS}
    root = _staged_root(settings.data_dir)

    def work() -> str:
        for upload in received.files:
            if upload.field != "file":
                raise InvalidFieldError(upload.field, "unexpected file (send files as file)")
        if not received.files:
            raise InvalidFieldError("file", "Choose at least one exported chat")
        options = ingest_options(received, zone=settings.timezone)
        names = [u.filename for u in received.files]
        token = _stage(received, root=root, owner=caller.user.username, now=clock())
        _start_reading(root / token, names, options)
        return token

    try:
        token = await with_upload(received, work)
    except InvalidFieldError as exc:
        return _upload_page(request, caller, pack, settings.timezone, form=given,
                            errors={exc.field: exc.message}, status=400)  # fmt: skip
    return _status(request, caller, pack, settings.timezone, root, token, clock())


def _status(
    request: Request, caller: Caller, pack: PackDep, zone: str, root: Path, token: str,
    now: dt.datetime,
) -> Response:  # fmt: skip
    folder, note = _staged(root, token, caller.user.username)
    given = {o: note["options"].get(o) or "" for o in OPTIONS}
    try:
        state = json.loads((folder / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # (not begun yet)
        state = {"state": "reading", "files": len(note["files"]), "name": note["files"][0]}
    if state["state"] == "reading" and now - dt.datetime.fromisoformat(note["at"]) > STALLED:
        state = {"state": "failed", "field": "file",
                 "message": "The reading of these files stopped: upload them again"}  # fmt: skip
    if state["state"] == "done":
        return _upload_page(request, caller, pack, zone, form=given, preview=state["preview"],
                            token=token)  # fmt: skip
    if state["state"] == "failed":
        shutil.rmtree(folder, ignore_errors=True)  # (as the single post keeps nothing)
        return _upload_page(request, caller, pack, zone, form=given,
                            errors={state["field"]: state["message"]}, status=400)  # fmt: skip
    return _upload_page(request, caller, pack, zone, form=given, token=token,
                        reading=_reading_view(state))  # fmt: skip


@router.get("/upload/{staged}/status", name="web.upload-status")
def upload_status(
    request: Request, caller: Annotated[Caller, allowed("web.upload-status")], pack: PackDep,
    settings: SettingsDep, clock: ClockDep, staged: Staged,
) -> Response:  # fmt: skip
    """How far the reading of the files sent got; the preview once they are read, or what was
    wrong with them (only for the one who sent them: anyone else is told they are not
    found)."""
    return _status(request, caller, pack, settings.timezone, _staged_root(settings.data_dir),
                   staged, clock())  # fmt: skip

"""Upload exported chats: choose several files, see what would be stored (nothing is yet), then
confirm. The form is read by the same functions as ``POST /api/v1/ingest``; the preview and the
ingest are :func:`commsgov.services.ingest.preview_files` and ``ingest_files``.

Between preview and confirmation the files wait in ``<data folder>/staged/<random>/`` with a
note of who sent them and how to read them: only that user can confirm them (anyone else is
told they are not found), confirming removes them, and any left for a day are removed when
someone next uploads. Without JavaScript the form posts as any form does; with it, HTMX posts it
and ``app.js`` shows the upload's progress.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
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


class StagedNotFound(NotFound):
    """Previewed files to confirm are not there (confirmed already, expired, or another's)."""


def _upload_page(
    request: Request, caller: Caller, pack: PackDep, zone: str, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    preview: list[dict[str, Any]] | None = None, token: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": "Upload exported chats", **pickers(pack), "zone": zone, "form": form or {},
        "errors": errors or {}, "anchors": ANCHORS, "preview": preview, "token": token,
        "formats": sorted(ingest.METHODS), "shown": PREVIEW,
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

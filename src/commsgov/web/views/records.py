"""The record: capture a communication (the form ``commsgov capture`` and ``POST
/api/v1/captures`` read, by the same function), its receipt to keep, finding records with
filters, and a record's own page with its messages, files, sources and ledger history.

Each handler makes one service call, so reads pass the read gate as the API's do: a staff
member finds and opens only the records they captured or took part in (any other is "not
found"), and every read is in the audit trail.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from commsgov.api.params import moment
from commsgov.api.routes.captures import capture_draft, read_upload, with_upload
from commsgov.records.errors import InvalidFieldError
from commsgov.services import captures, export, files, reads, receipts
from commsgov.services.query import RecordQuery

from ..errors import redirect
from ..render import page
from .advisor import pickers
from .common import Form, field_error, text

router = APIRouter(include_in_schema=False)

Ref = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Query(max_length=400)]

#: records on a page of results, and messages shown on a record's page
PAGE = 25
MESSAGES = 2000

#: the capture form's fields, and the element each error summary entry links to
CAPTURE_FIELDS = ("method", "at", "zone", "with", "subject", "summary", "content", "scenario",
                  "device")  # fmt: skip
CAPTURE_ANCHORS = {**{f: f for f in CAPTURE_FIELDS}, "device": "device-corporate",
                   "attach": "attach"}  # fmt: skip


# -- capture --------------------------------------------------------------------------------
def _capture_page(
    request: Request, caller: Caller, pack: PackDep, zone: str, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": "Capture a communication", **pickers(pack), "zone": zone,
        "form": form or {}, "errors": errors or {}, "anchors": CAPTURE_ANCHORS,
    }  # fmt: skip
    return page(request, caller, "capture.html", values, block="form", status=status)


@router.get("/capture", name="web.capture")
def capture_form(
    request: Request, caller: Annotated[Caller, allowed("web.capture")], pack: PackDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The form to record a communication that happened outside a corporate channel."""
    return _capture_page(request, caller, pack, settings.timezone)


@router.post("/capture", name="web.capture-submit")
async def capture_submit(
    request: Request, caller: Annotated[Caller, allowed("web.capture-submit", upload=True)],
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Capture it, then show its receipt; a field at fault is named beside it and in the error
    summary, with everything typed kept (files must be chosen again)."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_member_bytes)
    # the participants box takes one a line; the form reader takes one a field, as the API does
    lines = [line for value in received.fields.get("with", []) for line in value.splitlines()]
    received.fields["with"] = lines
    given = {name: "\n".join(received.fields.get(name, []))[:100_000] for name in CAPTURE_FIELDS}

    def work() -> captures.CaptureResult:
        draft, attach = capture_draft(received, zone=settings.timezone)
        return captures.capture(store, draft, actor=caller.actor, attach=attach, pack=pack,
                                now=clock())  # fmt: skip

    try:
        done = await with_upload(received, work)
    except InvalidFieldError as exc:
        return _capture_page(request, caller, pack, settings.timezone, form=given,
                             errors=field_error(exc), status=400)  # fmt: skip
    where = request.app.url_path_for("web.receipt", ref=done.uid)
    return redirect(request, f"{where}?captured=1")


# -- receipts -------------------------------------------------------------------------------
@router.get("/records/{ref}/receipt", name="web.receipt")
def receipt_page(
    request: Request, caller: Annotated[Caller, allowed("web.receipt")], store: StoreDep,
    clock: ClockDep, ref: Ref, captured: bool = False,
) -> Response:  # fmt: skip
    """A receipt for a record against the ledger's head now: shown, and to download."""
    made = receipts.receipt(store, ref, actor=caller.actor, now=clock())
    values = {
        "title": "Receipt", "receipt": made, "captured": captured,
        "text": json.dumps(dataclasses.asdict(made), indent=2),
    }  # fmt: skip
    return page(request, caller, "receipt.html", values)


@router.get("/records/{ref}/receipt.json", name="web.receipt-download")
def receipt_download(
    caller: Annotated[Caller, allowed("web.receipt-download")], store: StoreDep,
    clock: ClockDep, ref: Ref,
) -> Response:  # fmt: skip
    """The receipt as a JSON file (``commsgov receipt --check`` and the API check it)."""
    made = receipts.receipt(store, ref, actor=caller.actor, now=clock())
    headers = {"Content-Disposition": f'attachment; filename="receipt-{made.record_uid}.json"'}
    text = json.dumps(dataclasses.asdict(made), indent=2) + "\n"
    return Response(text, media_type="application/json", headers=headers)


# -- finding records ------------------------------------------------------------------------
FILTERS = ("q", "since", "until", "method", "participant", "outage")


def _query(given: dict[str, str], exceptions: bool, zone: str) -> RecordQuery:
    """The filters as typed, read as the command line and the API read them."""
    return RecordQuery(
        terms=given["q"] or None, since=moment(given["since"], field="since", zone=zone),
        until=moment(given["until"], field="until", zone=zone), method=given["method"] or None,
        participant=given["participant"] or None, outage=given["outage"] or None, zone=zone,
        exceptions=exceptions,
    )  # fmt: skip


@router.get("/records", name="web.records")
def records_page(
    request: Request, caller: Annotated[Caller, allowed("web.records")], store: StoreDep,
    pack: PackDep, settings: SettingsDep, q: Text = "", since: Text = "", until: Text = "",
    method: Text = "", participant: Text = "", outage: Text = "", exceptions: bool = False,
    number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:  # fmt: skip
    """Records matching the words and filters, most recent first, a page at a time."""
    given = {"q": q.strip(), "since": since.strip(), "until": until.strip(),
             "method": method.strip(), "participant": participant.strip(),
             "outage": outage.strip()}  # fmt: skip
    errors: dict[str, str] = {}
    found: list[Any] = []
    offset = (number - 1) * PAGE
    zone = settings.timezone
    try:
        query = _query(given, exceptions, zone)
        if query.terms:  # (a search ranks by words: it has no offset, so take what leads up)
            found = reads.search_records(store, actor=caller.actor, query=query,
                                         limit=offset + PAGE + 1, pack=pack)[offset:]  # fmt: skip
        else:
            found = reads.list_records(store, actor=caller.actor, query=query, limit=PAGE + 1,
                                       offset=offset, pack=pack)  # fmt: skip
    except InvalidFieldError as exc:
        errors = field_error(exc)
    kept = {k: v for k, v in given.items() if v}
    if exceptions:
        kept["exceptions"] = "true"

    def at(n: int) -> str:
        return "?" + urlencode({**kept, "page": n})

    values = {
        "title": "Records", "given": given, "exceptions": exceptions, "errors": errors,
        "records": found[:PAGE], "page_no": number, "first": offset + 1,
        "previous": at(number - 1) if number > 1 else None,
        "next": at(number + 1) if len(found) > PAGE else None, **pickers(pack),
    }  # fmt: skip
    return page(request, caller, "records.html", values, block="results",
                status=400 if errors else 200)  # fmt: skip


@router.post("/records/export", name="web.records-export")
def records_export(
    caller: Annotated[Caller, allowed("web.records-export")], form: Form, store: StoreDep,
    pack: PackDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    """Every record the filters find, with its messages and hashes, as a CSV or JSON download
    (for an FOI request or an inquiry); the export is logged on the ledger with its SHA-256."""
    given = {name: text(form, name, 400).strip() for name in FILTERS}
    fmt = text(form, "format", 10)
    if fmt not in ("csv", "json"):
        raise InvalidFieldError("format", "csv or json")
    query = _query(given, text(form, "exceptions", 10) == "true", settings.timezone)
    done = export.export_records(store, actor=caller.actor, fmt=fmt, query=query, pack=pack)
    media = "text/csv; charset=utf-8" if done.format == "csv" else "application/json"
    headers = {
        "Content-Disposition": f'attachment; filename="records-{done.sha256[:12]}.{done.format}"',
        "X-Commsgov-Sha256": done.sha256,
    }
    return Response(done.text, media_type=media, headers=headers)


@router.get("/records/{ref}", name="web.record")
def record_page(
    request: Request, caller: Annotated[Caller, allowed("web.record")], store: StoreDep,
    pack: PackDep, ref: Ref, done: str = "",
) -> Response:  # fmt: skip
    """One record: what was captured, its messages (flags shown, files linked), the files it
    came from, and every ledger entry about it (corrections among them)."""
    view = reads.get_record(store, ref, actor=caller.actor, message_limit=MESSAGES)
    channel = pack.channels.get(view.method)
    values = {
        "title": f"Record {view.uid[:12]}", "record": view,
        "channel": channel.name if channel is not None else view.method,
        "more_messages": len(view.messages) == MESSAGES, "limit": MESSAGES,
        "notice": "The record has been corrected; its earlier values stay in the ledger."
        if done == "corrected" else None, "correctable": CORRECTABLE,
    }  # fmt: skip
    return page(request, caller, "record.html", values)


#: what the correction form offers to change
CORRECTABLE = ("subject", "summary", "content")


@router.post("/records/{ref}/correct", name="web.record-correct")
def record_correct(
    request: Request, caller: Annotated[Caller, allowed("web.record-correct")], form: Form,
    store: StoreDep, pack: PackDep, clock: ClockDep, ref: Ref,
) -> Response:  # fmt: skip
    """Correct a record's subject, summary or content, saying why: a new ledger entry, the
    earlier values kept. Only the fields changed from what the form showed (``was_*``) are
    corrected."""
    given = {name: text(form, name, 1_000_000) for name in CORRECTABLE}
    was = {name: text(form, f"was_{name}", 1_000_000) for name in CORRECTABLE}
    reason = text(form, "reason")
    changes = {n: given[n] or None for n in CORRECTABLE if given[n] != was[n]}
    try:
        if not changes:
            raise InvalidFieldError("subject", "change at least one field to correct")
        done = captures.correct_record(store, uid=ref, changes=changes, reason=reason,
                                       actor=caller.actor, pack=pack, now=clock())  # fmt: skip
    except InvalidFieldError as exc:
        values = {"title": "Correct a record", "ref": ref, "form": given, "was": was,
                  "reason": reason, "errors": field_error(exc),
                  "correctable": CORRECTABLE}  # fmt: skip
        return page(request, caller, "correct.html", values, status=400)
    where = request.app.url_path_for("web.record", ref=done.uid)
    return redirect(request, f"{where}?done=corrected")


@router.get("/records/{ref}/retention", name="web.record-retention")
def record_retention(
    request: Request, caller: Annotated[Caller, allowed("web.record-retention")],
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep, ref: Ref,
) -> Response:  # fmt: skip
    """A record's holds and retention: its schedule, when it is due and what then, every hold
    on it, and the review decisions so far (``commsgov retention explain``). The record's page
    shows this in place (HTMX), or links to it."""
    from commsgov.services import dispositions

    zone = settings.timezone
    found = dispositions.explain(store, ref, actor=caller.actor, pack=pack, zone=zone, now=clock())
    values = {"title": f"Retention of record {found.uid[:12]}", "x": found,
              "disposed": isinstance(found, dispositions.DisposedExplanation)}  # fmt: skip
    return page(request, caller, "retention.html", values, block="retention")


def _disposition(kind: str, name: str, fallback: str) -> str:
    """A ``Content-Disposition`` naming the file as it was sent (ASCII and UTF-8 forms)."""
    from urllib.parse import quote

    from commsgov.api.uploads import safe_name

    filename = safe_name(name, fallback=fallback)
    plain = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/files/{sha256}/inline", name="web.file-inline")
def file_inline(
    caller: Annotated[Caller, allowed("web.file-inline")], store: StoreDep,
    sha256: Annotated[str, Path(min_length=1, max_length=64)],
    name: Annotated[str, Query(max_length=200)] = "",
) -> Response:  # fmt: skip
    """A stored image, sound or video to show in the record's page: read and checked as a
    download is (the same visibility, the same ``file-read`` audit event), served as the type
    its own bytes show (never its name's), and refused (400) when they show none the page
    plays: download it instead."""
    from commsgov.records.media import sniff_media_type

    data = files.read_file(store, sha256, actor=caller.actor)
    media_type = sniff_media_type(data[:64])
    if media_type is None:
        raise InvalidFieldError("sha256", "this file is not an image, sound or video to show")
    headers = {
        "Content-Disposition": _disposition("inline", name, sha256.strip().lower()),
        # opened on its own, the file is a document that may do nothing
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
    }
    return Response(data, media_type=media_type, headers=headers)


@router.get("/files/{sha256}", name="web.file")
def file_download(
    caller: Annotated[Caller, allowed("web.file")], store: StoreDep,
    sha256: Annotated[str, Path(min_length=1, max_length=64)],
    name: Annotated[str, Query(max_length=200)] = "",
) -> Response:  # fmt: skip
    """A stored file, checked against its SHA-256, always as a download (never shown in the
    page: an export's file is evidence, not content for this site to run)."""
    data = files.read_file(store, sha256, actor=caller.actor)
    headers = {"Content-Disposition": _disposition("attachment", name, sha256.strip().lower())}
    return Response(data, media_type="application/octet-stream", headers=headers)

"""The record: list, search, the exceptions report, show, correct, export, receipts, stored
files and verify, each the same service call as the command line's ``records``, ``receipt``,
``verify`` and ``report exceptions``.

A staff member sees only the records they captured or took part in: the services filter inside
the query (a record they may not see is not found), and every read is an entry of the audit
trail.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from commsgov.records.errors import InvalidFieldError
from commsgov.records.ledger import Receipt
from commsgov.records.models import Participant
from commsgov.records.views import RecordSummary, RecordView, SearchHit
from commsgov.services import captures, export, files, reads, receipts, verification
from commsgov.services.captures import Correction
from commsgov.services.query import RecordQuery
from commsgov.services.verification import VerifyReport

from ..deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from ..params import Filters, moment

router = APIRouter(tags=["records"])

Ref = Annotated[
    str,
    Path(min_length=1, max_length=64, description="A record id, or a unique prefix of it."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many records.")]

#: an export's headers: its SHA-256, the ledger entry that logged it, how many records
EXPORT_HEADERS = {
    "X-Commsgov-Sha256": {"description": "SHA-256 of the exported text (in the ledger entry).",
                          "schema": {"type": "string"}},
    "X-Commsgov-Ledger-Entry": {"description": "The records-exported ledger entry.",
                                "schema": {"type": "string"}},
    "X-Commsgov-Records": {"description": "How many records are in the export.",
                           "schema": {"type": "string"}},
}  # fmt: skip


@router.get("/records", name="records.list", response_model=list[RecordSummary])
def list_records(
    store: StoreDep, pack: PackDep, caller: Annotated[Caller, allowed("records.list")],
    query: Filters, limit: Limit = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many.")] = 0,
) -> list[RecordSummary]:  # fmt: skip
    """Records matching the filters, most recent first (``commsgov records list``)."""
    return reads.list_records(
        store, actor=caller.actor, query=query, limit=limit, offset=offset, pack=pack
    )


@router.get("/records/search", name="records.search", response_model=list[SearchHit])
def search_records(
    store: StoreDep, pack: PackDep, caller: Annotated[Caller, allowed("records.search")],
    q: Annotated[str, Query(min_length=1, max_length=500,
                            description="Words to find (all of them; word* for a prefix).")],
    query: Filters, limit: Limit = 100,
) -> list[SearchHit]:  # fmt: skip
    """Full-text search over content, participants and messages (``commsgov records
    search``)."""
    worded = dataclasses.replace(query, terms=q)
    return reads.search_records(store, actor=caller.actor, query=worded, limit=limit, pack=pack)


@router.get("/records/exceptions", name="records.exceptions", response_model=list[RecordSummary])
def exceptions(
    store: StoreDep, pack: PackDep, caller: Annotated[Caller, allowed("records.exceptions")],
    query: Filters,
) -> list[RecordSummary]:  # fmt: skip
    """Captures that breached the policy: an MMA or personal device outside any outage
    (``commsgov report exceptions``)."""
    return reads.exceptions(store, actor=caller.actor, query=query, pack=pack)


class ExportIn(BaseModel):
    """Which records to export and how: ``records`` (ids) when given, else those the words and
    filters find (every record you may see when there are none)."""

    format: Literal["csv", "json"] = "json"
    terms: str | None = Field(default=None, max_length=500, description="Search words.")
    since: str | None = Field(default=None, max_length=40)
    until: str | None = Field(default=None, max_length=40)
    method: str | None = Field(default=None, max_length=200)
    participant: str | None = Field(default=None, max_length=200)
    outage: str | None = Field(default=None, max_length=64)
    records: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=10_000
    )
    limit: int = Field(default=10_000, ge=1, le=100_000)
    messages: bool = Field(default=True, description="With each record's messages.")


@router.post(
    "/records/export", name="records.export", response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}},
                     "headers": EXPORT_HEADERS,
                     "description": "The export, logged on the ledger (records-exported)."}},
)  # fmt: skip
def export_records(
    body: ExportIn, store: StoreDep, pack: PackDep, settings: SettingsDep,
    caller: Annotated[Caller, allowed("records.export")],
) -> Response:  # fmt: skip
    """Export records with their messages and hashes, e.g. for an FOI request (``commsgov
    records export``): the text is the download; the ledger logs its SHA-256."""
    zone = settings.timezone
    query = RecordQuery(
        terms=body.terms, since=moment(body.since, field="since", zone=zone),
        until=moment(body.until, field="until", zone=zone), method=body.method,
        participant=body.participant, outage=body.outage, zone=zone,
    )  # fmt: skip
    done = export.export_records(
        store, actor=caller.actor, fmt=body.format, query=query, records=body.records,
        limit=body.limit, messages=body.messages, pack=pack,
    )  # fmt: skip
    media = "text/csv; charset=utf-8" if done.format == "csv" else "application/json"
    headers = {
        "Content-Disposition": f'attachment; filename="records-{done.sha256[:12]}.{done.format}"',
        "X-Commsgov-Sha256": done.sha256,
        "X-Commsgov-Ledger-Entry": str(done.entry_seq),
        "X-Commsgov-Records": str(len(done.records)),
    }
    return Response(done.text, media_type=media, headers=headers)


@router.get("/records/{ref}", name="records.show", response_model=RecordView)
def show_record(
    ref: Ref, store: StoreDep, caller: Annotated[Caller, allowed("records.show")],
    messages: Annotated[
        int, Query(ge=0, le=1_000_000, description="At most this many messages (0: all).")
    ] = 200,
) -> RecordView:  # fmt: skip
    """One record: its fields, hash, sources, ledger history and messages (``commsgov records
    show``)."""
    return reads.get_record(store, ref, actor=caller.actor, message_limit=messages or None)


class CorrectionIn(BaseModel):
    """What to correct (fields left out stay as they are) and why; the earlier values stay in
    the ledger. ``participants`` replaces them all, each as ``Name <number> @Organisation
    !external``."""

    reason: str = Field(min_length=1, max_length=2000)
    subject: str | None = Field(default=None, max_length=10_000)
    summary: str | None = Field(default=None, max_length=100_000)
    content: str | None = Field(default=None, max_length=1_000_000)
    scenario: str | None = Field(default=None, max_length=200)
    participants: list[Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, max_length=200
    )


@router.patch("/records/{ref}", name="records.correct", response_model=Correction)
def correct_record(
    ref: Ref, body: CorrectionIn, store: StoreDep, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("records.correct")],
) -> Correction:  # fmt: skip
    """Correct a record: a new ledger entry (``commsgov records correct``)."""
    changes: dict[str, Any] = {
        name: value
        for name in ("subject", "summary", "content", "scenario")
        if (value := getattr(body, name)) is not None
    }
    if body.participants is not None:
        changes["participants"] = [
            Participant.parse(p, field_name="participants") for p in body.participants
        ]
    if not changes:
        raise InvalidFieldError("body", "give at least one field to correct")
    return captures.correct_record(
        store, uid=ref, changes=changes, reason=body.reason, actor=caller.actor, pack=pack,
        now=clock(),
    )  # fmt: skip


@router.get("/records/{ref}/receipt", name="receipts.issue", response_model=Receipt)
def issue_receipt(
    ref: Ref, store: StoreDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("receipts.issue")],
) -> Receipt:  # fmt: skip
    """A receipt for a record against the current head of the ledger: keep it, check it later
    (``commsgov receipt``)."""
    return receipts.receipt(store, ref, actor=caller.actor, now=clock())


@router.post("/receipts/check", name="receipts.check", response_model=list[str])
def check_receipt(
    body: Receipt, store: StoreDep, caller: Annotated[Caller, allowed("receipts.check")]
) -> list[str]:
    """Check a saved receipt against the store: the problems found (none: it holds;
    ``commsgov receipt --check``)."""
    return receipts.check_receipt(store, dataclasses.asdict(body), actor=caller.actor)


@router.get(
    "/files/{sha256}", name="files.read", response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}},
                     "description": "The file's bytes, checked against its SHA-256."}},
)  # fmt: skip
def read_file(
    sha256: Annotated[str, Path(min_length=1, max_length=64, description="The file's SHA-256.")],
    store: StoreDep, caller: Annotated[Caller, allowed("files.read")],
) -> Response:  # fmt: skip
    """A stored file (an attachment or an original export), after checking its bytes against
    its SHA-256 (``commsgov records file``)."""
    data = files.read_file(store, sha256, actor=caller.actor)
    digest = sha256.strip().lower()
    headers = {"Content-Disposition": f'attachment; filename="{digest}"'}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.get("/verify", name="records.verify", response_model=VerifyReport)
def verify(
    store: StoreDep, caller: Annotated[Caller, allowed("records.verify")],
    skip_files: Annotated[bool, Query(description="Do not rehash stored files.")] = False,
) -> VerifyReport:  # fmt: skip
    """Recompute the ledger's chain, every stored hash and the audit trail's chain; the first
    broken link (``commsgov verify``)."""
    return verification.verify(store, actor=caller.actor, check_blobs=not skip_files)

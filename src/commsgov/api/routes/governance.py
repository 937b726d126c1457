"""Keeping the record: outages, holds, retention (when, due, review, dispose, explain,
classify) and transfers to the archive, each the same service call as the command line's
``outage``, ``hold``, ``retention`` and ``transfer`` commands.

Records managers change these; auditors read them; anyone signed in may ask when a channel's
messages are deleted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from commsgov.records.errors import InvalidFieldError
from commsgov.services import (
    disposal,
    dispositions,
    holds,
    outages,
    reviews,
    schedules,
    transfers,
)
from commsgov.services.disposal import DisposalReport
from commsgov.services.dispositions import Classified, DisposedExplanation, DueReport, Explanation
from commsgov.services.holds import HoldView, LiftedHold, PlacedHold
from commsgov.services.outages import Outage
from commsgov.services.reviews import Reviewed
from commsgov.services.schedules import WhenAnswer
from commsgov.services.transfers import Accession, TransferPackage

from ..deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from ..params import When, instant, moment

router = APIRouter(tags=["governance"])

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Id = Annotated[str, Field(min_length=1, max_length=200)]
Ids = Annotated[list[Id], Field(default_factory=list, max_length=10_000)]
Consignment = Annotated[
    str,
    Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
         description="The consignment id."),
]  # fmt: skip


# -- outages ----------------------------------------------------------------------------------
class OutageIn(BaseModel):
    """An outage (or a time-bound exemption) to declare, from ``started_at`` (default now)."""

    reason: Text
    kind: Literal["outage", "exemption"] = "outage"
    started_at: str | None = Field(default=None, max_length=40)


class OutageEnd(BaseModel):
    """When the outage ended (default now)."""

    ended_at: str | None = Field(default=None, max_length=40)


@router.get("/outages", name="outages.list", response_model=list[Outage])
def list_outages(
    store: StoreDep, caller: Annotated[Caller, allowed("outages.list")]
) -> list[Outage]:
    """Outages and exemptions, newest first (``commsgov outage list``)."""
    return outages.list_outages(store, actor=caller.actor)


@router.post("/outages", name="outages.start", response_model=Outage, status_code=201)
def start_outage(
    body: OutageIn, store: StoreDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("outages.start")],
) -> Outage:  # fmt: skip
    """Declare an outage: from then on, non-corporate captures are covered, not exceptions
    (``commsgov outage start``)."""
    started = instant(body.started_at, field="started_at", zone=settings.timezone)
    return outages.start_outage(
        store, reason=body.reason, kind=body.kind, started_at=started, actor=caller.actor,
        now=clock(),
    )  # fmt: skip


@router.post("/outages/{uid}/end", name="outages.end", response_model=Outage)
def end_outage(
    uid: Annotated[str, Path(min_length=1, max_length=64)], body: OutageEnd, store: StoreDep,
    settings: SettingsDep, clock: ClockDep, caller: Annotated[Caller, allowed("outages.end")],
) -> Outage:  # fmt: skip
    """Declare an outage over (``commsgov outage end``)."""
    ended = instant(body.ended_at, field="ended_at", zone=settings.timezone)
    return outages.end_outage(store, uid=uid, ended_at=ended, actor=caller.actor, now=clock())


# -- holds ------------------------------------------------------------------------------------
class HoldIn(BaseModel):
    """A hold: its name, on whose authority, and what it covers (records, participants,
    channels, a date range, outages, a saved search, record classes; at least one)."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    mandate: Text
    records: Ids
    participants: Ids
    methods: Ids
    date_from: str | None = Field(default=None, max_length=40)
    date_to: str | None = Field(default=None, max_length=40)
    outages: Ids
    search: str | None = Field(default=None, max_length=500)
    record_classes: Ids


class LiftIn(BaseModel):
    """Why the hold is lifted."""

    reason: Text


@router.get("/holds", name="holds.list", response_model=list[HoldView])
def list_holds(
    store: StoreDep, caller: Annotated[Caller, allowed("holds.list")],
    include_lifted: Annotated[bool, Query(description="Lifted holds too.")] = False,
) -> list[HoldView]:  # fmt: skip
    """Holds, each with how many records it covers now (``commsgov hold list``)."""
    return holds.list_holds(store, actor=caller.actor, include_lifted=include_lifted)


@router.post("/holds", name="holds.place", response_model=PlacedHold, status_code=201)
def place_hold(
    body: HoldIn, store: StoreDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("holds.place")],
) -> PlacedHold:  # fmt: skip
    """Place a hold: nothing in its scope is disposed of until it is lifted (``commsgov hold
    place``)."""
    zone = settings.timezone
    scope = holds.hold_scope(
        records=body.records, participants=body.participants, methods=body.methods,
        date_from=moment(body.date_from, field="date_from", zone=zone),
        date_to=moment(body.date_to, field="date_to", zone=zone), outages=body.outages,
        search=body.search, record_classes=body.record_classes, zone=zone,
    )  # fmt: skip
    return holds.place_hold(
        store, name=body.name, mandate=body.mandate, scope=scope, actor=caller.actor, now=clock()
    )


@router.post("/holds/{ref}/lift", name="holds.lift", response_model=LiftedHold)
def lift_hold(
    ref: Annotated[str, Path(min_length=1, max_length=200, description="Hold id or name.")],
    body: LiftIn, store: StoreDep, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("holds.lift")],
) -> LiftedHold:  # fmt: skip
    """Lift a hold; the due dates of what it covered are recomputed (``commsgov hold
    lift``)."""
    return holds.lift_hold(
        store, ref=ref, reason=body.reason, actor=caller.actor, pack=pack, now=clock()
    )


# -- retention --------------------------------------------------------------------------------
@router.get("/retention/when", name="retention.when", response_model=WhenAnswer)
def when(
    pack: PackDep, settings: SettingsDep, caller: Annotated[Caller, allowed("retention.when")],
    channel: Annotated[str, Query(min_length=1, max_length=200,
                                  description="Channel (id or name) or record class.")],
    created: Annotated[str, Query(min_length=1, max_length=40,
                                  description="When the item was created (ISO 8601).")],
    modified: When = None, closed: When = None, event: When = None, as_of: When = None,
) -> WhenAnswer:  # fmt: skip
    """When an item of a channel is deleted or reviewed, in a sentence for staff and in detail,
    with the passages of the policy (``commsgov retention when``)."""
    zone = settings.timezone
    start = instant(created, field="created", zone=zone)
    if start is None:  # (only blanks: schemathesis sent "\r")
        raise InvalidFieldError("created", "when the item was created is required")
    return schedules.when(
        channel=channel, created=start,
        modified=instant(modified, field="modified", zone=zone),
        closed=instant(closed, field="closed", zone=zone),
        event=instant(event, field="event", zone=zone), pack=pack,
        as_of=moment(as_of, field="as_of", zone=zone),
    )  # fmt: skip


@router.get("/retention/due", name="retention.due", response_model=DueReport)
def due(
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("retention.due")], as_of: When = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="How many due records to list.")] = 50,
) -> DueReport:  # fmt: skip
    """What is due by a date (default now), by action with counts (``commsgov retention
    due``)."""
    return dispositions.due(
        store, actor=caller.actor, as_of=moment(as_of, field="as_of", zone=settings.timezone),
        pack=pack, limit=limit, zone=settings.timezone, now=clock(),
    )  # fmt: skip


class ReviewIn(BaseModel):
    """A reviewer's decision on records (or every record due, ``all_due``): ``destroy`` and
    ``transfer`` approve disposal (``two_stage``: a second reviewer must agree at stage 2),
    ``extend`` needs ``until``, ``defer`` leaves them due."""

    records: Ids
    all_due: bool = False
    as_of: str | None = Field(default=None, max_length=40)
    decision: Literal["destroy", "transfer", "extend", "defer"]
    reason: Text
    until: str | None = Field(default=None, max_length=40)
    stage: int = Field(default=1, ge=1, le=2)
    two_stage: bool = False


@router.post("/retention/review", name="retention.review", response_model=list[Reviewed])
def review(
    body: ReviewIn, store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("retention.review")],
) -> list[Reviewed]:  # fmt: skip
    """Record a review decision, in one transaction (``commsgov retention review``)."""
    zone = settings.timezone
    if not body.records and not body.all_due:
        raise InvalidFieldError("records", "name the records to decide on, or all_due")
    return reviews.review(
        store, uids=body.records, all_due=body.all_due,
        as_of=moment(body.as_of, field="as_of", zone=zone), decision=body.decision,
        reason=body.reason, until=moment(body.until, field="until", zone=zone), stage=body.stage,
        stages_required=2 if body.two_stage else 1, actor=caller.actor, pack=pack, zone=zone,
        now=clock(),
    )  # fmt: skip


class DisposeIn(BaseModel):
    """Dispose as of a date (default now); ``dry_run`` shows what would be destroyed."""

    as_of: str | None = Field(default=None, max_length=40)
    dry_run: bool = False


@router.post("/retention/dispose", name="retention.dispose", response_model=DisposalReport)
def dispose(
    body: DisposeIn, store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("retention.dispose")],
) -> DisposalReport:  # fmt: skip
    """Destroy what may be destroyed (approved, or due to delete without review), checking
    holds now; a certificate and a residual stub remain (``commsgov retention dispose``)."""
    zone = settings.timezone
    return disposal.dispose(
        store, as_of=moment(body.as_of, field="as_of", zone=zone), pack=pack,
        actor=caller.actor, dry_run=body.dry_run, zone=zone, now=clock(),
    )  # fmt: skip


@router.get(
    "/retention/explain/{ref}", name="retention.explain",
    response_model=Explanation | DisposedExplanation,
)  # fmt: skip
def explain(
    ref: Annotated[str, Path(min_length=1, max_length=64, description="A record id.")],
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("retention.explain")], as_of: When = None,
) -> Explanation | DisposedExplanation:  # fmt: skip
    """Each rule that applies to a record, the holds on it and why the outcome won; for a
    record disposed of, its stub and certificate (``commsgov retention explain``)."""
    zone = settings.timezone
    return dispositions.explain(
        store, ref, actor=caller.actor, pack=pack,
        as_of=moment(as_of, field="as_of", zone=zone), zone=zone, now=clock(),
    )  # fmt: skip


class ClassifyIn(BaseModel):
    """Records to give a record class (a schedule of the pack), and why."""

    records: Annotated[list[Id], Field(min_length=1, max_length=10_000)]
    record_class: Id
    reason: Text


@router.post("/retention/classify", name="retention.classify", response_model=list[Classified])
def classify(
    body: ClassifyIn, store: StoreDep, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("retention.classify")],
) -> list[Classified]:  # fmt: skip
    """Give records an explicit record class: its schedule then applies to them (``commsgov
    retention classify``)."""
    return dispositions.classify(
        store, uids=body.records, record_class=body.record_class, reason=body.reason,
        actor=caller.actor, pack=pack, now=clock(),
    )  # fmt: skip


# -- transfers --------------------------------------------------------------------------------
class TransferIn(BaseModel):
    """A transfer package to build of the records approved for transfer (``records``: only
    these), under ``consignment`` (default: generated)."""

    consignment: str | None = Field(
        default=None, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )
    organisation: str | None = Field(default=None, max_length=200)
    records: Ids


class ConfirmIn(BaseModel):
    """The archive's accession reference, if it gave one."""

    accession: str | None = Field(default=None, max_length=200)


@router.post("/transfers", name="transfers.build", response_model=TransferPackage, status_code=201)
def build_transfer(
    body: TransferIn, store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("transfers.build")],
) -> TransferPackage:  # fmt: skip
    """Package the records approved for transfer as a validated BagIt bag and ``.tar.gz``
    (kept in the data folder, and in the stored files for any host to hand over; ``commsgov
    transfer build``)."""
    return transfers.build_transfer(
        store, out_dir=settings.data_dir / "transfers", consignment=body.consignment,
        organisation=body.organisation, uids=body.records, actor=caller.actor, pack=pack,
        now=clock(),
    )  # fmt: skip


@router.get(
    "/transfers/{consignment}/package", name="transfers.download", response_class=Response,
    responses={200: {"content": {"application/gzip": {}},
                     "description": "The package (.tar.gz), checked against its SHA-256."}},
)  # fmt: skip
def download_transfer(
    consignment: Consignment, store: StoreDep,
    caller: Annotated[Caller, allowed("transfers.download")],
) -> Response:  # fmt: skip
    """The transfer package to hand to the archive."""
    data = transfers.transfer_package(store, consignment, actor=caller.actor)
    headers = {"Content-Disposition": f'attachment; filename="{consignment}.tar.gz"'}
    return Response(data, media_type="application/gzip", headers=headers)


@router.post("/transfers/{consignment}/confirm", name="transfers.confirm", response_model=Accession)
def confirm_transfer(
    consignment: Consignment, body: ConfirmIn, store: StoreDep, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("transfers.confirm")],
) -> Accession:  # fmt: skip
    """The archive confirmed accession: the transferred records are disposed of here (stubs
    kept; ``commsgov transfer confirm``)."""
    return transfers.confirm_transfer(
        store, consignment=consignment, accession=body.accession, actor=caller.actor, pack=pack,
        now=clock(),
    )  # fmt: skip

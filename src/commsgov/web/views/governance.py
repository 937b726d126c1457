"""Keeping the record, for records managers (auditors read these pages and change nothing):
outages (declare, end), holds (place with a scope, lift), the disposal review queue (select
records, approve or defer them together with a reason) and the transfers to the archive. The
same service calls as ``commsgov outage``, ``hold``, ``retention review`` and ``transfer`` and
the API's governance routes, so the same ledger entries and audit events.

A change answers by sending the browser back to its page with a notice (303, or HTMX's
redirect), so reloading never repeats it; a field at fault is shown beside it and in the error
summary, with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from commsgov.api.params import instant, moment
from commsgov.errors import Conflict, InvalidInput, NotFound
from commsgov.records.errors import InvalidFieldError
from commsgov.services import dashboard, dispositions, holds, outages, reads, reviews, transfers
from commsgov.services.query import RecordQuery

from ..charts import stacked_bars
from ..errors import redirect
from ..render import page
from .advisor import pickers
from .common import Form, field_error, text, texts

router = APIRouter(prefix="/governance", include_in_schema=False)

Uid = Annotated[str, Path(min_length=1, max_length=64)]
When = Annotated[str, Query(max_length=40)]
Consignment = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]

#: the governance pages, for the links between them: label, route name
SECTIONS = (
    ("Dashboard", "web.dashboard"),
    ("Policy exceptions", "web.exceptions"),
    ("Outages", "web.outages"),
    ("Holds", "web.holds"),
    ("Review", "web.review"),
    ("Transfers", "web.transfers"),
)

#: what each notice after a change says
DONE = {
    "started": "The outage has been declared.",
    "ended": "The outage has been declared over.",
    "placed": "The hold has been placed.",
    "lifted": "The hold has been lifted; the due dates of what it covered were recomputed.",
    "built": "The transfer package has been built: download it for the archive.",
    "confirmed": "The accession has been confirmed: the records were disposed of here.",
}

#: review decisions in words (the bulk form offers these)
DECISIONS = (
    ("destroy", "Approve destruction"),
    ("transfer", "Approve transfer to the archive"),
    ("defer", "Defer: review again later"),
    ("extend", "Keep until a new review date"),
)

#: items of the review queue listed
QUEUE = 200


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _problem(exc: InvalidInput | NotFound | Conflict, default: str) -> dict[str, str]:
    """An error summary entry for ``exc``: its field (``default`` when it names none)."""
    field = getattr(exc, "field", None) or default
    message = getattr(exc, "message", None) or str(exc)
    return {field: message}


def _back(request: Request, name: str, done: str) -> Response:
    return redirect(request, f"{request.app.url_path_for(name)}?done={done}")


def _values(title: str, **more: Any) -> dict[str, Any]:
    return {"title": title, "sections": SECTIONS, **more}


# -- the dashboard --------------------------------------------------------------------------
@router.get("", name="web.dashboard")
def dashboard_page(
    request: Request, caller: Annotated[Caller, allowed("web.dashboard")], store: StoreDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    """Captures per channel per week, policy exceptions per month, and what falls due per
    month by action: each a chart drawn here, with its data as a table."""
    board = dashboard.dashboard(store, actor=caller.actor, now=clock())
    charts = [("captures", board.captures), ("exceptions", board.exceptions),
              ("due", board.due)]  # fmt: skip
    drawn = {name: stacked_bars(chart) for name, chart in charts}
    values = _values("Dashboard", board=board, charts=charts, drawn=drawn)
    return page(request, caller, "dashboard.html", values)


# -- policy exceptions ----------------------------------------------------------------------
#: exceptions on a page of the report
EXCEPTIONS_PAGE = 25


@router.get("/exceptions", name="web.exceptions")
def exceptions_page(
    request: Request, caller: Annotated[Caller, allowed("web.exceptions")], store: StoreDep,
    pack: PackDep, settings: SettingsDep, since: When = "", until: When = "",
    method: Annotated[str, Query(max_length=400)] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:  # fmt: skip
    """Captures flagged as policy exceptions (an app the policy bans, or a non-corporate
    channel or device outside any outage), filtered by dates and channel, a page at a time,
    with how many happened each month; each links to its record."""
    given = {"since": since.strip(), "until": until.strip(), "method": method.strip()}
    zone = settings.timezone
    errors: dict[str, str] = {}
    report = None
    offset = (number - 1) * EXCEPTIONS_PAGE
    try:
        query = RecordQuery(
            since=moment(given["since"], field="since", zone=zone),
            until=moment(given["until"], field="until", zone=zone),
            method=given["method"] or None, zone=zone,
        )  # fmt: skip
        report = reads.exceptions_report(
            store, actor=caller.actor, query=query, limit=EXCEPTIONS_PAGE, offset=offset,
            pack=pack,
        )  # fmt: skip
    except InvalidFieldError as exc:
        errors = field_error(exc)
    kept = {k: v for k, v in given.items() if v}

    def at(n: int) -> str:
        return "?" + urlencode({**kept, "page": n})

    chart = drawn = None
    if report is not None and report.per_month:
        counts = tuple(m.count for m in report.per_month)
        chart = dashboard.Chart("Policy exceptions per month", "month",
                                tuple(m.month for m in report.per_month),
                                (dashboard.Series("exceptions", counts),))  # fmt: skip
        drawn = stacked_bars(chart)
    more = report is not None and offset + len(report.items) < report.total
    values = _values(
        "Policy exceptions", given=given, errors=errors, report=report, chart=chart,
        drawn=drawn, page_no=number, first=offset + 1,
        previous=at(number - 1) if number > 1 else None, next=at(number + 1) if more else None,
        **pickers(pack),
    )  # fmt: skip
    return page(request, caller, "exceptions.html", values, block="results",
                status=400 if errors else 200)  # fmt: skip


# -- outages --------------------------------------------------------------------------------
def _outages_page(
    request: Request, caller: Caller, store: StoreDep, *, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = _values(
        "Outages", outages=outages.list_outages(store, actor=caller.actor), form=form or {},
        errors=errors or {}, notice=notice,
    )  # fmt: skip
    return page(request, caller, "outages.html", values, status=status)


@router.get("/outages", name="web.outages")
def outages_page(
    request: Request, caller: Annotated[Caller, allowed("web.outages")], store: StoreDep,
    done: str = "",
) -> Response:  # fmt: skip
    """Outages and exemptions, newest first, and the form to declare one."""
    return _outages_page(request, caller, store, notice=DONE.get(done))


@router.post("/outages", name="web.outage-start")
def start_outage(
    request: Request, caller: Annotated[Caller, allowed("web.outage-start")], form: Form,
    store: StoreDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Declare an outage (or a time-bound exemption): from then on, non-corporate captures are
    covered, not exceptions."""
    given = {"reason": text(form, "reason"), "kind": text(form, "kind", 20) or "outage",
             "started_at": text(form, "started_at", 40)}  # fmt: skip
    try:
        started = instant(given["started_at"], field="started_at", zone=settings.timezone)
        outages.start_outage(store, reason=given["reason"], kind=given["kind"],
                             started_at=started, actor=caller.actor, now=clock())  # fmt: skip
    except InvalidInput as exc:
        errors = _problem(exc, "reason")
        if "at" in errors:  # (the service names the time "at", as the command line does)
            errors["started_at"] = errors.pop("at")
        return _outages_page(request, caller, store, form=given, errors=errors, status=400)
    return _back(request, "web.outages", "started")


@router.post("/outages/{uid}/end", name="web.outage-end")
def end_outage(
    request: Request, caller: Annotated[Caller, allowed("web.outage-end")], form: Form,
    store: StoreDep, settings: SettingsDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Declare an outage over (now, or when it was)."""
    try:
        ended = instant(text(form, "ended_at", 40), field="ended_at", zone=settings.timezone)
        outages.end_outage(store, uid=uid, ended_at=ended, actor=caller.actor, now=clock())
    except InvalidInput as exc:
        return _outages_page(request, caller, store, errors={f"end-{uid}": str(exc)}, status=400)
    return _back(request, "web.outages", "ended")


# -- holds ----------------------------------------------------------------------------------
HOLD_FIELDS = ("name", "mandate", "records", "participants", "methods", "date_from", "date_to",
               "outages", "search")  # fmt: skip


def _holds_page(
    request: Request, caller: Caller, store: StoreDep, *, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    found = holds.list_holds(store, actor=caller.actor, include_lifted=True)
    values = _values(
        "Holds", holds=found, form=form or {}, errors=errors or {}, notice=notice,
        anchors={**{f: f for f in HOLD_FIELDS}, "scope": "records"},
    )  # fmt: skip
    return page(request, caller, "holds.html", values, status=status)


@router.get("/holds", name="web.holds")
def holds_page(
    request: Request, caller: Annotated[Caller, allowed("web.holds")], store: StoreDep,
    done: str = "",
) -> Response:  # fmt: skip
    """Every hold with how many records it covers now, and the form to place one."""
    return _holds_page(request, caller, store, notice=DONE.get(done))


@router.post("/holds", name="web.hold-place")
def place_hold(
    request: Request, caller: Annotated[Caller, allowed("web.hold-place")], form: Form,
    store: StoreDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Place a hold: nothing in its scope is disposed of until it is lifted."""
    given = {name: text(form, name, 4000) for name in HOLD_FIELDS}
    zone = settings.timezone
    try:
        scope = holds.hold_scope(
            records=_lines(given["records"]), participants=_lines(given["participants"]),
            methods=_lines(given["methods"]),
            date_from=moment(given["date_from"], field="date_from", zone=zone),
            date_to=moment(given["date_to"], field="date_to", zone=zone),
            outages=_lines(given["outages"]), search=given["search"].strip() or None, zone=zone,
        )  # fmt: skip
        holds.place_hold(store, name=given["name"], mandate=given["mandate"], scope=scope,
                         actor=caller.actor, now=clock())  # fmt: skip
    except InvalidInput as exc:
        return _holds_page(request, caller, store, form=given, errors=_problem(exc, "name"),
                           status=400)  # fmt: skip
    return _back(request, "web.holds", "placed")


@router.post("/holds/{uid}/lift", name="web.hold-lift")
def lift_hold(
    request: Request, caller: Annotated[Caller, allowed("web.hold-lift")], form: Form,
    store: StoreDep, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Lift a hold, saying why; what it covered is due again on its schedule."""
    try:
        holds.lift_hold(store, ref=uid, reason=text(form, "reason"), actor=caller.actor,
                        pack=pack, now=clock())  # fmt: skip
    except InvalidInput as exc:
        message = getattr(exc, "message", None) or str(exc)
        return _holds_page(request, caller, store, errors={f"lift-{uid}": message}, status=400)
    return _back(request, "web.holds", "lifted")


# -- the review queue -----------------------------------------------------------------------
#: the queue's filters, as typed (``as_of``: due by)
QUEUE_FILTERS = ("as_of", "due_from", "action", "record_class", "method", "review_stage")
#: the review stages to filter by, in words
STAGES = (("1", "Due for a first review"), ("2", "Awaiting a second reviewer"))


def _queue_filter(given: dict[str, str], zone: str) -> dispositions.QueueFilter:
    """The filters as typed, read as the command line reads dates and channels."""
    stage = given["review_stage"] or "1"
    if stage not in ("1", "2"):
        raise InvalidInput("The review stage is 1 or 2", field="review_stage")
    return dispositions.QueueFilter(
        action=given["action"] or None, record_class=given["record_class"] or None,
        method=given["method"] or None, stage=int(stage),
        due_from=moment(given["due_from"], field="due_from", zone=zone),
    )  # fmt: skip


def _review_page(
    request: Request, caller: Caller, store: StoreDep, pack: PackDep, zone: str,
    clock: ClockDep, *, given: dict[str, str], form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, decided: list[reviews.Reviewed] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    errors = dict(errors or {})
    queue = None
    try:
        when = moment(given["as_of"], field="as_of", zone=zone)
        queue = dispositions.review_queue(
            store, actor=caller.actor, as_of=when, flt=_queue_filter(given, zone), pack=pack,
            limit=QUEUE, zone=zone, now=clock(),
        )  # fmt: skip
    except InvalidInput as exc:
        errors.update(_problem(exc, "as_of"))
        status = 400
    stage = given["review_stage"] if given["review_stage"] in ("1", "2") else "1"
    # the choices the filters offer: the schedules' (what was asked, when the queue failed)
    actions = queue.actions if queue else tuple(filter(None, [given["action"]]))
    classes = queue.classes if queue else tuple(filter(None, [given["record_class"]]))
    values = _values(
        "Review", queue=queue, report=queue.report if queue else None, given=given,
        as_of=given["as_of"], form=form or {"records": [], "stage": stage}, errors=errors,
        decided=decided, decisions=DECISIONS, shown=QUEUE, stages=STAGES, **pickers(pack),
        action_options=[("", "Any action"), *((a, a) for a in actions)],
        class_options=[("", "Any schedule"), *((c, c) for c in classes)],
        anchors={"as_of": "as_of", "due_from": "due_from", "action": "action",
                 "record_class": "record_class", "method": "method",
                 "review_stage": "review_stage", "records": "records",
                 "decision": "decision-destroy", "reason": "reason", "until": "until",
                 "stage": "stage"},
    )  # fmt: skip
    return page(request, caller, "review.html", values, block="queue", status=status)


@router.get("/review", name="web.review")
def review_page(
    request: Request, caller: Annotated[Caller, allowed("web.review")], store: StoreDep,
    pack: PackDep, settings: SettingsDep, clock: ClockDep, as_of: When = "",
    due_from: When = "", action: Annotated[str, Query(max_length=40)] = "",
    record_class: Annotated[str, Query(max_length=100)] = "",
    method: Annotated[str, Query(max_length=400)] = "",
    review_stage: Annotated[str, Query(alias="review_stage", max_length=2)] = "",
) -> Response:  # fmt: skip
    """What is due for review or disposal by a date (default now), with counts by action;
    the items listed filtered (in the store) by action, schedule, channel, review stage and
    due dates; and the form to decide on several records at once."""
    typed = {"as_of": as_of, "due_from": due_from, "action": action,
             "record_class": record_class, "method": method,
             "review_stage": review_stage}  # fmt: skip
    given = {k: v.strip() for k, v in typed.items()}
    return _review_page(request, caller, store, pack, settings.timezone, clock, given=given)


@router.post("/review", name="web.review-submit")
def review_submit(
    request: Request, caller: Annotated[Caller, allowed("web.review-submit")], form: Form,
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Record one decision on every record ticked, in one transaction: approve destruction or
    transfer (two stages if asked), defer, or keep until a date; the reason is kept with it."""
    zone = settings.timezone
    chosen = texts(form, "records", 64)
    decision, reason, until = (
        text(form, "decision", 20),
        text(form, "reason"),
        text(form, "until", 40),
    )
    stage, two_stage = text(form, "stage", 2) or "1", text(form, "two_stage", 10)
    given: dict[str, Any] = {"records": chosen, "decision": decision, "reason": reason,
                             "until": until, "stage": stage, "two_stage": two_stage}  # fmt: skip
    as_of = text(form, "as_of", 40)
    # the queue's filters come back with the decision, so the same queue is shown after it
    filters = {name: text(form, "filter_" + name, 400).strip() for name in QUEUE_FILTERS}
    filters["as_of"] = as_of.strip()
    decided: list[reviews.Reviewed] | None = None
    errors: dict[str, str] = {}
    try:
        if not chosen:
            raise InvalidInput("Tick at least one record", field="records")
        if decision not in {d for d, _label in DECISIONS}:
            raise InvalidInput("Choose what to do with them", field="decision")
        if stage not in ("1", "2"):
            raise InvalidInput("The stage is 1 or 2", field="stage")
        decided = reviews.review(
            store, uids=chosen, as_of=moment(as_of, field="as_of", zone=zone), decision=decision,
            reason=reason, until=moment(until, field="until", zone=zone), stage=int(stage),
            stages_required=2 if two_stage else 1, actor=caller.actor, pack=pack, zone=zone,
            now=clock(),
        )  # fmt: skip
    except (InvalidInput, NotFound, Conflict) as exc:
        errors = _problem(exc, "records")
    if decided is not None:
        given = {"records": [], "stage": stage}
    return _review_page(request, caller, store, pack, zone, clock, given=filters, form=given,
                        errors=errors, decided=decided,
                        status=400 if errors else 200)  # fmt: skip


# -- transfers ------------------------------------------------------------------------------
def _transfers_page(
    request: Request, caller: Caller, store: StoreDep, *, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    found = transfers.list_transfers(store, actor=caller.actor)
    values = _values("Transfers", transfers=found, form=form or {}, errors=errors or {},
                     notice=notice)  # fmt: skip
    return page(request, caller, "transfers.html", values, status=status)


@router.get("/transfers", name="web.transfers")
def transfers_page(
    request: Request, caller: Annotated[Caller, allowed("web.transfers")], store: StoreDep,
    done: str = "",
) -> Response:  # fmt: skip
    """Every transfer package built for the archive, with its status, and the forms to build
    one and to confirm the archive's accession."""
    return _transfers_page(request, caller, store, notice=DONE.get(done))


@router.post("/transfers", name="web.transfer-build")
def build_transfer(
    request: Request, caller: Annotated[Caller, allowed("web.transfer-build")], form: Form,
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Package the records approved for transfer (or those listed) as a validated BagIt bag
    and ``.tar.gz``; the records then await the archive's accession."""
    given = {"consignment": text(form, "consignment", 100).strip(),
             "organisation": text(form, "organisation", 200).strip(),
             "records": text(form, "records", 100_000)}  # fmt: skip
    try:
        transfers.build_transfer(
            store, out_dir=settings.data_dir / "transfers",
            consignment=given["consignment"] or None, organisation=given["organisation"] or None,
            uids=_lines(given["records"]), actor=caller.actor, pack=pack, now=clock(),
        )  # fmt: skip
    except (InvalidInput, NotFound, Conflict) as exc:
        return _transfers_page(request, caller, store, form=given,
                               errors=_problem(exc, "records"), status=400)  # fmt: skip
    return _back(request, "web.transfers", "built")


@router.post("/transfers/{consignment}/confirm", name="web.transfer-confirm")
def confirm_transfer(
    request: Request, caller: Annotated[Caller, allowed("web.transfer-confirm")], form: Form,
    store: StoreDep, pack: PackDep, clock: ClockDep, consignment: Consignment,
) -> Response:  # fmt: skip
    """The archive confirmed accession: the transferred records are disposed of here (stubs
    and certificates kept; a record under a hold keeps its copy)."""
    try:
        transfers.confirm_transfer(store, consignment=consignment,
                                   accession=text(form, "accession", 200).strip() or None,
                                   actor=caller.actor, pack=pack, now=clock())  # fmt: skip
    except Conflict as exc:
        return _transfers_page(request, caller, store,
                               errors={f"confirm-{consignment}": str(exc)}, status=409)  # fmt: skip
    return _back(request, "web.transfers", "confirmed")


@router.get("/transfers/{consignment}/package", name="web.transfer-download")
def transfer_download(
    caller: Annotated[Caller, allowed("web.transfer-download")], store: StoreDep,
    consignment: Consignment,
) -> Response:  # fmt: skip
    """A transfer package (``.tar.gz``) to hand to the archive, checked against its SHA-256."""
    data = transfers.transfer_package(store, consignment, actor=caller.actor)
    headers = {"Content-Disposition": f'attachment; filename="{consignment}.tar.gz"'}
    return Response(data, media_type="application/gzip", headers=headers)

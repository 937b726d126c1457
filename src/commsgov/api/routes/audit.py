"""The audit trail: search, export (CSV or JSON) and verify (auditors)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from commsgov.accounts.chain import AuditEntry
from commsgov.services import audit
from commsgov.services.audit import AuditReport

from ..deps import Caller, ClockDep, SettingsDep, StoreDep, allowed

router = APIRouter(prefix="/audit", tags=["audit"])


def _filters(
    settings: SettingsDep,
    actor: Annotated[str | None, Query(max_length=200, description="Who acted.")] = None,
    action: Annotated[str | None, Query(max_length=64, description="An event kind.")] = None,
    target: Annotated[
        str | None, Query(max_length=400, description="What it was about; end with * for a prefix.")
    ] = None,
    outcome: Annotated[Literal["ok", "failed", "refused"] | None, Query()] = None,
    since: Annotated[
        str | None, Query(max_length=40, description="From this date-time (ISO 8601).")
    ] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="Before this date-time (ISO 8601).")
    ] = None,
) -> audit.AuditFilter:
    return audit.parse_filter(
        actor=actor, action=action, target=target, outcome=outcome, since=since, until=until,
        zone=settings.timezone,
    )  # fmt: skip


Filters = Annotated[audit.AuditFilter, Depends(_filters)]


@router.get("", name="audit.search", response_model=list[AuditEntry])
def search(
    filters: Filters, store: StoreDep, caller: Annotated[Caller, allowed("audit.search")],
    clock: ClockDep, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[AuditEntry]:  # fmt: skip
    """The newest entries matching every filter given."""
    return audit.search(store, filters, actor=caller.actor, limit=limit, now=clock())


@router.get(
    "/export", name="audit.export", response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}},
                     "description": "The entries, oldest first."}},
)  # fmt: skip
def export(
    filters: Filters, store: StoreDep, caller: Annotated[Caller, allowed("audit.export")],
    clock: ClockDep, format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:  # fmt: skip
    """Every matching entry, oldest first, as CSV or JSON (each entry's hash can be recomputed
    from what is exported)."""
    text = audit.export(store, filters, fmt=format, actor=caller.actor, now=clock())
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    headers = {"Content-Disposition": f'attachment; filename="audit.{format}"'}
    return Response(text, media_type=media, headers=headers)


@router.get("/verify", name="audit.verify", response_model=AuditReport)
def verify(
    store: StoreDep, caller: Annotated[Caller, allowed("audit.verify")], clock: ClockDep
) -> AuditReport:
    """Recompute every link of the audit chain."""
    return audit.verify(store, actor=caller.actor, now=clock())

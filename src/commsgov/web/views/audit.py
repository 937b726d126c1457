"""The audit trail for auditors: search with filters, export as CSV or JSON, verify the chain.
The same service calls as ``commsgov audit`` and the API, so reading the trail is itself
recorded."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from commsgov.accounts.events import AUDIT_ACTIONS
from commsgov.api.deps import Caller, ClockDep, SettingsDep, StoreDep, allowed
from commsgov.records.errors import InvalidFieldError
from commsgov.services import audit

from ..render import page

router = APIRouter(prefix="/audit", include_in_schema=False)

#: entries shown at first, and how many more each "show more" adds
PAGE = 50

Text = Annotated[str, Query(max_length=400)]


def _filters(
    actor: str, action: str, target: str, outcome: str, since: str, until: str
) -> dict[str, str]:
    return {
        "actor": actor.strip(), "action": action.strip(), "target": target.strip(),
        "outcome": outcome, "since": since.strip(), "until": until.strip(),
    }  # fmt: skip


def _parse(given: dict[str, str], zone: str) -> audit.AuditFilter:
    return audit.parse_filter(**{k: v or None for k, v in given.items()}, zone=zone)


def _details(text: str) -> str:
    """An entry's details as short readable text."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    return "; ".join(f"{k}: {v}" for k, v in data.items())


@router.get("", name="web.audit")
def audit_page(
    request: Request, caller: Annotated[Caller, allowed("web.audit")], store: StoreDep,
    settings: SettingsDep, clock: ClockDep, actor: Text = "", action: Text = "",
    target: Text = "", outcome: Literal["", "ok", "failed", "refused"] = "",
    since: Text = "", until: Text = "",
    limit: Annotated[int, Query(ge=1, le=10_000)] = PAGE,
) -> Response:  # fmt: skip
    """The newest entries matching the filters, with links to export them."""
    given = _filters(actor, action, target, outcome, since, until)
    errors: dict[str, str] = {}
    entries: list[Any] = []
    try:
        filters = _parse(given, settings.timezone)
    except InvalidFieldError as exc:
        errors[exc.field] = exc.message
    else:
        entries = audit.search(store, filters, actor=caller.actor, limit=limit, now=clock())
    query = {k: v for k, v in given.items() if v}
    values = {
        "title": "Audit trail", "given": given, "errors": errors, "actions": sorted(AUDIT_ACTIONS),
        "entries": [{"entry": e, "details": _details(e.details)} for e in entries],
        "more": "?" + urlencode({**query, "limit": limit + PAGE}) if len(entries) == limit
        else None,
        "export_csv": "export?" + urlencode({**query, "format": "csv"}),
        "export_json": "export?" + urlencode({**query, "format": "json"}),
    }  # fmt: skip
    return page(
        request, caller, "audit.html", values, block="results", status=400 if errors else 200
    )


@router.get("/export", name="web.audit-export")
def export(
    caller: Annotated[Caller, allowed("web.audit-export")], store: StoreDep,
    settings: SettingsDep, clock: ClockDep, actor: Text = "", action: Text = "",
    target: Text = "", outcome: Literal["", "ok", "failed", "refused"] = "",
    since: Text = "", until: Text = "", format: Literal["csv", "json"] = "csv",
) -> Response:  # fmt: skip
    """Every matching entry, oldest first, as a CSV or JSON download."""
    given = _filters(actor, action, target, outcome, since, until)
    text = audit.export(
        store, _parse(given, settings.timezone), fmt=format, actor=caller.actor, now=clock()
    )
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    headers = {"Content-Disposition": f'attachment; filename="audit.{format}"'}
    return Response(text, media_type=media, headers=headers)


@router.get("/verify", name="web.audit-verify")
def verify(
    request: Request, caller: Annotated[Caller, allowed("web.audit-verify")], store: StoreDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    """Recompute every link of the audit chain and say whether it holds."""
    report = audit.verify(store, actor=caller.actor, now=clock())
    return page(request, caller, "audit_verify.html", {"title": "Audit chain", "report": report})

"""The governance registers' pages: an overview with what is due, and for each register a list
(with the form to add an entry) and a page per entry (with the forms to change it). The same
services as ``commsgov registers`` and the API, so the same ledger entries.

Every register page is one of two templates (``register.html``: a list; ``register_entry.html``:
an entry), filled from a description of its columns and form fields here: the four registers
look and behave alike, and a list's filter answers HTMX with the table alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.datastructures import FormData

from commsgov.api.deps import Caller, ClockDep, PackDep, allowed
from commsgov.api.routes.registers import RecordStore
from commsgov.errors import CommsgovError, Conflict, InvalidInput
from commsgov.policy.compiled import Cite, CompiledPack
from commsgov.registers import permitted_purposes
from commsgov.services import registers as reg
from commsgov.services import registers_exemptions as exemptions
from commsgov.services import registers_groups as groups
from commsgov.services import registers_organisations as organisations
from commsgov.services import registers_phones as phones

from .. import present
from ..errors import redirect
from ..render import page
from .common import Form, text

router = APIRouter(prefix="/registers", include_in_schema=False)

Uid = Annotated[str, Path(min_length=4, max_length=32)]
State = Annotated[str, Query(max_length=20)]

#: what a change is called in the notice after it
DONE = {
    "added": "The entry has been added to the register.",
    "changed": "The entry has been changed.",
    "disbanded": "The group has been recorded as disbanded.",
    "decided": "The decision has been recorded.",
}
#: a state's words and tag colour
TAGS = {
    "active": ("Active", "green"), "ended": ("Ended", "grey"),
    "not-started": ("Not started", "blue"), "open": ("Open", "green"), "due": ("Due", "orange"),
    "overdue": ("Overdue", "red"), "disbanded": ("Disbanded", "grey"),
    "pending": ("Pending", "orange"), "approved": ("Approved", "green"),
    "refused": ("Refused", "red"), "flagged": ("Purpose not permitted", "red"),
    "federated": ("Federated", "green"), "guests": ("Guest access", "green"),
    "neither": ("Neither", "grey"), "in-use": ("In use after its end", "red"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FormField:
    """A field of a register form: its name, label, kind (``text``, ``date``, ``textarea``,
    ``lines``: one value a line, ``select``, ``checkboxes``), hint and choices."""

    name: str
    label: str
    kind: str = "text"
    hint: str | None = None
    options: tuple[tuple[str, str], ...] = ()


@dataclass
class FormSpec:
    """A form on a register page: its route (the action a caller must be allowed), where it
    posts, its fields and the values shown in them, its button."""

    id: str
    title: str
    route: str
    action: str
    fields: Sequence[FormField]
    submit: str
    values: dict[str, Any] = field(default_factory=dict)
    secondary: bool = False

    def shown(self) -> dict[str, Any]:
        """Each field's value as the form shows it (a list one a line, ticks as a list)."""
        found: dict[str, Any] = {}
        for f in self.fields:
            value = self.values.get(f.name)
            if f.kind == "checkboxes":
                found[f.name] = list(value or ())
            elif isinstance(value, list | tuple):
                found[f.name] = "\n".join(str(v) for v in value)
            else:
                found[f.name] = "" if value is None else str(value)
        return found


def _tag(state: str) -> dict[str, str]:
    label, colour = TAGS[state]
    return {"label": label, "colour": colour}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _read(form: FormData, fields: Iterable[FormField]) -> dict[str, Any]:
    """The values posted for ``fields``: lists for ``lines`` and ``checkboxes``, text else."""
    values: dict[str, Any] = {}
    for f in fields:
        if f.kind == "checkboxes":
            values[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str)][:200]
        elif f.kind == "lines":
            values[f.name] = _lines(text(form, f.name, 20_000))
        else:
            values[f.name] = text(form, f.name).strip()
    return values


def _quotes(cites: Iterable[Cite], pack: CompiledPack) -> list[present.Quote]:
    return present.quotes(tuple(cites), pack)


def _rule_cites(pack: CompiledPack, *names: str) -> list[Cite]:
    found: list[Cite] = []
    for name in names:
        said = pack.rule(name)
        if said is not None:
            found.extend(c for c in said.cite if c not in found)
    return found


def _error(exc: CommsgovError, form_id: str, fields: Iterable[FormField] = ()) -> dict[str, str]:
    """The error keyed by the id of the field at fault (or of the form), in the field's words."""
    name = getattr(exc, "field", None) if isinstance(exc, InvalidInput) else None
    label = next((f.label for f in fields if f.name == name), None)
    if label is None:
        return {f"{form_id}-form": str(exc)}
    message = getattr(exc, "message", None) or str(exc)
    return {f"{form_id}-{name}": f"{label.removesuffix(' (optional)')}: {message}"}


def _back(request: Request, name: str, uid: str, done: str) -> Response:
    where = request.app.url_path_for(name, uid=uid)
    return redirect(request, f"{where}?done={done}")


def _list_page(
    request: Request, caller: Caller, *, title: str, intro: str, quotes: list[present.Quote],
    columns: Sequence[str], rows: list[dict[str, Any]], add: FormSpec | None,
    states: Sequence[str] = (), state: str = "", errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": title, "intro": intro, "quotes": quotes, "columns": columns, "rows": rows,
        "add": add if add is not None and _allowed(caller, add.route) else None,
        "states": [(s, TAGS[s][0]) for s in states], "state": state, "errors": errors or {},
        "anchors": {k: k for k in errors or {}}, "here": request.url.path,
    }  # fmt: skip
    return page(request, caller, "register.html", values, block="entries", status=status)


def _entry_page(
    request: Request, caller: Caller, *, title: str, label: str, back: str, back_label: str,
    summary: list[tuple[str, Any]], tags: list[dict[str, str]], quotes: list[present.Quote],
    forms: list[FormSpec], done: str = "", errors: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": title, "label": label, "back": back, "back_label": back_label,
        "summary": [(k, ", ".join(v) if isinstance(v, list | tuple) else v) for k, v in summary],
        "tags": tags, "quotes": quotes, "notice": DONE.get(done), "errors": errors or {},
        "anchors": {k: k for k in errors or {}},
        "forms": [form for form in forms if _allowed(caller, form.route)],
        "extra": extra or {},
    }  # fmt: skip
    return page(request, caller, "register_entry.html", values, status=status)


def _allowed(caller: Caller, action: str) -> bool:
    from commsgov.accounts.permissions import allowed as permitted

    me = caller.principal
    return me is not None and permitted(action, me.roles)


# -- the overview -------------------------------------------------------------------------------
@router.get("", name="web.registers")
def overview(
    request: Request, caller: Annotated[Caller, allowed("web.registers")], store: RecordStore,
    pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """The four registers, what is due in them, and ended exemptions still in use."""
    now = clock()
    due = reg.reminders(store, actor=caller.actor, now=now, pack=pack)
    counts = {
        "exemptions": len(exemptions.list_exemptions(store, actor=caller.actor, now=now)),
        "organisations": len(organisations.list_organisations(store, actor=caller.actor, now=now)),
        "groups": len(groups.list_groups(store, actor=caller.actor, now=now, pack=pack)),
        "phones": len(phones.list_phone_requests(store, actor=caller.actor)),
    }
    links = {
        "transition-exemptions": "web.exemption", "federated-organisations": "web.organisation",
        "personal-device-groups": "web.group", "corporate-phone-requests": "web.phone",
    }  # fmt: skip
    items = [
        {"item": r, "tag": _tag(r.level if r.level in TAGS else "due"),
         "href": request.app.url_path_for(links[r.register], uid=r.uid)}
        for r in due.items
    ]  # fmt: skip
    values = {"title": "Registers", "due": due, "items": items, "counts": counts}
    return page(request, caller, "registers.html", values)


# -- transition exemptions ---------------------------------------------------------------------
def _scenario_options(pack: CompiledPack) -> tuple[tuple[str, str], ...]:
    return tuple((s.id, s.title) for s in pack.scenarios.values())


def _exemption_fields(pack: CompiledPack) -> list[FormField]:
    return [
        FormField("team", "Agency or team"),
        FormField("scope", "What it covers", "textarea",
                  "In words, for example: multi-agency response to flooding"),
        FormField("scenarios", "Scenarios it covers", "checkboxes",
                  "Tick none for every scenario.", _scenario_options(pack)),
        FormField("starts_on", "First day", "date"),
        FormField("ends_on", "Last day", "date", "The last day it applies."),
        FormField("approver", "Approved by"),
        FormField("mandate", "On what authority", "textarea",
                  "For example: the Director-General's letter of 12 January 2026"),
        FormField("members", "Members (optional)", "lines",
                  "Usernames or email addresses, one a line: their advice follows it too."),
    ]  # fmt: skip


def _exemptions_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    *, state: str = "", values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    views = exemptions.list_exemptions(store, actor=caller.actor, state=state or None, now=now)
    used = {i.uid for i in exemptions.exemptions_in_use(store, actor=caller.actor, now=now).items}
    rows = [
        {"href": request.app.url_path_for("web.exemption", uid=v.entry.uid), "cells": [
            v.entry.team, v.entry.scope, f"{v.entry.starts_on} to {v.entry.ends_on}",
            v.entry.approver],
         "tags": [_tag(v.state)] + ([_tag("in-use")] if v.entry.uid in used else [])}
        for v in views
    ]  # fmt: skip
    add = FormSpec("add", "Record a transition exemption", "web.exemptions-create",
                   str(request.app.url_path_for("web.exemptions-create")),
                   _exemption_fields(pack), "Add exemption", values or {})  # fmt: skip
    return _list_page(
        request, caller, title="Transition exemptions",
        intro="Agencies and teams permitted a time-bound transition period. While one is active,"
        " its people's advice follows the rule for when SCOTS cannot be used: necessary means"
        " for a limited time, every communication captured. After its last day the advice"
        " reverts; an exemption still in use after its end is flagged.",
        quotes=_quotes(_rule_cites(pack, "transition", "outage_capture"), pack),
        columns=["Agency or team", "Scope", "Period", "Approved by", "State"], rows=rows, add=add,
        states=("active", "not-started", "ended"), state=state, errors=errors, status=status,
    )  # fmt: skip


@router.get("/exemptions", name="web.exemptions")
def exemptions_page(
    request: Request, caller: Annotated[Caller, allowed("web.exemptions")], store: RecordStore,
    pack: PackDep, clock: ClockDep, state: State = "",
) -> Response:  # fmt: skip
    """Every transition exemption, and the form to record one."""
    state = state if state in ("active", "not-started", "ended") else ""
    return _exemptions_page(request, caller, store, pack, clock(), state=state)


@router.post("/exemptions", name="web.exemptions-create")
def create_exemption(
    request: Request, caller: Annotated[Caller, allowed("web.exemptions-create")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Record a transition exemption."""
    values = _read(form, _exemption_fields(pack))
    try:
        made = exemptions.grant_exemption(store, **values, actor=caller.actor, now=clock(),
                                          pack=pack)  # fmt: skip
    except InvalidInput as exc:
        return _exemptions_page(request, caller, store, pack, clock(), values=values,
                                errors=_error(exc, "add", _exemption_fields(pack)),
                                status=400)  # fmt: skip
    return _back(request, "web.exemption", made.entry.uid, "added")


def _exemption_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    uid: str, *, done: str = "", values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    view = exemptions.get_exemption(store, ref=uid, actor=caller.actor, now=now)
    e = view.entry
    report = exemptions.exemptions_in_use(store, actor=caller.actor, now=now)
    use = next((i for i in report.items if i.uid == e.uid), None)
    titles = dict(_scenario_options(pack))
    fields = [*_exemption_fields(pack), FormField("reason", "Why the change", "textarea")]
    change = FormSpec(
        "change", "Change it", "web.exemption-update",
        str(request.app.url_path_for("web.exemption-update", uid=e.uid)),
        fields, "Save changes", values or {**e.state(), "reason": ""}, secondary=True,
    )  # fmt: skip
    return _entry_page(
        request, caller, title=e.team, label="Transition exemption",
        back=str(request.app.url_path_for("web.exemptions")), back_label="All exemptions",
        summary=[("Scope", e.scope),
                 ("Scenarios", [titles.get(s, s) for s in e.scenarios] or "Every scenario"),
                 ("Period", f"{e.starts_on} to {e.ends_on}"), ("Approved by", e.approver),
                 ("Mandate", e.mandate), ("Members", list(e.members) or "none listed"),
                 ("Recorded", f"{e.recorded_at_utc} by {e.recorded_by}")],
        tags=[_tag(view.state)] + ([_tag("in-use")] if use else []),
        quotes=_quotes(_rule_cites(pack, "transition"), pack),
        forms=[change], done=done, errors=errors,
        extra={"use": use}, status=status,
    )  # fmt: skip


@router.get("/exemptions/{uid}", name="web.exemption")
def exemption_page(
    request: Request, caller: Annotated[Caller, allowed("web.exemption")], store: RecordStore,
    pack: PackDep, clock: ClockDep, uid: Uid, done: str = "",
) -> Response:  # fmt: skip
    """One transition exemption, its use after its end, and the form to change it."""
    return _exemption_page(request, caller, store, pack, clock(), uid, done=done)


@router.post("/exemptions/{uid}", name="web.exemption-update")
def change_exemption(
    request: Request, caller: Annotated[Caller, allowed("web.exemption-update")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Change a transition exemption, with the reason."""
    values = _read(form, [*_exemption_fields(pack), FormField("reason", "")])
    reason = values.pop("reason")
    try:
        view = exemptions.change_exemption(store, ref=uid, changes=values, reason=reason,
                                           actor=caller.actor, now=clock(), pack=pack)  # fmt: skip
    except InvalidInput as exc:
        return _exemption_page(request, caller, store, pack, clock(), uid,
                               values={**values, "reason": reason},
                               errors=_error(exc, "change", _exemption_fields(pack)),
                               status=400)  # fmt: skip
    return _back(request, "web.exemption", view.entry.uid, "changed")


# -- federated organisations and guests ---------------------------------------------------------
def _organisation_fields() -> list[FormField]:
    return [
        FormField("organisation", "Organisation"),
        FormField("domains", "Email domains", "lines", "One a line, for example sds.co.uk"),
        FormField("federated_since", "Federated since (optional)", "date",
                  "When iTECS federated it: its people can be messaged and called on Teams."),
        FormField("guests_since", "Guest access since (optional)", "date",
                  "When guest access was added: its people can join your Teams areas."),
        FormField("ifix_ref", "iFix reference (optional)", hint="The call it was requested in."),
    ]  # fmt: skip


def _organisations_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    views = organisations.list_organisations(store, actor=caller.actor, now=now)
    rows = [
        {"href": request.app.url_path_for("web.organisation", uid=v.entry.uid), "cells": [
            v.entry.organisation, ", ".join(v.entry.domains), v.entry.ifix_ref or ""],
         "tags": [_tag(s) for s, on in (("federated", v.federated), ("guests", v.guest_access))
                  if on] or [_tag("neither")]}
        for v in views
    ]  # fmt: skip
    add = FormSpec("add", "Record an organisation", "web.organisations-create",
                   str(request.app.url_path_for("web.organisations-create")),
                   _organisation_fields(), "Add organisation", values or {})  # fmt: skip
    return _list_page(
        request, caller, title="Federated organisations and guests",
        intro="External organisations you may message and call on Teams (federated by iTECS),"
        " or include in your own Teams areas (guest access). The advisor answers for them:"
        " name the organisation or an address there. A Teams meeting you host needs neither.",
        quotes=_quotes(_rule_cites(pack, "federation_request", "guest_access_request",
                                   "hosted_meeting"), pack),
        columns=["Organisation", "Domains", "iFix", "Set up for"], rows=rows,
        add=add, errors=errors,
        status=status,
    )  # fmt: skip


@router.get("/organisations", name="web.organisations")
def organisations_page(
    request: Request, caller: Annotated[Caller, allowed("web.organisations")],
    store: RecordStore, pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Every federated organisation and guest, and (for keepers) the form to add one."""
    return _organisations_page(request, caller, store, pack, clock())


@router.post("/organisations", name="web.organisations-create")
def create_organisation(
    request: Request, caller: Annotated[Caller, allowed("web.organisations-create")],
    form: Form, store: RecordStore, pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Record an organisation as federated or with guest access."""
    values = _read(form, _organisation_fields())
    try:
        made = organisations.register_organisation(
            store, organisation=values["organisation"], domains=values["domains"],
            federated_since=values["federated_since"] or None,
            guests_since=values["guests_since"] or None, ifix_ref=values["ifix_ref"] or None,
            actor=caller.actor, now=clock(),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _organisations_page(request, caller, store, pack, clock(), values=values,
                                   errors=_error(exc, "add", _organisation_fields()),
                                   status=409 if isinstance(exc, Conflict) else 400)  # fmt: skip
    return _back(request, "web.organisation", made.entry.uid, "added")


def _organisation_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    uid: str, *, done: str = "", values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    view = organisations.get_organisation(store, ref=uid, actor=caller.actor, now=now)
    o = view.entry
    fields = [
        *_organisation_fields(),
        FormField("ended_on", "No longer set up from (optional)", "date",
                  "The first day federation and guest access no longer apply."),
        FormField("reason", "Why the change", "textarea"),
    ]  # fmt: skip
    change = FormSpec(
        "change", "Change it", "web.organisation-update",
        str(request.app.url_path_for("web.organisation-update", uid=o.uid)),
        fields, "Save changes", values or {**o.state(), "reason": ""}, secondary=True,
    )  # fmt: skip
    return _entry_page(
        request, caller, title=o.organisation, label="Federated organisation",
        back=str(request.app.url_path_for("web.organisations")), back_label="All organisations",
        summary=[("Email domains", list(o.domains)),
                 ("Federated since", o.federated_since or "not federated"),
                 ("Guest access since", o.guests_since or "no guest access"),
                 ("No longer set up from", o.ended_on or "-"), ("iFix", o.ifix_ref or "-"),
                 ("Recorded", f"{o.recorded_at_utc} by {o.recorded_by}")],
        tags=[_tag(s) for s, on in (("federated", view.federated), ("guests", view.guest_access))
              if on] or [_tag("neither")],
        quotes=_quotes(_rule_cites(pack, "federation_request", "guest_access_request"), pack),
        forms=[change], done=done, errors=errors, status=status,
    )  # fmt: skip


@router.get("/organisations/{uid}", name="web.organisation")
def organisation_page(
    request: Request, caller: Annotated[Caller, allowed("web.organisation")],
    store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid, done: str = "",
) -> Response:  # fmt: skip
    """One organisation, and (for keepers) the form to change it."""
    return _organisation_page(request, caller, store, pack, clock(), uid, done=done)


@router.post("/organisations/{uid}", name="web.organisation-update")
def change_organisation(
    request: Request, caller: Annotated[Caller, allowed("web.organisation-update")],
    form: Form, store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Change an organisation's entry, with the reason."""
    fields = [*_organisation_fields(), FormField("ended_on", ""), FormField("reason", "")]
    values = _read(form, fields)
    reason = values.pop("reason")
    changes = {k: v or None for k, v in values.items()}
    try:
        view = organisations.change_organisation(store, ref=uid, changes=changes, reason=reason,
                                                 actor=caller.actor, now=clock())  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _organisation_page(request, caller, store, pack, clock(), uid,
                                  values={**values, "reason": reason},
                                  errors=_error(exc, "change", _organisation_fields()),
                                  status=409 if isinstance(exc, Conflict) else 400)  # fmt: skip
    return _back(request, "web.organisation", view.entry.uid, "changed")


# -- personal-device groups ---------------------------------------------------------------------
OTHER = "other"


def _group_fields(pack: CompiledPack) -> list[FormField]:
    choices = tuple((p.id, p.title) for p in permitted_purposes(pack))
    return [
        FormField("name", "Group name"),
        FormField("purpose", "Purpose", "select",
                  "What the policy permits personal devices for.",
                  (("", "Choose the purpose"), *choices,
                   (OTHER, "Something else (recorded, and flagged as not permitted)"))),
        FormField("purpose_other", "If something else, what for (optional)"),
        FormField("owner", "Who runs it"),
        FormField("members", "Members (optional)", "lines", "One a line."),
        FormField("created_on", "Made on", "date"),
        FormField("disband_by", "To disband by", "date",
                  "The earliest opportunity: groups disband as soon as they can."),
    ]  # fmt: skip


def _disband_fields() -> list[FormField]:
    return [
        FormField("disbanded_on", "Disbanded on (optional)", "date", "Default: today."),
        FormField("reason", "How", "textarea", "For example: deleted by its owner"),
    ]


def _group_values(values: dict[str, Any]) -> dict[str, Any]:
    """The form's purpose as the register takes it (the free text when "something else")."""
    given = dict(values)
    other = given.pop("purpose_other", "")
    if given.get("purpose") in (OTHER, ""):
        given["purpose"] = other
    return given


def _groups_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    *, state: str = "", values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    views = groups.list_groups(store, actor=caller.actor, state=state or None, now=now, pack=pack)
    rows = [
        {"href": request.app.url_path_for("web.group", uid=v.entry.uid), "cells": [
            v.entry.name, v.purpose_title or v.entry.purpose, v.entry.owner,
            str(len(v.entry.members)), v.entry.disband_by],
         "tags": [_tag(v.state)] + ([] if v.permitted else [_tag("flagged")])}
        for v in views
    ]  # fmt: skip
    add = FormSpec("add", "Record a group", "web.groups-create",
                   str(request.app.url_path_for("web.groups-create")), _group_fields(pack),
                   "Add group", values or {})  # fmt: skip
    return _list_page(
        request, caller, title="Personal-device groups",
        intro="Groups made on personal devices for a use the policy permits, with the day to"
        " disband them by. A group past its day is overdue; one whose purpose is not a permitted"
        " use is flagged.",
        quotes=_quotes(_rule_cites(pack, "personal_device_groups")
                       + [c for p in pack.personal_uses for c in p.cite], pack),
        columns=["Group", "Purpose", "Owner", "Members", "Disband by", "State"], rows=rows,
        add=add, states=("open", "due", "overdue", "disbanded"), state=state, errors=errors,
        status=status,
    )  # fmt: skip


@router.get("/groups", name="web.groups")
def groups_page(
    request: Request, caller: Annotated[Caller, allowed("web.groups")], store: RecordStore,
    pack: PackDep, clock: ClockDep, state: State = "",
) -> Response:  # fmt: skip
    """Every personal-device group (or those in one state), and the form to record one."""
    state = state if state in groups.STATES else ""
    return _groups_page(request, caller, store, pack, clock(), state=state)


@router.post("/groups", name="web.groups-create")
def create_group(
    request: Request, caller: Annotated[Caller, allowed("web.groups-create")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Record a personal-device group."""
    values = _read(form, _group_fields(pack))
    try:
        made = groups.register_group(store, **_group_values(values), actor=caller.actor,
                                     now=clock(), pack=pack)  # fmt: skip
    except InvalidInput as exc:
        return _groups_page(request, caller, store, pack, clock(), values=values,
                            errors=_error(exc, "add", _group_fields(pack)),
                            status=400)  # fmt: skip
    return _back(request, "web.group", made.entry.uid, "added")


def _group_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, now: dt.datetime,
    uid: str, *, done: str = "", values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    view = groups.get_group(store, ref=uid, actor=caller.actor, now=now, pack=pack)
    g = view.entry
    forms: list[FormSpec] = []
    if g.disbanded_on is None:
        permitted = {p.id for p in permitted_purposes(pack)}
        known = g.purpose in permitted
        current = {**g.state(), "purpose": g.purpose if known else OTHER,
                   "purpose_other": "" if known else g.purpose, "reason": ""}  # fmt: skip
        fields = [f for f in _group_fields(pack) if f.name != "created_on"]
        forms.append(FormSpec(
            "disband", "Record that it was disbanded", "web.group-disband",
            str(request.app.url_path_for("web.group-disband", uid=g.uid)),
            _disband_fields(),
            "Record disbanded", values if values and "disbanded_on" in values else {},
        ))  # fmt: skip
        forms.append(FormSpec(
            "change", "Change it", "web.group-update",
            str(request.app.url_path_for("web.group-update", uid=g.uid)),
            [*fields, FormField("reason", "Why the change", "textarea")], "Save changes",
            values if values and "disbanded_on" not in values else current, secondary=True,
        ))  # fmt: skip
    purpose = view.purpose_title if view.permitted else f"{g.purpose} (not a permitted use)"
    return _entry_page(
        request, caller, title=g.name, label="Personal-device group",
        back=str(request.app.url_path_for("web.groups")), back_label="All groups",
        summary=[("Purpose", purpose), ("Owner", g.owner), ("Members", list(g.members) or "none"),
                 ("Made on", g.created_on), ("To disband by", g.disband_by),
                 ("Disbanded on", g.disbanded_on or "-"),
                 ("Recorded", f"{g.recorded_at_utc} by {g.recorded_by}")],
        tags=[_tag(view.state)] + ([] if view.permitted else [_tag("flagged")]),
        quotes=_quotes(view.cite + tuple(_rule_cites(pack, "personal_device_groups")), pack),
        forms=forms, done=done, errors=errors, status=status,
    )  # fmt: skip


@router.get("/groups/{uid}", name="web.group")
def group_page(
    request: Request, caller: Annotated[Caller, allowed("web.group")], store: RecordStore,
    pack: PackDep, clock: ClockDep, uid: Uid, done: str = "",
) -> Response:  # fmt: skip
    """One personal-device group, and the forms to change or disband it."""
    return _group_page(request, caller, store, pack, clock(), uid, done=done)


@router.post("/groups/{uid}", name="web.group-update")
def change_group(
    request: Request, caller: Annotated[Caller, allowed("web.group-update")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Change a personal-device group, with the reason."""
    fields = [f for f in _group_fields(pack) if f.name != "created_on"]
    values = _read(form, [*fields, FormField("reason", "")])
    reason = values.pop("reason")
    try:
        view = groups.change_group(store, ref=uid, changes=_group_values(values), reason=reason,
                                   actor=caller.actor, now=clock(), pack=pack)  # fmt: skip
    except InvalidInput as exc:
        return _group_page(request, caller, store, pack, clock(), uid,
                           values={**values, "reason": reason},
                           errors=_error(exc, "change", _group_fields(pack)),
                           status=400)  # fmt: skip
    return _back(request, "web.group", view.entry.uid, "changed")


@router.post("/groups/{uid}/disband", name="web.group-disband")
def disband_group(
    request: Request, caller: Annotated[Caller, allowed("web.group-disband")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Record that a personal-device group was disbanded."""
    values = {"disbanded_on": text(form, "disbanded_on").strip(),
              "reason": text(form, "reason").strip()}  # fmt: skip
    try:
        view = groups.disband_group(
            store, ref=uid, reason=values["reason"], disbanded_on=values["disbanded_on"] or None,
            actor=caller.actor, now=clock(), pack=pack,
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _group_page(request, caller, store, pack, clock(), uid, values=values,
                           errors=_error(exc, "disband", _disband_fields()),
                           status=409 if isinstance(exc, Conflict) else 400)  # fmt: skip
    return _back(request, "web.group", view.entry.uid, "disbanded")


# -- corporate phone requests -------------------------------------------------------------------
def _phone_fields() -> list[FormField]:
    return [
        FormField("requester", "Who asks for a phone"),
        FormField("role", "Their role"),
        FormField("reason", "Why their role needs one", "textarea"),
        FormField("requested_on", "Asked on (optional)", "date", "Default: today."),
    ]


def _decision_fields() -> list[FormField]:
    return [
        FormField("decision", "Decision", "select", None,
                  (("approved", "Approved"), ("refused", "Refused"))),
        FormField("decided_by", "Budget centre liaison officer (optional)",
                  hint="Who decided. Default: you."),
        FormField("decided_on", "Decided on (optional)", "date", "Default: today."),
        FormField("note", "Their note (optional)", "textarea"),
    ]  # fmt: skip


def _phones_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, *, state: str = "",
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    found = phones.list_phone_requests(store, actor=caller.actor, status=state or None)
    rows = [
        {"href": request.app.url_path_for("web.phone", uid=r.uid), "cells": [
            r.requester, r.role, r.requested_on, r.decided_by or "", r.decided_on or ""],
         "tags": [_tag(r.status)]}
        for r in found
    ]  # fmt: skip
    add = FormSpec("add", "Record a request", "web.phones-create",
                   str(request.app.url_path_for("web.phones-create")), _phone_fields(),
                   "Add request", values or {})  # fmt: skip
    return _list_page(
        request, caller, title="Corporate phone requests",
        intro="Requests for a SCOTS-enabled corporate phone, each approved or refused by the"
        " requester's budget centre liaison officer (BCLO).",
        quotes=_quotes(_rule_cites(pack, "corporate_phone_approval"), pack),
        columns=["Requester", "Role", "Asked on", "Decided by", "Decided on", "Decision"],
        rows=rows, add=add, states=("pending", "approved", "refused"), state=state,
        errors=errors, status=status,
    )  # fmt: skip


@router.get("/phones", name="web.phones")
def phones_page(
    request: Request, caller: Annotated[Caller, allowed("web.phones")], store: RecordStore,
    pack: PackDep, state: State = "",
) -> Response:  # fmt: skip
    """Every corporate phone request, and the form to record one."""
    state = state if state in ("pending", "approved", "refused") else ""
    return _phones_page(request, caller, store, pack, state=state)


@router.post("/phones", name="web.phones-create")
def create_phone_request(
    request: Request, caller: Annotated[Caller, allowed("web.phones-create")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Record a request for a corporate phone."""
    values = _read(form, _phone_fields())
    try:
        made = phones.request_phone(
            store, requester=values["requester"], role=values["role"], reason=values["reason"],
            requested_on=values["requested_on"] or None, actor=caller.actor, now=clock(),
        )  # fmt: skip
    except InvalidInput as exc:
        return _phones_page(request, caller, store, pack, values=values,
                            errors=_error(exc, "add", _phone_fields()), status=400)  # fmt: skip
    return _back(request, "web.phone", made.uid, "added")


def _phone_page(
    request: Request, caller: Caller, store: RecordStore, pack: CompiledPack, uid: str, *,
    done: str = "", values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    r = phones.get_phone_request(store, ref=uid, actor=caller.actor)
    forms: list[FormSpec] = []
    if r.status == "pending":
        forms.append(FormSpec(
            "decide", "Record the officer's decision", "web.phone-decide",
            str(request.app.url_path_for("web.phone-decide", uid=r.uid)), _decision_fields(),
            "Record decision", values or {"decision": "approved"},
        ))  # fmt: skip
    return _entry_page(
        request, caller, title=r.requester, label="Corporate phone request",
        back=str(request.app.url_path_for("web.phones")), back_label="All requests",
        summary=[("Role", r.role), ("Why", r.reason), ("Asked on", r.requested_on),
                 ("Decided by", r.decided_by or "-"), ("Decided on", r.decided_on or "-"),
                 ("Note", r.decision_note or "-"),
                 ("Recorded", f"{r.recorded_at_utc} by {r.recorded_by}")],
        tags=[_tag(r.status)], quotes=_quotes(_rule_cites(pack, "corporate_phone_approval"), pack),
        forms=forms, done=done, errors=errors, status=status,
    )  # fmt: skip


@router.get("/phones/{uid}", name="web.phone")
def phone_page(
    request: Request, caller: Annotated[Caller, allowed("web.phone")], store: RecordStore,
    pack: PackDep, uid: Uid, done: str = "",
) -> Response:  # fmt: skip
    """One corporate phone request, and the form to record the decision."""
    return _phone_page(request, caller, store, pack, uid, done=done)


@router.post("/phones/{uid}/decision", name="web.phone-decide")
def decide_phone_request(
    request: Request, caller: Annotated[Caller, allowed("web.phone-decide")], form: Form,
    store: RecordStore, pack: PackDep, clock: ClockDep, uid: Uid,
) -> Response:  # fmt: skip
    """Record the budget centre liaison officer's decision."""
    values = _read(form, _decision_fields())
    try:
        decided = phones.decide_phone_request(
            store, ref=uid, decision=values["decision"], decided_by=values["decided_by"] or None,
            decided_on=values["decided_on"] or None, note=values["note"] or None,
            actor=caller.actor, now=clock(),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _phone_page(request, caller, store, pack, uid, values=values,
                           errors=_error(exc, "decide", _decision_fields()),
                           status=409 if isinstance(exc, Conflict) else 400)  # fmt: skip
    return _back(request, "web.phone", decided.uid, "decided")

"""The governance registers: ``commsgov registers exemptions|organisations|groups|phones|
reminders``. Each command parses, makes one service call and renders what comes back."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    BAD_INPUT,
    DatabaseOption,
    JsonOption,
    PackOption,
    actor,
    console,
    fail,
    load_compiled_pack,
    open_database,
    print_json,
)

if TYPE_CHECKING:
    import datetime as dt

    from commsgov.store.handle import Store

registers_app = typer.Typer(
    help="The governance registers: transition exemptions, federated organisations and guests, "
    "personal-device groups, corporate phone requests, and what is due in them.",
    no_args_is_help=True,
)
exemptions_app = typer.Typer(
    help="Transition exemptions: agencies and teams with a time-bound transition period.",
    no_args_is_help=True,
)
organisations_app = typer.Typer(
    help="External organisations federated with Teams or given guest access.",
    no_args_is_help=True,
)
groups_app = typer.Typer(
    help="Groups on personal devices: purpose, members, the day to disband them by.",
    no_args_is_help=True,
)
phones_app = typer.Typer(
    help="Requests for a corporate phone and the budget centre liaison officer's decision.",
    no_args_is_help=True,
)


def _o(flag: str, help_text: str) -> Any:
    """An option without a default shown."""
    return typer.Option(flag, help=help_text, show_default=False)


ByOption = Annotated[
    str | None,
    _o("--by", "Who is acting (default: COMMSGOV_USER or $USER)."),
]
AsOfOption = Annotated[
    str | None,
    _o("--as-of", "Day to judge on (YYYY-MM-DD; default today)."),
]
RefArgument = Annotated[str, typer.Argument(help="The entry's id (or a unique start of it).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")]


def _day(text: str | None, field: str) -> dt.date | None:
    """A day given at the command line (``YYYY-MM-DD``), or ``None``."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{field}: {text!r} is not a date (YYYY-MM-DD)", code=BAD_INPUT)


def _opt(text: str | None, field: str) -> str | None:
    """An optional day as text for a change (``none`` clears it)."""
    if text is None or text.strip().lower() == "none":
        return None if text is None else ""
    found = _day(text, field)
    return None if found is None else found.isoformat()


@contextmanager
def _store(database: str | None) -> Iterator[Store]:
    with closing(open_database(database)) as store:
        yield store


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console().print(table)
    if not rows:
        console().print("[dim]None.[/]")


def _fields(title: str, pairs: Sequence[tuple[str, object]]) -> None:
    lines = [title]
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        if isinstance(value, tuple | list):
            value = ", ".join(str(v) for v in value) or "none"
        lines.append(f"  {name:<{width}}  {value if value not in (None, '') else '-'}")
    sys.stdout.write("\n".join(lines) + "\n")


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    """The options given (``None``: not given; ``""``: cleared)."""
    found = {k: (None if v == "" else v) for k, v in values.items() if v is not None}
    if not found:
        fail("nothing to change: give at least one field option", code=BAD_INPUT)
    return found


# -- transition exemptions --------------------------------------------------------------------
def _show_exemption(view: Any) -> None:
    e = view.entry
    _fields(
        f"Transition exemption {e.uid} ({view.state} on {view.as_of})",
        [
            ("team", e.team),
            ("members", e.members),
            ("scope", e.scope),
            ("scenarios", e.scenarios or ("every scenario",)),
            ("from", e.starts_on),
            ("to", e.ends_on),
            ("approver", e.approver),
            ("mandate", e.mandate),
            ("recorded", f"{e.recorded_at_utc} by {e.recorded_by}"),
        ],
    )


@exemptions_app.command("add")
def exemption_add(
    team: Annotated[str, typer.Option("--team", help="The agency or team.")],
    scope: Annotated[str, typer.Option("--scope", help="What it covers, in words.")],
    starts: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    ends: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    approver: Annotated[str, typer.Option("--approver", help="Who approved it.")],
    mandate: Annotated[str, typer.Option("--mandate", help="On what authority.")],
    member: Annotated[
        list[str] | None,
        _o("--member", "A username or email address it covers (repeat)."),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        _o("--scenario", "A scenario id it covers (repeat; none: every one)."),
    ] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a time-bound transition period of an agency or team."""
    from commsgov.services import registers_exemptions as svc

    with _store(database) as store:
        view = svc.grant_exemption(
            store,
            team=team,
            scope=scope,
            starts_on=starts,
            ends_on=ends,
            approver=approver,
            mandate=mandate,
            members=member or (),
            scenarios=scenario or (),
            actor=actor(by),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_exemption(view)


@exemptions_app.command("change")
def exemption_change(
    ref: RefArgument,
    reason: ReasonOption,
    team: Annotated[str | None, _o("--team", "New team.")] = None,
    scope: Annotated[str | None, _o("--scope", "New scope.")] = None,
    starts: Annotated[str | None, _o("--from", "New first day.")] = None,
    ends: Annotated[
        str | None,
        _o("--to", "New last day (extend it, or end it early)."),
    ] = None,
    approver: Annotated[str | None, _o("--approver", "New approver.")] = None,
    mandate: Annotated[str | None, _o("--mandate", "New mandate.")] = None,
    member: Annotated[
        list[str] | None,
        _o("--member", "The members, replacing them (repeat)."),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        _o("--scenario", "The scenarios, replacing them (repeat)."),
    ] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a transition exemption (e.g. a new last day), with the reason."""
    from commsgov.services import registers_exemptions as svc

    changes = _changes(
        {
            "team": team,
            "scope": scope,
            "starts_on": _opt(starts, "--from"),
            "ends_on": _opt(ends, "--to"),
            "approver": approver,
            "mandate": mandate,
            "members": member,
            "scenarios": scenario,
        }
    )
    with _store(database) as store:
        view = svc.change_exemption(
            store,
            ref=ref,
            changes=changes,
            reason=reason,
            actor=actor(by),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_exemption(view)


@exemptions_app.command("list")
def exemption_list(
    state: Annotated[
        str | None,
        _o("--state", "Only not-started, active or ended ones."),
    ] = None,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the transition exemptions and their state on the day."""
    from commsgov.services import registers_exemptions as svc

    with _store(database) as store:
        views = svc.list_exemptions(store, actor=actor(), state=state, as_of=_day(as_of, "--as-of"))
    if as_json:
        print_json(views)
        return
    rows = [
        (
            v.entry.uid[:12],
            v.entry.team,
            v.entry.scope,
            f"{v.entry.starts_on} to {v.entry.ends_on}",
            v.state,
            v.entry.approver,
        )
        for v in views
    ]
    _table("Transition exemptions", ["Id", "Team", "Scope", "Period", "State", "Approver"], rows)


@exemptions_app.command("show")
def exemption_show(
    ref: RefArgument,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one transition exemption."""
    from commsgov.services import registers_exemptions as svc

    with _store(database) as store:
        view = svc.get_exemption(store, ref=ref, actor=actor(), as_of=_day(as_of, "--as-of"))
    print_json(view) if as_json else _show_exemption(view)


@exemptions_app.command("in-use")
def exemption_in_use(
    as_of: AsOfOption = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ended exemptions still in use: cited to the advisor after their end, or what they allowed
    captured by their members after it."""
    from commsgov.services import registers_exemptions as svc

    with _store(database) as store:
        report = svc.exemptions_in_use(store, actor=actor(by), as_of=_day(as_of, "--as-of"))
    if as_json:
        print_json(report)
        return
    rows = [
        (i.uid[:12], i.team, i.ends_on, str(len(i.citations)), str(len(i.captures)), i.last_used)
        for i in report.items
    ]
    columns = ["Id", "Team", "Ended", "Cited after", "Captures after", "Last used"]
    _table(f"Ended transition exemptions still in use on {report.as_of}", columns, rows)


# -- federated organisations and guests ------------------------------------------------------
def _show_organisation(view: Any) -> None:
    o = view.entry
    _fields(
        f"{o.organisation} ({o.uid})",
        [
            ("domains", o.domains),
            ("federated since", o.federated_since),
            ("guests since", o.guests_since),
            ("ended", o.ended_on),
            ("iFix", o.ifix_ref),
            (
                f"on {view.as_of}",
                ", ".join(
                    w
                    for w, on in (
                        ("federated", view.federated),
                        ("guest access", view.guest_access),
                    )
                    if on
                )
                or "neither",
            ),
            ("recorded", f"{o.recorded_at_utc} by {o.recorded_by}"),
        ],
    )


@organisations_app.command("add")
def organisation_add(
    name: Annotated[str, typer.Option("--name", help="The organisation.")],
    domain: Annotated[list[str], typer.Option("--domain", help="An email domain (repeat).")],
    federated_since: Annotated[
        str | None,
        _o("--federated-since", "Federated with Teams since (YYYY-MM-DD)."),
    ] = None,
    guests_since: Annotated[
        str | None,
        _o("--guests-since", "Guest access since (YYYY-MM-DD)."),
    ] = None,
    ifix: Annotated[
        str | None,
        _o("--ifix", "The iFix reference it was requested through."),
    ] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an organisation as federated (Teams chat and calls) or with guest access."""
    from commsgov.services import registers_organisations as svc

    with _store(database) as store:
        view = svc.register_organisation(
            store,
            organisation=name,
            domains=domain,
            federated_since=federated_since,
            guests_since=guests_since,
            ifix_ref=ifix,
            actor=actor(by),
        )
    print_json(view) if as_json else _show_organisation(view)


@organisations_app.command("change")
def organisation_change(
    ref: RefArgument,
    reason: ReasonOption,
    name: Annotated[str | None, _o("--name", "New name.")] = None,
    domain: Annotated[
        list[str] | None,
        _o("--domain", "The domains, replacing them (repeat)."),
    ] = None,
    federated_since: Annotated[
        str | None, _o("--federated-since", "Federated since (none: not).")
    ] = None,
    guests_since: Annotated[
        str | None, _o("--guests-since", "Guest access since (none: no).")
    ] = None,
    ended: Annotated[
        str | None,
        _o("--ended", "First day it no longer applies (withdrawn)."),
    ] = None,
    ifix: Annotated[str | None, _o("--ifix", "iFix reference.")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an organisation's entry (domains, dates, withdrawn), with the reason."""
    from commsgov.services import registers_organisations as svc

    changes = _changes(
        {
            "organisation": name,
            "domains": domain,
            "federated_since": _opt(federated_since, "--federated-since"),
            "guests_since": _opt(guests_since, "--guests-since"),
            "ended_on": _opt(ended, "--ended"),
            "ifix_ref": ifix,
        }
    )
    with _store(database) as store:
        view = svc.change_organisation(
            store, ref=ref, changes=changes, reason=reason, actor=actor(by)
        )
    print_json(view) if as_json else _show_organisation(view)


@organisations_app.command("list")
def organisation_list(
    as_of: AsOfOption = None, database: DatabaseOption = None, as_json: JsonOption = False
) -> None:
    """List the federated organisations and guests."""
    from commsgov.services import registers_organisations as svc

    with _store(database) as store:
        views = svc.list_organisations(store, actor=actor(), as_of=_day(as_of, "--as-of"))
    if as_json:
        print_json(views)
        return
    rows = [
        (
            v.entry.uid[:12],
            v.entry.organisation,
            ", ".join(v.entry.domains),
            "yes" if v.federated else "no",
            "yes" if v.guest_access else "no",
            v.entry.ifix_ref or "",
        )
        for v in views
    ]
    columns = ["Id", "Organisation", "Domains", "Federated", "Guests", "iFix"]
    _table("Federated organisations and guests", columns, rows)


@organisations_app.command("show")
def organisation_show(
    ref: RefArgument,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one organisation."""
    from commsgov.services import registers_organisations as svc

    with _store(database) as store:
        view = svc.get_organisation(store, ref=ref, actor=actor(), as_of=_day(as_of, "--as-of"))
    print_json(view) if as_json else _show_organisation(view)


# -- personal-device groups -------------------------------------------------------------------
def _show_group(view: Any) -> None:
    g = view.entry
    purpose = view.purpose_title if view.permitted else f"{g.purpose} (NOT a permitted use)"
    _fields(
        f"Group {g.name} ({g.uid}): {view.state} on {view.as_of}",
        [
            ("purpose", purpose),
            ("members", g.members),
            ("owner", g.owner),
            ("made", g.created_on),
            ("disband by", g.disband_by),
            ("disbanded", g.disbanded_on),
            ("recorded", f"{g.recorded_at_utc} by {g.recorded_by}"),
        ],
    )


@groups_app.command("add")
def group_add(
    name: Annotated[str, typer.Option("--name", help="The group's name.")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="Its purpose: a permitted use (see `purposes`).")
    ],
    owner: Annotated[str, typer.Option("--owner", help="Who runs it.")],
    created: Annotated[str, typer.Option("--created", help="The day it was made.")],
    disband_by: Annotated[str, typer.Option("--disband-by", help="The day to disband it by.")],
    member: Annotated[
        list[str] | None,
        _o("--member", "A member (repeat)."),
    ] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a group made on personal devices (a purpose not permitted is recorded, flagged)."""
    from commsgov.services import registers_groups as svc

    with _store(database) as store:
        view = svc.register_group(
            store,
            name=name,
            purpose=purpose,
            owner=owner,
            created_on=created,
            disband_by=disband_by,
            members=member or (),
            actor=actor(by),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_group(view)


@groups_app.command("change")
def group_change(
    ref: RefArgument,
    reason: ReasonOption,
    name: Annotated[str | None, _o("--name", "New name.")] = None,
    purpose: Annotated[str | None, _o("--purpose", "New purpose.")] = None,
    owner: Annotated[str | None, _o("--owner", "New owner.")] = None,
    disband_by: Annotated[str | None, _o("--disband-by", "New day to disband it by.")] = None,
    member: Annotated[
        list[str] | None,
        _o("--member", "The members, replacing them (repeat)."),
    ] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a group (members, purpose, the day to disband it by), with the reason."""
    from commsgov.services import registers_groups as svc

    changes = _changes(
        {
            "name": name,
            "purpose": purpose,
            "owner": owner,
            "disband_by": _opt(disband_by, "--disband-by"),
            "members": member,
        }
    )
    with _store(database) as store:
        view = svc.change_group(
            store,
            ref=ref,
            changes=changes,
            reason=reason,
            actor=actor(by),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_group(view)


@groups_app.command("disband")
def group_disband(
    ref: RefArgument,
    reason: ReasonOption,
    on: Annotated[str | None, _o("--on", "The day (default today).")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a group was disbanded, and how."""
    from commsgov.services import registers_groups as svc

    with _store(database) as store:
        view = svc.disband_group(
            store,
            ref=ref,
            reason=reason,
            disbanded_on=_day(on, "--on"),
            actor=actor(by),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_group(view)


@groups_app.command("list")
def group_list(
    state: Annotated[
        str | None,
        _o("--state", "Only open, due, overdue or disbanded ones."),
    ] = None,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the personal-device groups, by the day to disband them by."""
    from commsgov.services import registers_groups as svc

    with _store(database) as store:
        views = svc.list_groups(
            store,
            actor=actor(),
            state=state,
            as_of=_day(as_of, "--as-of"),
            pack=load_compiled_pack(pack),
        )
    if as_json:
        print_json(views)
        return
    rows = [
        (
            v.entry.uid[:12],
            v.entry.name,
            v.entry.purpose + ("" if v.permitted else " (FLAGGED)"),
            v.entry.owner,
            str(len(v.entry.members)),
            v.entry.disband_by,
            v.state,
        )
        for v in views
    ]
    columns = ["Id", "Group", "Purpose", "Owner", "Members", "Disband by", "State"]
    _table("Personal-device groups", columns, rows)


@groups_app.command("show")
def group_show(
    ref: RefArgument,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one personal-device group."""
    from commsgov.services import registers_groups as svc

    with _store(database) as store:
        view = svc.get_group(
            store,
            ref=ref,
            actor=actor(),
            as_of=_day(as_of, "--as-of"),
            pack=load_compiled_pack(pack),
        )
    print_json(view) if as_json else _show_group(view)


@groups_app.command("purposes")
def group_purposes(pack: PackOption = None, as_json: JsonOption = False) -> None:
    """The purposes the policy permits personal devices (and their groups) for."""
    from commsgov.registers import permitted_purposes

    found = permitted_purposes(load_compiled_pack(pack))
    if as_json:
        print_json(list(found))
        return
    _table("Permitted purposes", ["Id", "Purpose"], [(p.id, p.title) for p in found])


# -- corporate phone requests -----------------------------------------------------------------
def _show_request(request: Any) -> None:
    _fields(
        f"Corporate phone request {request.uid}: {request.status}",
        [
            ("requester", request.requester),
            ("role", request.role),
            ("reason", request.reason),
            ("requested", request.requested_on),
            ("decided by", request.decided_by),
            ("decided", request.decided_on),
            ("note", request.decision_note),
            ("recorded", f"{request.recorded_at_utc} by {request.recorded_by}"),
        ],
    )


@phones_app.command("request")
def phone_request(
    requester: Annotated[str, typer.Option("--requester", help="Who asks for a phone.")],
    role: Annotated[str, typer.Option("--role", help="Their role.")],
    reason: Annotated[str, typer.Option("--reason", help="Why their role needs one.")],
    on: Annotated[str | None, _o("--on", "The day asked (default today).")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a request for a corporate phone, pending the budget centre liaison officer."""
    from commsgov.services import registers_phones as svc

    with _store(database) as store:
        found = svc.request_phone(
            store,
            requester=requester,
            role=role,
            reason=reason,
            requested_on=_day(on, "--on"),
            actor=actor(by),
        )
    print_json(found) if as_json else _show_request(found)


@phones_app.command("decide")
def phone_decide(
    ref: RefArgument,
    decision: Annotated[str, typer.Argument(help="approved or refused.")],
    officer: Annotated[
        str | None,
        _o(
            "--officer",
            "The budget centre liaison officer who decided (default: whoever records it).",
        ),
    ] = None,
    on: Annotated[
        str | None,
        _o("--on", "The day decided (default today)."),
    ] = None,
    note: Annotated[str | None, _o("--note", "Why, as the officer put it.")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the budget centre liaison officer's decision on a request (once)."""
    from commsgov.services import registers_phones as svc

    with _store(database) as store:
        found = svc.decide_phone_request(
            store,
            ref=ref,
            decision=decision,
            decided_by=officer,
            decided_on=_day(on, "--on"),
            note=note,
            actor=actor(by),
        )
    print_json(found) if as_json else _show_request(found)


@phones_app.command("list")
def phone_list(
    status: Annotated[
        str | None,
        _o("--status", "Only pending, approved or refused ones."),
    ] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the corporate phone requests, newest first."""
    from commsgov.services import registers_phones as svc

    with _store(database) as store:
        found = svc.list_phone_requests(store, actor=actor(), status=status)
    if as_json:
        print_json(found)
        return
    rows = [
        (
            r.uid[:12],
            r.requester,
            r.role,
            r.requested_on,
            r.status,
            r.decided_by or "",
            r.decided_on or "",
        )
        for r in found
    ]
    columns = ["Id", "Requester", "Role", "Asked", "Decision", "By", "On"]
    _table("Corporate phone requests", columns, rows)


@phones_app.command("show")
def phone_show(
    ref: RefArgument, database: DatabaseOption = None, as_json: JsonOption = False
) -> None:
    """Show one corporate phone request."""
    from commsgov.services import registers_phones as svc

    with _store(database) as store:
        found = svc.get_phone_request(store, ref=ref, actor=actor())
    print_json(found) if as_json else _show_request(found)


# -- what is due ------------------------------------------------------------------------------
@registers_app.command("reminders")
def reminders(
    as_of: AsOfOption = None,
    within: Annotated[
        int, typer.Option("--within", min=0, max=366, help="Days ahead to warn of (due soon).")
    ] = 14,
    by: ByOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """What is due in the registers, most urgent first; exit 1 when anything is overdue (a group
    past its disband-by day, an ended exemption still in use), for scheduled jobs."""
    from commsgov.services import registers as svc

    with _store(database) as store:
        found = svc.reminders(
            store,
            actor=actor(by),
            as_of=_day(as_of, "--as-of"),
            soon=within,
            pack=load_compiled_pack(pack),
        )
    if as_json:
        print_json(found)
    else:
        lines = [f"Registers on {found.as_of}: {found.overdue} overdue, {len(found.items)} in all"]
        for item in found.items:
            lines.append(
                f"  {item.level.upper():<8} {item.register:<26} {item.uid[:12]}  {item.action}"
            )
        sys.stdout.write("\n".join(lines) + "\n")
    if found.overdue:
        raise typer.Exit(1)


registers_app.add_typer(exemptions_app, name="exemptions")
registers_app.add_typer(organisations_app, name="organisations")
registers_app.add_typer(groups_app, name="groups")
registers_app.add_typer(phones_app, name="phones")


def register(app: typer.Typer) -> None:
    """Add the registers group to the main app."""
    app.add_typer(registers_app, name="registers")

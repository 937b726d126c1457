"""Account commands: users add|list|disable|enable|reset-password|role, tokens create|list|revoke,
audit search|export|verify. Each writes the same audit events as the API, as ``$USER`` via
``cli``."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    DatabaseOption,
    JsonOption,
    console,
    open_database,
    print_json,
)
from .common import actor as current_actor  # (``actor`` is the audit commands' filter option)

if TYPE_CHECKING:
    from commsgov.services.audit import AuditFilter

users_app = typer.Typer(help="Manage user accounts and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens for machines.", no_args_is_help=True)
audit_app = typer.Typer(help="Search, export and verify the audit trail.", no_args_is_help=True)

RoleOption = Annotated[
    list[str],
    typer.Option(
        "--role", "-r", help="A role: staff, records-manager, auditor or admin (repeatable)."
    ),
]


def _user_row(user: Any) -> list[str]:
    state = (
        "disabled"
        if user.disabled
        else ("must change password" if user.must_change_password else "")
    )
    idents = ", ".join([*user.emails, *user.phones])
    return [user.username, user.display_name, ", ".join(user.roles), idents, state]


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The username (letters, digits, . _ @ -).")],
    role: RoleOption = [],  # noqa: B006 - Typer reads the default
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[
        list[str], typer.Option("--email", help="An email address that is theirs (repeatable).")
    ] = [],  # noqa: B006
    phone: Annotated[
        list[str], typer.Option("--phone", help="A phone number that is theirs (repeatable).")
    ] = [],  # noqa: B006
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input instead of making a one-time password.",
        ),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Add a user; without --password-stdin a one-time password is printed once."""
    from commsgov.services import users

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with closing(open_database(database)) as store:
        made = users.add_user(store, username=username, roles=role, display_name=name,
            emails=email, phones=phone, password=password, actor=current_actor(),
        )  # fmt: skip
    sys.stdout.write(f"added {made.user.username} ({', '.join(made.user.roles) or 'no roles'})\n")
    if made.password:
        sys.stdout.write(f"one-time password (shown once; change it at first sign-in): "
                         f"{made.password}\n")  # fmt: skip


@users_app.command("list")
def users_list(json_: JsonOption = False, database: DatabaseOption = None) -> None:
    """List users, their roles and identities."""
    from dataclasses import asdict

    from commsgov.services import users

    with closing(open_database(database)) as store:
        found = users.list_users(store)
    if json_:
        print_json([asdict(u) for u in found])
        return
    from rich.table import Table

    table = Table(title="Users")
    for column in ("Username", "Name", "Roles", "Email / phone", "State"):
        table.add_column(column)
    for user in found:
        table.add_row(*_user_row(user))
    console().print(table)


def _set_disabled(username: str, disabled: bool, database: str | None) -> None:
    from commsgov.services import users

    with closing(open_database(database)) as store:
        user = users.set_disabled(store, username, disabled, actor=current_actor())
    word = "disabled (sessions ended)" if user.disabled else "enabled"
    sys.stdout.write(f"{user.username} {word}\n")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")],
    database: DatabaseOption = None,
) -> None:
    """Disable a user: their sessions end at once and their tokens stop working."""
    _set_disabled(username, True, database)


@users_app.command("enable")
def users_enable(
    username: Annotated[str, typer.Argument(help="The user to enable.")],
    database: DatabaseOption = None,
) -> None:
    """Let a disabled user sign in again."""
    _set_disabled(username, False, database)


@users_app.command("reset-password")
def users_reset_password(
    username: Annotated[str, typer.Argument(help="The user.")],
    database: DatabaseOption = None,
) -> None:
    """Give a user a one-time password (printed once); their sessions end."""
    from commsgov.services import users

    with closing(open_database(database)) as store:
        made = users.reset_password(store, username, actor=current_actor())
    sys.stdout.write(f"one-time password for {made.user.username} (shown once): {made.password}\n")


@users_app.command("role")
def users_role(
    username: Annotated[str, typer.Argument(help="The user.")],
    roles: Annotated[
        list[str], typer.Argument(help="Exactly the roles they are to hold (none: no roles).")
    ] = [],  # noqa: B006
    database: DatabaseOption = None,
) -> None:
    """Give a user exactly these roles; their sessions end at once."""
    from commsgov.services import users

    with closing(open_database(database)) as store:
        user = users.set_roles(store, username, roles, actor=current_actor())
    sys.stdout.write(f"{user.username}: {', '.join(user.roles) or 'no roles'}\n")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option("--user", "-u", help="Whose token it is.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    role: RoleOption = [],  # noqa: B006
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="When it stops working (ISO date-time; default: never).",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create an API token (printed once: keep it; only a hash is stored)."""
    from commsgov.config import core_settings
    from commsgov.records.timestamps import parse_when
    from commsgov.services import tokens

    until = None
    if expires is not None:
        until = parse_when(expires, default_zone=core_settings().timezone, field="expires")
    with closing(open_database(database)) as store:
        made = tokens.create_token(store, username=user, name=name, roles=role or None,
            expires_at=until, actor=current_actor(),
        )  # fmt: skip
    sys.stdout.write(f"token {made.info.id} for {made.info.username} "
                     f"({', '.join(made.info.roles)}); shown once:\n{made.token}\n")  # fmt: skip


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's.")] = None,
    json_: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """List API tokens (never their secrets)."""
    from dataclasses import asdict

    from commsgov.services import tokens

    with closing(open_database(database)) as store:
        found = tokens.list_tokens(store, username=user)
    if json_:
        print_json([asdict(t) for t in found])
        return
    from rich.table import Table

    table = Table(title="API tokens")
    for column in ("Id", "User", "Name", "Roles", "Expires", "Last used", "Revoked"):
        table.add_column(column)
    for t in found:
        table.add_row(t.id, t.username, t.name, ", ".join(t.roles), t.expires_at or "never",
                      t.last_used_at or "—", t.revoked_at or "")  # fmt: skip
    console().print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (see `tokens list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke an API token for good."""
    from commsgov.services import tokens

    with closing(open_database(database)) as store:
        info = tokens.revoke_token(store, token_id, actor=current_actor())
    sys.stdout.write(f"token {info.id} of {info.username} revoked\n")


ActorFilter = Annotated[str | None, typer.Option("--actor", help="Who acted.")]
ActionFilter = Annotated[
    str | None, typer.Option("--action", help="An event kind (see docs/audit.md).")
]
TargetFilter = Annotated[
    str | None, typer.Option("--target", help="What it was about (end with * for a prefix).")
]
OutcomeFilter = Annotated[
    str | None, typer.Option("--outcome", help="ok, failed or refused.", show_default=False)
]
SinceFilter = Annotated[str | None, typer.Option("--since", help="From this date or date-time.")]
UntilFilter = Annotated[str | None, typer.Option("--until", help="Before this date or date-time.")]


def _filters(**given: str | None) -> AuditFilter:
    from commsgov.config import core_settings
    from commsgov.services import audit

    return audit.parse_filter(**given, zone=core_settings().timezone)


@audit_app.command("search")
def audit_search(
    actor: ActorFilter = None,
    action: ActionFilter = None,
    target: TargetFilter = None,
    outcome: OutcomeFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (newest first).")] = 100,
    json_: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """Search the audit trail (newest first); the search is itself recorded."""
    from commsgov.services import audit

    filters = _filters(actor=actor, action=action, target=target, outcome=outcome, since=since,
                       until=until)  # fmt: skip
    with closing(open_database(database, must_exist=True)) as store:
        found = audit.search(store, filters, actor=current_actor(), limit=limit)
    if json_:
        print_json([e.to_dict() for e in found])
        return
    from rich.table import Table

    table = Table(title="Audit trail")
    for column in ("#", "When (UTC)", "Actor", "From", "Action", "Target", "Outcome"):
        table.add_column(column)
    for e in found:
        where = e.source if e.source != "http" else (e.address or "http")
        table.add_row(str(e.seq), e.at[:19], e.actor, where, e.action, e.target, e.outcome)
    console().print(table)


@audit_app.command("export")
def audit_export(
    actor: ActorFilter = None,
    action: ActionFilter = None,
    target: TargetFilter = None,
    outcome: OutcomeFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (default: standard output).",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Export matching audit entries, oldest first, with their hashes (CSV or JSON)."""
    from commsgov.services import audit

    filters = _filters(actor=actor, action=action, target=target, outcome=outcome, since=since,
                       until=until)  # fmt: skip
    with closing(open_database(database, must_exist=True)) as store:
        text = audit.export(store, filters, fmt=fmt, actor=current_actor())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@audit_app.command("verify")
def audit_verify(json_: JsonOption = False, database: DatabaseOption = None) -> None:
    """Recompute the audit chain; exit 1 at the first broken link."""
    from dataclasses import asdict

    from commsgov.services import audit

    with closing(open_database(database, must_exist=True)) as store:
        report = audit.verify(store, actor=current_actor())
    if json_:
        print_json(asdict(report))
    elif report.ok:
        sys.stdout.write(f"OK: {report.entries} audit entries; head {report.head_seq} "
                         f"{report.head_hash}\n")  # fmt: skip
    else:
        sys.stderr.write(f"BROKEN: {report.problem}\n")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the account commands to the main app."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")

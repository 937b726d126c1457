"""Retention commands: retention when|due|review|dispose|explain|classify, hold, transfer."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    BAD_INPUT,
    DatabaseOption,
    JsonOption,
    PackOption,
    actor,
    fail,
    load_compiled_pack,
    open_database,
    print_json,
)

if TYPE_CHECKING:
    import datetime as dt

retention_app = typer.Typer(
    help="When things are deleted, what is due, review, disposal and explanations.",
    no_args_is_help=True,
)
hold_app = typer.Typer(
    help="Place, lift and list holds (inquiries, FOI requests).", no_args_is_help=True
)
transfer_app = typer.Typer(
    help="Build transfer packages (BagIt) for the archive and confirm accession.",
    no_args_is_help=True,
)

ActorOption = Annotated[
    str | None,
    typer.Option(
        "--by", help="Who is acting (default: COMMSGOV_USER or $USER).", show_default=False
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date or date-time to judge at (ISO 8601; default now).",
        show_default=False,
    ),
]
ZoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="Zone for times without an offset, and for due dates (default COMMSGOV_TIMEZONE).",
        show_default=False,
    ),
]


def _zone(name: str | None) -> str:
    from commsgov.config import core_settings

    return name or core_settings().timezone


def _instant(text: str, *, field: str, zone: str | None = None) -> dt.datetime:
    """An ISO 8601 date and time, read in ``zone`` (a bare date is its midnight there)."""
    from commsgov.records.timestamps import read_instant

    return read_instant(text, zone=_zone(zone), field=field)


def _moment(
    text: str | None, *, field: str, zone: str | None = None
) -> dt.date | dt.datetime | None:
    """An ISO 8601 date (kept a date: the services say what a whole day means where they use
    it) or date and time read in ``zone``; ``None`` when not given."""
    from commsgov.records.timestamps import read_moment

    return None if text is None else read_moment(text, zone=_zone(zone), field=field)


# -- retention ---------------------------------------------------------------------------------
@retention_app.command("when")
def when(
    channel: Annotated[
        str,
        typer.Option(
            "--channel",
            help="Channel or record class (teams-chat, teams-channel, email, 'MS Teams chat'...).",
        ),
    ],
    created: Annotated[
        str, typer.Option("--created", help="When the item was created (ISO 8601).")
    ],
    modified: Annotated[
        str | None,
        typer.Option(
            "--modified", help="When it was last changed (documents).", show_default=False
        ),
    ] = None,
    closed: Annotated[
        str | None,
        typer.Option(
            "--closed", help="When it was closed (closed-triggered schedules).", show_default=False
        ),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            "--event", help="When the trigger event happened (event schedules).", show_default=False
        ),
    ] = None,
    timezone: ZoneOption = None,
    as_of: AsOfOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tell a member of staff what happens to an item and when (no database needed)."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    start = _instant(created, field="--created", zone=timezone)
    changed = _instant(modified, field="--modified", zone=timezone) if modified else None
    closed_at = _instant(closed, field="--closed", zone=timezone) if closed else None
    event_at = _instant(event, field="--event", zone=timezone) if event else None
    result = svc.when(
        channel=channel,
        created=start,
        modified=changed,
        closed=closed_at,
        event=event_at,
        pack=compiled,
        as_of=_moment(as_of, field="--as-of", zone=timezone),
    )

    if as_json:
        print_json(result)
        return
    out = [result.advice, ""]
    out.append(f"Record class: {result.record_class} ({result.title})")
    period = result.period or "until review"
    out.append(f"Schedule:     {period} after {result.trigger}, then {result.action}")
    if result.due:
        out.append(f"Due:          {result.due}")
    if result.paused:
        out.append(f"Paused:       yes ({', '.join(result.held_by) or 'by the policy pack'})")
    out.append(f"Mandate:      {result.mandate}")
    for note in result.notes:
        out.append(f"Note:         {note}")
    for cite in result.citations:
        out.append(f'Source:       {cite.document}: "{cite.quote}"')
    sys.stdout.write("\n".join(out) + "\n")


@retention_app.command("due")
def due(
    as_of: AsOfOption = None,
    limit: Annotated[int, typer.Option("--limit", help="How many due records to list.")] = 50,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """List what is due for disposal by a date, by action with counts (holds excluded)."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    when_ = _moment(as_of, field="--as-of")
    with closing(open_database(database)) as store:
        report = svc.due(store, actor=actor(), as_of=when_, pack=compiled, limit=limit)
    if as_json:
        print_json(report)
        return
    lines = [f"Due by {report.as_of}: {report.total} record(s)"]
    for row in report.due:
        lines.append(f"  {row.action:<16} {row.count}")
    if report.held:
        lines.append(f"  (and {report.held} due but under a hold: kept)")
    for status, count in sorted(report.awaiting.items()):
        lines.append(f"Awaiting: {status:<32} {count}")
    for item in report.items:
        lines.append(
            f"  {item.record_uid}  {item.action:<8} due {item.due_at_utc[:10]}  "
            f"{item.method}  {item.subject or ''}".rstrip()
        )
    sys.stdout.write("\n".join(lines) + "\n")


@retention_app.command("review")
def review(
    records: Annotated[
        list[str] | None,
        typer.Argument(help="Record ids (or unique prefixes).", show_default=False),
    ] = None,
    decision: Annotated[
        str, typer.Option("--decision", help="destroy, transfer, extend or defer.")
    ] = "defer",
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")] = "",
    until: Annotated[
        str | None,
        typer.Option("--until", help="New review date, for extend (ISO 8601).", show_default=False),
    ] = None,
    all_due: Annotated[
        bool, typer.Option("--all-due", help="Decide on every record due for review (bulk).")
    ] = False,
    as_of: AsOfOption = None,
    stage: Annotated[int, typer.Option("--stage", help="Review stage: 1, or 2 to second.")] = 1,
    two_stage: Annotated[
        bool, typer.Option("--two-stage", help="Require a second reviewer before disposal.")
    ] = False,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a review decision on records, one by one or in bulk (--all-due)."""
    from commsgov import services as svc

    if not records and not all_due:
        fail("give record ids or --all-due", code=BAD_INPUT)
    compiled = load_compiled_pack(pack)
    new_date = _moment(until, field="--until")
    when_ = _moment(as_of, field="--as-of")
    with closing(open_database(database)) as store:
        results = svc.review(
            store,
            uids=records or [],
            all_due=all_due,
            as_of=when_,
            decision=decision,
            reason=reason,
            until=new_date,
            stage=stage,
            stages_required=2 if two_stage else 1,
            actor=actor(by),
            pack=compiled,
        )
    if as_json:
        print_json(results)
        return
    for r in results:
        sys.stdout.write(f"{r.uid}  {r.decision} -> {r.status}  (entry {r.entry_seq})\n")
    sys.stdout.write(f"{len(results)} record(s) reviewed.\n")


@retention_app.command("dispose")
def dispose(
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be destroyed.")
    ] = False,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy approved records and those a schedule deletes without review (never held ones),
    as the ledger proves them; exit 1 when a table row the ledger does not back was refused."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    when_ = _moment(as_of, field="--as-of")
    with closing(open_database(database)) as store:
        result = svc.dispose(store, as_of=when_, pack=compiled, actor=actor(by), dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    verb = "Would destroy" if dry_run else "Destroyed"
    for d in result.destroyed:
        sys.stdout.write(f"{verb} {d.uid}: {d.authority}\n")
    for s in result.skipped:
        sys.stdout.write(f"Kept {s.uid}: {s.reason}\n")
    for r in result.refused:
        sys.stderr.write(f"REFUSED {r.uid}: {r.reason}\n")
    sys.stdout.write(f"{verb} {len(result.destroyed)} record(s).\n")
    if result.refused:
        raise typer.Exit(1)


@retention_app.command("explain")
def explain(
    record: Annotated[str, typer.Argument(help="Record id (or a unique prefix).")],
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show each retention rule that applies to a record and why the outcome won."""
    from commsgov import services as svc
    from commsgov.services.dispositions import DisposedExplanation

    compiled = load_compiled_pack(pack)
    when_ = _moment(as_of, field="--as-of")
    with closing(open_database(database)) as store:
        info = svc.explain(store, record, actor=actor(), pack=compiled, as_of=when_)
    if as_json:
        print_json(info)
        return
    lines = [f"Record {info.uid}: {info.status}"]
    if isinstance(info, DisposedExplanation):
        cert = info.certificate
        lines.append(f"Disposed {info.disposed_at} under: {cert.authority}")
        lines.append(f"Approved by: {', '.join(cert.approved_by) or '(schedule, no review)'}")
        lines.append(f"Executed by: {cert.executed_by}")
        lines.append(f"Certificate SHA-256: {info.certificate_sha256}")
        lines.append(f"Record SHA-256 (kept): {info.stub.record_sha256}")
        sys.stdout.write("\n".join(lines) + "\n")
        return
    s = info.schedule
    lines.append(
        f"Schedule {s.id}: {s.period or 'until review'} after {s.trigger}, "
        f"then {s.action} ({s.mandate})"
    )
    for cite in s.citations:
        lines.append(f'  Source: {cite.document}: "{cite.quote}"')
    lines.append("Settings that apply:")
    lines += [f"  - {text}" for text in info.settings]
    for h in info.holds:
        state = "ACTIVE" if h.active else f"lifted {h.lifted_at} by {h.lifted_by}"
        lines.append(f"Hold {h.name} ({h.mandate}), placed by {h.placed_by}: {state}")
    lines.append("Why:")
    for step in info.outcome.steps:
        lines.append(f"  {step.principle}. {step.rule}: {step.detail}")
    if not info.outcome.steps:
        lines.append("  one setting applies: no conflict to resolve")
    out = info.outcome
    if out.held_by:
        lines.append(f"Outcome: kept (held by {', '.join(out.held_by)})")
    elif out.action and out.at:
        lines.append(f"Outcome: {out.action} on {out.at[:10]} (won by {out.winner})")
    else:
        lines.append("Outcome: kept until review")
    for r in info.reviews:
        lines.append(
            f"Review stage {r.stage}: {r.decision} by {r.reviewer} "
            f"{r.decided_at_utc[:10]}: {r.reason}"
        )
    sys.stdout.write("\n".join(lines) + "\n")


@retention_app.command("classify")
def classify(
    records: Annotated[list[str], typer.Argument(help="Record ids (or unique prefixes).")],
    record_class: Annotated[
        str, typer.Option("--class", help="Record class (a schedule id of the pack).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why the class is given.")] = "",
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give records an explicit record class; its schedule then applies to them."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        results = svc.classify(
            store,
            uids=records,
            record_class=record_class,
            reason=reason,
            actor=actor(by),
            pack=compiled,
        )
    if as_json:
        print_json(results)
        return
    for r in results:
        sys.stdout.write(f"{r.uid}  {r.record_class}  {r.action} due {r.due or 'at review'}\n")


# -- holds --------------------------------------------------------------------------------------
@hold_app.command("place")
def hold_place(
    name: Annotated[str, typer.Option("--name", help="Name, e.g. 'Covid-19 Inquiry'.")],
    mandate: Annotated[
        str, typer.Option("--mandate", help="On whose authority (e.g. 'FOI 2026/0123').")
    ],
    record: Annotated[
        list[str] | None, typer.Option("--record", help="Record id in scope (repeatable).")
    ] = None,
    participant: Annotated[
        list[str] | None,
        typer.Option("--participant", help="Participant name or number in scope (repeatable)."),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option(
            "--method", help="Channel in scope: id, alias or name, as at capture (repeatable)."
        ),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Items from this date or time.", show_default=False)
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Items up to this date or time.", show_default=False)
    ] = None,
    outage: Annotated[
        list[str] | None, typer.Option("--outage", help="Outage id in scope (repeatable).")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", help="Saved search: records holding every word.", show_default=False
        ),
    ] = None,
    record_class: Annotated[
        list[str] | None, typer.Option("--class", help="Record class in scope (repeatable).")
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Place a hold: nothing in its scope is disposed of until it is lifted. Channels are
    resolved as capture resolves them; a hold that covers nothing now is placed with a
    warning."""
    from commsgov import services as svc
    from commsgov.services.holds import hold_scope

    scope = hold_scope(
        records=record or (),
        participants=participant or (),
        methods=method or (),
        date_from=_moment(date_from, field="--from"),
        date_to=_moment(date_to, field="--to"),
        outages=outage or (),
        search=search,
        record_classes=record_class or (),
    )
    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        result = svc.place_hold(
            store, name=name, mandate=mandate, scope=scope, actor=actor(by), pack=compiled
        )
    if result.warning:
        sys.stderr.write(f"WARNING: {result.warning}\n")
    if as_json:
        print_json(result)
        return
    sys.stdout.write(
        f"Hold {result.uid} placed: {result.name} ({result.mandate}); "
        f"covers {len(result.covers)} record(s) now and any new ones in scope.\n"
    )


@hold_app.command("lift")
def hold_lift(
    hold: Annotated[str, typer.Argument(help="Hold id (or prefix) or exact name.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the hold is lifted.")] = "",
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lift a hold (its own audited act); due dates of what it covered are recomputed."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        result = svc.lift_hold(store, ref=hold, reason=reason, actor=actor(by), pack=compiled)
    if as_json:
        print_json(result)
        return
    still = sum(1 for r in result.recomputed if r.held)
    sys.stdout.write(
        f"Hold {result.name} lifted by {result.lifted_by}: {len(result.recomputed)} "
        f"record(s) recomputed, {still} still under another hold.\n"
    )


@hold_app.command("list")
def hold_list(
    include_lifted: Annotated[bool, typer.Option("--all", help="Include lifted holds.")] = False,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """List holds with their mandate, scope and how many records they cover."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        rows = svc.list_holds(store, actor=actor(), include_lifted=include_lifted, pack=compiled)
    if as_json:
        print_json(rows)
        return
    if not rows:
        sys.stdout.write("No holds.\n")
    for h in rows:
        state = "active" if h.lifted_at_utc is None else f"lifted {h.lifted_at_utc[:10]}"
        sys.stdout.write(
            f"{h.uid[:12]}  {h.name}  ({h.mandate})  by {h.placed_by}  {state}  covers {h.covers}\n"
        )


# -- transfer -----------------------------------------------------------------------------------
@transfer_app.command("build")
def transfer_build(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the bag and package in.")],
    consignment: Annotated[
        str | None,
        typer.Option(
            "--consignment", help="Consignment id (default: generated).", show_default=False
        ),
    ] = None,
    organisation: Annotated[
        str | None,
        typer.Option(
            "--organisation", help="Source organisation (default: the pack's).", show_default=False
        ),
    ] = None,
    record: Annotated[
        list[str] | None,
        typer.Option("--record", help="Only these approved records (repeatable)."),
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Package records approved for transfer as a validated BagIt bag and .tar.gz."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        result = svc.build_transfer(
            store,
            out_dir=out,
            consignment=consignment,
            organisation=organisation,
            uids=record or [],
            actor=actor(by),
            pack=compiled,
        )
    if as_json:
        print_json(result)
        return
    sys.stdout.write(
        f"Consignment {result.consignment}: {len(result.records)} record(s)\n"
        f"Bag:      {result.bag} (validated)\n"
        f"Package:  {result.package}\n"
        f"SHA-256:  {result.package_sha256} ({result.checksum_file})\n"
        "Records are transferred, awaiting accession: run `commsgov transfer confirm` "
        "when the archive confirms.\n"
    )
    for uid in result.refused:
        sys.stderr.write(
            f"REFUSED {uid}: approved for transfer in the table but not on the ledger\n"
        )
    if result.refused:
        raise typer.Exit(1)


@transfer_app.command("confirm")
def transfer_confirm(
    consignment: Annotated[str, typer.Argument(help="Consignment id.")],
    accession: Annotated[
        str | None,
        typer.Option("--accession", help="The archive's accession reference.", show_default=False),
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """The archive accessioned a consignment: dispose of its records here, keeping stubs."""
    from commsgov import services as svc

    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        result = svc.confirm_transfer(
            store, consignment=consignment, accession=accession, actor=actor(by), pack=compiled
        )
    if as_json:
        print_json(result)
        return
    sys.stdout.write(
        f"Consignment {consignment} accessioned: {len(result.records)} record(s) disposed of "
        "here (stubs and certificates kept).\n"
    )
    for uid in result.refused:
        sys.stderr.write(f"REFUSED {uid}: the ledger does not put it in this consignment\n")
    if result.refused:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the retention, hold and transfer commands to the main app."""
    app.add_typer(retention_app, name="retention")
    app.add_typer(hold_app, name="hold")
    app.add_typer(transfer_app, name="transfer")

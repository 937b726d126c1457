"""Record commands: capture, outage, verify, receipt, records, report exceptions, db upgrade."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    BAD_INPUT,
    DatabaseOption,
    DeviceChoice,
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

    from commsgov.records.views import RecordSummary
    from commsgov.services.query import RecordQuery

outage_app = typer.Typer(
    help="Declare, end and list outages (and exemptions).", no_args_is_help=True
)
records_app = typer.Typer(
    help="List, show, search and export the corporate record.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports on the corporate record.", no_args_is_help=True)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)

ActorOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who is making the change (default: COMMSGOV_USER or $USER).",
        show_default=False,
    ),
]


def _when(text: str | None, *, field: str, zone: str | None) -> dt.datetime | None:
    if text is None:
        return None
    from commsgov.config import core_settings
    from commsgov.records.timestamps import parse_when

    when: dt.datetime = parse_when(text, default_zone=zone or core_settings().timezone, field=field)
    return when


def _query(
    terms: str | None,
    since: str | None,
    until: str | None,
    method: str | None,
    participant: str | None,
    outage: str | None,
) -> RecordQuery:
    """The query as typed (dates parsed; what they mean is the services' to say)."""
    from commsgov.config import core_settings
    from commsgov.records.timestamps import parse_moment
    from commsgov.services.query import RecordQuery

    zone = core_settings().timezone
    return RecordQuery(
        terms=terms,
        since=parse_moment(since, default_zone=zone, field="since") if since else None,
        until=parse_moment(until, default_zone=zone, field="until") if until else None,
        method=method,
        participant=participant,
        outage=outage,
        zone=zone,
    )


SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this date/time (ISO 8601).", show_default=False)
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Up to this date/time (a bare date includes the whole day).",
        show_default=False,
    ),
]
MethodOption = Annotated[
    str | None, typer.Option("--method", help="Only this channel (id or name).", show_default=False)
]
ParticipantOption = Annotated[
    str | None,
    typer.Option(
        "--participant",
        help="Only records with a participant matching this text.",
        show_default=False,
    ),
]
OutageFilter = Annotated[
    str | None,
    typer.Option("--outage", help="Only records under this outage id.", show_default=False),
]
LimitOption = Annotated[int, typer.Option("--limit", help="At most this many records.", min=1)]


# -- capture --------------------------------------------------------------------------------
def _prompt_missing(values: dict[str, Any]) -> dict[str, Any]:
    """Ask for missing fields, but only on a terminal (scripts and pipes are never prompted)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return values
    if not values["method"]:
        values["method"] = typer.prompt("Method (channel id or app name, e.g. whatsapp)")
    if not values["at"]:
        values["at"] = typer.prompt("When (ISO date and time, e.g. 2026-11-24 14:30)")
    if not values["with_"]:
        people = typer.prompt(
            "With (names, comma separated; 'Name <number> @Org !external')", default=""
        )
        values["with_"] = [p for p in (x.strip() for x in people.split(",")) if p]
    if not (values["summary"] or values["content"] or values["subject"]):
        values["summary"] = typer.prompt("Summary of the communication")
    return values


def capture(
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            "-m",
            help="Channel id or app name (e.g. whatsapp, personal-phone, signal).",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it happened (ISO 8601; without an offset, read in --zone).",
            show_default=False,
        ),
    ] = None,
    zone: Annotated[
        str | None,
        typer.Option(
            "--zone",
            help="Time zone of --at when it has no "
            "offset (default COMMSGOV_TIMEZONE, Europe/London).",
            show_default=False,
        ),
    ] = None,
    with_: Annotated[
        list[str] | None,
        typer.Option(
            "--with",
            "-w",
            help="A participant: 'Name', "
            "'Name <number>', '@Organisation', '!external'"
            " (repeat for each).",
            show_default=False,
        ),
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject.", show_default=False)
    ] = None,
    summary: Annotated[
        str | None,
        typer.Option("--summary", "-s", help="Summary of what was said.", show_default=False),
    ] = None,
    content: Annotated[
        str | None, typer.Option("--content", help="Full content, verbatim.", show_default=False)
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Scenario id from the pack.", show_default=False),
    ] = None,
    device: Annotated[
        DeviceChoice | None,
        typer.Option(
            "--device",
            help="Device it was on (default: the channel's usual device).",
            show_default=False,
        ),
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option(
            "--attach", "-a", help="A file to attach (repeat for each).", show_default=False
        ),
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Capture a communication into the corporate record (prompts on a terminal for what is
    missing; never prompts in a script)."""
    from commsgov import services as svc
    from commsgov.records.models import Participant, RecordDraft

    values = _prompt_missing(
        {
            "method": method,
            "at": at,
            "with_": with_ or [],
            "summary": summary,
            "content": content,
            "subject": subject,
        }
    )
    if not values["method"]:
        fail("method: a method (channel id) is required (--method)", code=BAD_INPUT)
    if not values["at"]:
        fail("at: when it happened is required (--at)", code=BAD_INPUT)
    when = _when(values["at"], field="at", zone=zone)
    assert when is not None
    participants = tuple(Participant.parse(p) for p in values["with_"])
    draft = RecordDraft(
        method=values["method"],
        occurred_at=when,
        device=device.value if device else None,
        participants=participants,
        subject=values["subject"],
        summary=values["summary"],
        content=values["content"],
        scenario=scenario,
    )
    compiled = load_compiled_pack(pack)
    with closing(open_database(database)) as store:
        result = svc.capture(store, draft, actor=actor(by), attach=attach or [], pack=compiled)
    if as_json:
        print_json(result)
        return
    out = console()
    out.print(f"Captured record {result.uid} (ledger entry {result.ledger_seq}).")
    if result.outage_uid:
        out.print(f"Covered by outage {result.outage_uid}.")
    if result.policy_exception:
        exc = result.policy_exception
        out.print(f"[bold red]Policy exception ({exc.rule}):[/] {exc.reason}.")
        out.print(f'  "{exc.quote}" ({exc.document})')


# -- outages --------------------------------------------------------------------------------
@outage_app.command("start")
def outage_start(
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why (e.g. 'SCOTS down: cyber-attack').")
    ],
    at: Annotated[
        str | None, typer.Option("--at", help="When it began (default now).", show_default=False)
    ] = None,
    exemption: Annotated[
        bool,
        typer.Option(
            "--exemption",
            help="Declare a time-bound exemption (transition period) rather than an outage.",
        ),
    ] = False,
    by: ActorOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare an outage: from then on, non-corporate captures are covered, not exceptions."""
    from commsgov import services as svc

    started = _when(at, field="at", zone=None)
    with closing(open_database(database)) as store:
        state = svc.start_outage(
            store,
            reason=reason,
            started_at=started,
            actor=actor(by),
            kind="exemption" if exemption else "outage",
        )
    if as_json:
        print_json(state)
    else:
        console().print(
            f"{state.kind.capitalize()} {state.uid} declared by "
            f"{state.declared_by}, from {state.started_at_utc}."
        )


@outage_app.command("end")
def outage_end(
    outage_id: Annotated[
        str | None, typer.Argument(help="Outage id (default: the open one).", show_default=False)
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it ended (default now).", show_default=False)
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare the open outage over."""
    from commsgov import services as svc

    ended = _when(at, field="at", zone=None)
    with closing(open_database(database)) as store:
        state = svc.end_outage(store, uid=outage_id, ended_at=ended, actor=actor(by))
    if as_json:
        print_json(state)
    else:
        console().print(f"Outage {state.uid} ended at {state.ended_at_utc} by {state.ended_by}.")


@outage_app.command("list")
def outage_list(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List outages and exemptions, newest first, with who declared them and when."""
    from rich.table import Table

    from commsgov import services as svc

    with closing(open_database(database)) as store:
        rows = svc.list_outages(store, actor=actor())
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "from (UTC)", "to (UTC)", "reason", "declared by", "declared at")
    for r in rows:
        table.add_row(
            r.uid[:12],
            r.kind,
            r.started_at_utc[:16],
            (r.ended_at_utc or "open")[:16],
            r.reason,
            r.declared_by,
            r.declared_at_utc[:16],
        )
    console().print(table)


# -- verify and receipts --------------------------------------------------------------------
def verify(
    database: DatabaseOption = None,
    skip_files: Annotated[
        bool, typer.Option("--skip-files", help="Do not rehash stored files.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Recompute the ledger's chain, every stored hash and the audit trail's chain; exit 1 at the
    first broken link."""
    from commsgov import services as svc

    with closing(open_database(database, must_exist=True)) as store:
        report = svc.verify(store, actor=actor(), check_blobs=not skip_files)
    if as_json:
        print_json(report)
    elif report.problem is not None:
        sys.stderr.write(f"BROKEN: {report.problem}\n")
    else:
        sys.stdout.write(
            f"OK: {report.entries} ledger entries, {report.records} records, {report.messages} "
            f"messages, {report.outages} outages, {report.registers} register entries, "
            f"{report.blobs} files, {report.audit_entries} audit entries verified.\n"
            f"Head: entry {report.head_seq} {report.head_hash}\n"
        )
        if report.checkpoint_seq is not None:
            sys.stdout.write(
                f"Signed: entry {report.checkpoint_seq} at {report.checkpoint_at} by store "
                f"{report.store_id}\n"
            )
    if not as_json:
        if report.orphan_blobs:
            sys.stdout.write(
                f"Note: {len(report.orphan_blobs)} stored file(s) are referenced by "
                "no record (left by an interrupted write; `commsgov store clean` removes them).\n"
            )
        if report.temp_files:
            sys.stdout.write(
                f"Note: {len(report.temp_files)} temporary file(s) were left by killed writes "
                "(`commsgov store clean`, or the next change, removes them).\n"
            )
        for note in report.notes:
            sys.stdout.write(f"Note: {note}.\n")
    if report.problem is not None:
        raise typer.Exit(1)


def receipt(
    record: Annotated[
        str | None, typer.Argument(help="Record id (or a unique prefix).", show_default=False)
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            help="Check a saved receipt (JSON file) against the store.",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Print a receipt for a record (JSON: keep it), or check one later with --check FILE
    (its entries, its history, every file of the record rehashed, and the whole chain)."""
    from commsgov import services as svc

    if (record is None) == (check is None):
        fail("give a RECORD to print its receipt, or --check FILE", code=BAD_INPUT)
    assert record is not None or check is not None
    with closing(open_database(database, must_exist=True)) as store:
        if check is not None:
            try:
                data = json.loads(check.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                fail(f"check: cannot read receipt {check}: {exc}", code=BAD_INPUT)
            problems = svc.check_receipt(store, data, actor=actor())
            if problems:
                for p in problems:
                    sys.stderr.write(f"FAILED: {p}\n")
                raise typer.Exit(1)
            sys.stdout.write(
                f"OK: receipt for record {data['record_uid']} holds (entry "
                f"{data['entry_seq']}, head {data['head_seq']}; its files rehashed).\n"
            )
            return
        assert record is not None
        print_json(svc.receipt(store, record, actor=actor()))


# -- records --------------------------------------------------------------------------------
def _table(rows: Sequence[RecordSummary]) -> None:
    from rich.table import Table

    table = Table(
        "id", "when (local)", "method", "device", "with", "subject / summary", "msgs", "flags"
    )
    for r in rows:
        flags = []
        if r.policy_exception:
            flags.append("EXCEPTION")
        if r.outage_uid:
            flags.append("outage")
        text = r.subject or r.summary or r.content or ""
        table.add_row(
            r.uid[:12],
            r.occurred_local[:16],
            r.method,
            r.device,
            ", ".join(p.name for p in r.participants),
            text[:60],
            str(r.message_count),
            " ".join(flags),
        )
    console().print(table)
    console().print(f"{len(rows)} record(s).")


@records_app.command("list")
def records_list(
    since: SinceOption = None,
    until: UntilOption = None,
    method: MethodOption = None,
    participant: ParticipantOption = None,
    outage: OutageFilter = None,
    limit: LimitOption = 100,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """List records, most recent first."""
    from commsgov import services as svc

    query = _query(None, since, until, method, participant, outage)
    compiled = load_compiled_pack(pack)
    with closing(open_database(database, must_exist=True)) as store:
        rows = svc.list_records(store, actor=actor(), query=query, limit=limit, pack=compiled)
    print_json(rows) if as_json else _table(rows)


@records_app.command("show")
def records_show(
    record: Annotated[str, typer.Argument(help="Record id (or a unique prefix).")],
    messages: Annotated[
        int, typer.Option("--messages", help="Show at most this many messages (0: all).", min=0)
    ] = 200,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one record: its fields, hash, ledger history and messages."""
    from commsgov import services as svc

    with closing(open_database(database, must_exist=True)) as store:
        data = svc.get_record(store, record, actor=actor(), message_limit=messages or None)
    if as_json:
        print_json(data)
        return
    out = console()
    for key in (
        "uid",
        "method",
        "device",
        "occurred_local",
        "occurred_zone",
        "occurred_at_utc",
        "captured_at_utc",
        "captured_by",
        "subject",
        "summary",
        "content",
        "scenario",
        "outage_uid",
        "record_sha256",
    ):
        if getattr(data, key) is not None:
            out.print(f"{key:>16}: {getattr(data, key)}", markup=False)
    for p in data.participants:
        out.print(f"{'with':>16}: {p.name} {p.number or ''} {p.organisation or ''}", markup=False)
    for a in data.attachments:
        out.print(
            f"{'attachment':>16}: {a.filename} ({a.size} bytes, sha256 {a.sha256})", markup=False
        )
    if data.policy_exception:
        out.print(f"{'EXCEPTION':>16}: {data.policy_exception.reason}", markup=False)
    for e in data.ledger:
        out.print(f"{'ledger':>16}: #{e.seq} {e.kind} by {e.actor} at {e.at}", markup=False)
    for source in data.sources[1:]:
        out.print(
            f"{'also from':>16}: {source.file_name} ({source.format}, sha256 {source.file_sha256})",
            markup=False,
        )
    for m in data.messages:
        who = f"{m.sender}" if m.kind == "message" else f"(system) {m.sender or ''}"
        flags = f"  [{', '.join(m.flags)}]" if m.flags else ""
        out.print(f"  [{m.sent_local}] {who.rstrip()}: {m.text}{flags}", markup=False)
        for a in m.attachments:
            if not a.sha256:  # a reference only: the export named it, did not hold it
                out.print(f"      attached: {a.filename} (not in the export)", markup=False)
                continue
            kind = f"{a.media_type}, " if a.media_type else ""
            out.print(
                f"      attached: {a.filename} ({kind}{a.size} bytes, sha256 {a.sha256})",
                markup=False,
            )


@records_app.command("correct")
def records_correct(
    record: Annotated[str, typer.Argument(help="Record id (or a unique prefix).")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why the record is corrected.")],
    subject: Annotated[
        str | None, typer.Option("--subject", help="New subject.", show_default=False)
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", help="New summary.", show_default=False)
    ] = None,
    content: Annotated[
        str | None, typer.Option("--content", help="New full content.", show_default=False)
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="New scenario id.", show_default=False)
    ] = None,
    with_: Annotated[
        list[str] | None,
        typer.Option(
            "--with", "-w", help="Replace the participants (repeat for each).", show_default=False
        ),
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
) -> None:
    """Correct a record: a new ledger entry; the earlier values stay in the ledger."""
    from commsgov import services as svc
    from commsgov.records.models import Participant

    changes: dict[str, Any] = {
        k: v
        for k, v in (("subject", subject), ("summary", summary), ("content", content))
        if v is not None
    }
    if scenario is not None:
        changes["scenario"] = scenario
    if with_:
        changes["participants"] = [Participant.parse(p) for p in with_]
    if not changes:
        fail("give at least one field to correct (--summary, --subject, ...)", code=BAD_INPUT)
    compiled = load_compiled_pack(pack)
    with closing(open_database(database, must_exist=True)) as store:
        done = svc.correct_record(store, uid=record, changes=changes, reason=reason,
                                  actor=actor(by), pack=compiled)  # fmt: skip
    console().print(f"Corrected ({', '.join(done.fields)}) in ledger entry {done.ledger_seq}.")


@records_app.command("file")
def records_file(
    sha256: Annotated[
        str,
        typer.Argument(
            help="SHA-256 of a stored file (an attachment or an original export; see records show)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")],
    database: DatabaseOption = None,
) -> None:
    """Write out a stored file after checking its bytes against its SHA-256 (exit 1 if altered)."""
    from commsgov import services as svc

    with closing(open_database(database, must_exist=True)) as store:
        data = svc.read_file(store, sha256, actor=actor(), output=output)
    sys.stderr.write(f"Wrote {len(data)} bytes to {output} (SHA-256 verified).\n")


@records_app.command("search")
def records_search(
    terms: Annotated[
        str, typer.Argument(help="Words to find (all of them; 'word*' for a prefix).")
    ],
    since: SinceOption = None,
    until: UntilOption = None,
    method: MethodOption = None,
    participant: ParticipantOption = None,
    outage: OutageFilter = None,
    limit: LimitOption = 100,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over content, participants and messages."""
    from commsgov import services as svc

    query = _query(terms, since, until, method, participant, outage)
    compiled = load_compiled_pack(pack)
    with closing(open_database(database, must_exist=True)) as store:
        rows = svc.search_records(store, actor=actor(), query=query, limit=limit, pack=compiled)
    if as_json:
        print_json(rows)
        return
    _table(rows)
    for r in rows:
        for m in r.matching_messages[:5]:
            console().print(
                f"  {r.uid[:12]} [{m.sent_local[:16]}] {m.sender or '(system)'}: {m.text[:80]}",
                markup=False,
            )


@records_app.command("export")
def records_export(
    terms: Annotated[
        str | None,
        typer.Argument(
            help="Search words (default: every record that matches the filters).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "json",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (default stdout).", show_default=False
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    method: MethodOption = None,
    participant: ParticipantOption = None,
    outage: OutageFilter = None,
    limit: LimitOption = 10_000,
    by: ActorOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
) -> None:
    """Export records with their messages and hashes (CSV or JSON), e.g. for an FOI request.

    The export is logged in the ledger (``records-exported``) with the SHA-256 of its text, after
    the file is written (whole: a temporary file renamed into place)."""
    from commsgov import services as svc

    query = _query(terms, since, until, method, participant, outage)
    compiled = load_compiled_pack(pack)
    with closing(open_database(database, must_exist=True)) as store:
        export = svc.export_records(
            store, actor=actor(by), fmt=fmt, query=query, limit=limit, pack=compiled,
            output=output if output is not None else _to_stdout,
        )  # fmt: skip
    if output is not None:
        sys.stderr.write(f"Exported {len(export.records)} record(s) to {output}\n")


def _to_stdout(text: str) -> None:
    """Write an export to standard output, flushed: a full disk or a closed pipe fails here,
    before the export is logged."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError:
        # what is still buffered could not be written either: send it nowhere, so that exiting
        # does not fail again on it (the recipe of Python's docs for a closed pipe)
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise


@report_app.command("exceptions")
def report_exceptions(
    since: SinceOption = None,
    until: UntilOption = None,
    method: MethodOption = None,
    database: DatabaseOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Captures that breached the policy (an MMA or personal device outside any outage)."""
    from rich.table import Table

    from commsgov import services as svc
    from commsgov.jsonable import jsonable

    query = _query(None, since, until, method, None, None)
    compiled = load_compiled_pack(pack)
    with closing(open_database(database, must_exist=True)) as store:
        rows = svc.exceptions(store, actor=actor(), query=query, pack=compiled)
    breaches = [(r, r.policy_exception) for r in rows if r.policy_exception is not None]
    if as_json:
        print_json(
            [
                {
                    "uid": r.uid,
                    "occurred_at_utc": r.occurred_at_utc,
                    "method": r.method,
                    "device": r.device,
                    "captured_by": r.captured_by,
                    **jsonable(e),
                }
                for r, e in breaches
            ]
        )
        return
    table = Table("id", "when (local)", "method", "device", "captured by", "rule", "breach")
    for r, e in breaches:
        table.add_row(
            r.uid[:12], r.occurred_local[:16], r.method, r.device, r.captured_by, e.rule, e.reason
        )
    out = console()
    out.print(table)
    if breaches:
        e = breaches[0][1]
        out.print(f'Rule: "{e.quote}" ({e.document})', markup=False)
    out.print(f"{len(rows)} exception(s).")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Create or migrate the database to the latest schema."""
    from commsgov.store import migrate

    with closing(open_database(database)) as store:
        revision = migrate.current(store.engine)
    sys.stdout.write(f"Database at revision {revision}: {store.url.split('@')[-1]}\n")


def register(app: typer.Typer) -> None:
    """Add the record commands to the main app."""
    app.command("capture")(capture)
    app.add_typer(outage_app, name="outage")
    app.command("verify")(verify)
    app.command("receipt")(receipt)
    app.add_typer(records_app, name="records")
    app.add_typer(report_app, name="report")
    app.add_typer(db_app, name="db")

"""Policy commands: advise, ask, matrix, scenarios, channels, pack validate|schema."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
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

    from commsgov.asking import Answer
    from commsgov.policy.advice import Advice, AdviceSet
    from commsgov.policy.compiled import CompiledPack

_VERDICT_STYLE = {"allowed": "bold green", "conditional": "bold yellow", "not-allowed": "bold red"}
_VERDICT_WORD = {"allowed": "Allowed", "conditional": "Conditional", "not-allowed": "Not allowed"}


class RiskChoice(StrEnum):
    secure = "secure"
    at_risk = "at-risk"


# What the registers know comes from the store, which costs ~0.4 s to open: only when asked.
TeamOption = Annotated[
    str | None,
    typer.Option(
        "--team",
        envvar="COMMSGOV_TEAM",
        show_default=False,
        help="Your agency or team: its transition exemption, if the register has one, applies "
        "(COMMSGOV_TEAM; reads the registers).",
    ),
]
WithOption = Annotated[
    str | None,
    typer.Option(
        "--with",
        show_default=False,
        help="An email address (or domain) of the external people: their organisation's "
        "federation or guest access, from the register.",
    ),
]
WithOrgOption = Annotated[
    str | None,
    typer.Option(
        "--with-org",
        show_default=False,
        help="The external organisation, by name: its federation or guest access, from the "
        "register.",
    ),
]
RegistersOption = Annotated[
    bool,
    typer.Option(
        "--registers",
        help="Read the registers even without --team or --with: your exemptions as a member "
        "(--by), organisations the question names.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        show_default=False,
        help="Day to judge the registers on (YYYY-MM-DD; default today).",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by", show_default=False, help="Who is asking (default: COMMSGOV_USER or $USER)."
    ),
]


def _named(with_: str | None, with_org: str | None) -> str | None:
    if with_ and with_org:
        fail("give --with or --with-org, not both", code=BAD_INPUT)
    return with_org or with_


def _as_of(text: str | None) -> dt.date | None:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of: {text!r} is not a date (YYYY-MM-DD)", code=BAD_INPUT)


def advise(
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", "-s", help="Scenario id (see `commsgov scenarios`).", show_default=False
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            "-c",
            show_default=False,
            help="Channel id, alias or app name (see `commsgov channels`). "
            "Omit to advise on every channel.",
        ),
    ] = None,
    outage: Annotated[
        bool, typer.Option("--outage", help="SCOTS and/or all major corporate services are down.")
    ] = False,
    external: Annotated[
        bool, typer.Option("--external", help="People from an external organisation take part.")
    ] = False,
    federated: Annotated[
        bool,
        typer.Option(
            "--federated",
            help="The external organisation is federated with (or has guest access to) your Teams.",
        ),
    ] = False,
    abroad: Annotated[
        bool, typer.Option("--abroad", help="You are abroad on official business.")
    ] = False,
    country_risk: Annotated[
        RiskChoice | None,
        typer.Option(
            "--country-risk", help="Risk rating of the country you are in.", show_default=False
        ),
    ] = None,
    device: Annotated[
        DeviceChoice, typer.Option("--device", help="The device you would use.")
    ] = DeviceChoice.corporate,
    exemption: Annotated[
        bool,
        typer.Option("--exemption", help="Your team has an active time-bound transition period."),
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Your role (e.g. staff, contractor, minister, special-adviser).",
            show_default=False,
        ),
    ] = None,
    hosting: Annotated[
        bool,
        typer.Option(
            "--hosting",
            help="You host the Teams meeting the external people attend (needs neither "
            "federation nor guest access).",
        ),
    ] = False,
    team: TeamOption = None,
    with_: WithOption = None,
    with_org: WithOrgOption = None,
    registers: RegistersOption = False,
    as_of: AsOfOption = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    json_: JsonOption = False,
    pack: PackOption = None,
) -> None:
    """Which channel may I use? The verdict, conditions, duties, alternatives and sources, and
    the register entries that changed the answer."""
    from commsgov.policy.advice import advise as run_advice

    compiled = load_compiled_pack(pack)
    if scenario is None:
        scenario, channel = _ask(compiled, channel)
    named = _named(with_, with_org)
    asked: dict[str, Any] = dict(
        channel=channel,
        device=device.value,
        outage=outage,
        external=external,
        federated=federated,
        abroad=abroad,
        country_risk=country_risk.value if country_risk else None,
        exemption=exemption,
        role=role,
        hosted_meeting=hosting,
    )
    result: Advice | AdviceSet
    if team or named or registers:
        from contextlib import closing

        from commsgov.services.registers_advice import Asking, advise_for

        asking = Asking.of(actor(by), team=team, named=named, as_of=_as_of(as_of), pack=compiled)
        with closing(open_database(database)) as store:
            result = advise_for(store, asking, scenario=scenario, **asked)
    else:
        result = run_advice(scenario=scenario, pack=compiled, **asked)
    if json_:
        print_json(result.to_dict())
    else:
        _render(result)


def ask(
    question: Annotated[
        str,
        typer.Argument(
            help='Your question in plain words, e.g. "Can I WhatsApp my manager that I\'m late?"',
            show_default=False,
        ),
    ],
    team: TeamOption = None,
    with_: WithOption = None,
    with_org: WithOrgOption = None,
    registers: RegistersOption = False,
    as_of: AsOfOption = None,
    by: ByOption = None,
    database: DatabaseOption = None,
    json_: JsonOption = False,
    pack: PackOption = None,
) -> None:
    """Ask in plain words: how the question was understood, then advise's answer."""
    from commsgov.asking import ask as run_ask

    compiled = load_compiled_pack(pack)
    named = _named(with_, with_org)
    result: Answer
    if team or named or registers:
        from contextlib import closing

        from commsgov.services.registers_advice import Asking, ask_for

        asking = Asking.of(actor(by), team=team, named=named, as_of=_as_of(as_of), pack=compiled)
        with closing(open_database(database)) as store:
            result = ask_for(store, asking, question)
    else:
        result = run_ask(question, pack=compiled)
    if json_:
        print_json(result.to_dict())
    else:
        _render_answer(result)


def _render_answer(answer: Answer) -> None:
    from rich.text import Text

    out = console()
    out.print(Text(answer.summary, style="dim"))
    if answer.verdict is not None:
        _render(_as_advice(answer))
        return
    if answer.answer:
        out.print(answer.answer)
    for number, choice in enumerate(answer.choices, 1):
        line = Text(f"  {number}. {choice.title}")
        if choice.assumes:
            line.append(f" — if {choice.assumes}", style="bold")
        if choice.verdict:
            line.append(f" — {_VERDICT_WORD[choice.verdict]}")
        line.append(f" ({choice.scenario})", style="dim")
        out.print(line)
    for cite in answer.citations:
        quote = Text(f"  “{cite.quote}”", style="italic")
        quote.append(f" ({cite.document})", style="dim")
        out.print(quote)


def _as_advice(answer: Answer) -> Advice:
    from commsgov.policy.advice import Advice

    return Advice(  # no scenario: the answer is the same in every one
        scenario=answer.scenario or "any situation",
        scenario_title=answer.scenario_title or "whatever you are doing",
        channel=answer.channel or "",
        channel_name=answer.channel_name or "",
        verdict=answer.verdict or "not-allowed",
        cell=None,
        reasons=answer.reasons,
        conditions=answer.conditions,
        duties=answer.duties,
        alternatives=answer.alternatives,
        citations=answer.citations,
        registers=answer.registers,
    )


def _ask(compiled: CompiledPack, channel: str | None) -> tuple[str, str | None]:
    """Prompt for a scenario (and optionally a channel), only when a person is at a terminal."""
    if not sys.stdin.isatty():
        fail("missing --scenario (see `commsgov scenarios` for the ids)", code=BAD_INPUT)
    out = console()
    out.print(f"[bold]{compiled.organisation}[/]: which channel may I use?\n")
    ids = list(compiled.scenarios)
    for number, sid in enumerate(ids, 1):
        out.print(f"{number:>3}. {compiled.scenarios[sid].title} [dim]({sid})[/]")
    while True:
        answer = typer.prompt("\nScenario (number or id)").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(ids):
            scenario = ids[int(answer) - 1]
            break
        if answer in compiled.scenarios:
            scenario = answer
            break
        out.print(f"[red]No scenario {answer!r}.[/]")
    if channel is None:
        picked = typer.prompt(
            "Channel or app (blank for all)", default="", show_default=False
        ).strip()
        channel = picked or None
    return scenario, channel


def _render(result: Advice | AdviceSet) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from commsgov.policy.advice import Advice

    out = console()
    if isinstance(result, Advice):
        headline = Text(_VERDICT_WORD[result.verdict], style=_VERDICT_STYLE[result.verdict])
        headline.append(f"  {result.channel_name} · {result.scenario_title}", style="")
        parts: list[Any] = [headline]

        def section(title: str, rows: Sequence[tuple[Text | str, Text | str]]) -> None:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column()
            for row in rows:
                grid.add_row(*row)
            parts.extend([Text(""), Text(title, style="bold"), grid])

        for title, items in (
            ("Why", result.reasons),
            ("Conditions", result.conditions),
            ("Your duties", result.duties),
            ("Use instead", result.alternatives),
        ):
            if items:
                section(title, [("  •", item) for item in items])
        if result.registers:
            section(
                "Registers",
                [("  •", Text(f"{r.label}: {r.effect} ({r.register} {r.uid[:12]})"))
                 for r in result.registers],
            )  # fmt: skip
        sources = []
        for number, cite in enumerate(result.citations, 1):
            quote = Text(f"“{cite.quote}”", style="italic")
            quote.append(f" ({cite.document})", style="dim")
            sources.append((Text(f"  [{number}]", style="dim"), quote))
        section("Sources", sources)
        title = f"{result.channel} in {result.scenario}"
        out.print(Panel(Group(*parts), title=title, expand=False))
        return
    table = Table(title=result.scenario_title, show_lines=False)
    table.add_column("Channel")
    table.add_column("Verdict")
    table.add_column("Conditions")
    for cid, advice in result.channels.items():
        table.add_row(
            f"{advice.channel_name} [dim]({cid})[/]",
            Text(_VERDICT_WORD[advice.verdict], style=_VERDICT_STYLE[advice.verdict]),
            "\n".join(advice.conditions) or "—",
        )
    out.print(table)
    out.print("[dim]Ask about one channel with --channel for its duties and sources.[/]")


def matrix(
    json_: JsonOption = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    pack: PackOption = None,
) -> None:
    """The approved-channels matrix: scenarios by channel, with the footnote marks."""
    from commsgov.services import catalogue

    compiled = load_compiled_pack(pack)
    found = catalogue.matrix(pack=compiled)
    if json_:
        print_json(found)
        return
    if csv_:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["scenario", "title", "marks", *found.columns])
        for row in found.scenarios:
            writer.writerow(
                [
                    row.scenario,
                    row.title,
                    "".join(row.marks),
                    *(row.cells[c] for c in found.columns),
                ]
            )
        return
    from rich.table import Table

    table = Table(title=f"{compiled.organisation}: approved channels", show_lines=False)
    table.add_column("Scenario")
    for column in found.columns:
        table.add_column(column, justify="center")
    for row in found.scenarios:
        cells = [
            f"[green]{v}[/]" if v.startswith("Y") else f"[red]{v}[/]"
            for v in (row.cells[c] for c in found.columns)
        ]
        table.add_row(f"{row.title}{''.join(row.marks)}", *cells)
    out = console()
    out.print(table)
    for mark, footnote in found.footnotes.items():
        out.print(f"[bold]{mark}[/] {footnote.text}")


def scenarios(json_: JsonOption = False, pack: PackOption = None) -> None:
    """List the scenarios and their ids."""
    from commsgov.services import catalogue

    items = catalogue.scenarios(pack=load_compiled_pack(pack))
    if json_:
        print_json(items)
        return
    from rich.table import Table

    table = Table(title="Scenarios")
    table.add_column("Id", style="bold")
    table.add_column("Scenario")
    for item in items:
        table.add_row(item.id, item.title + "".join(item.marks))
    console().print(table)


def channels(json_: JsonOption = False, pack: PackOption = None) -> None:
    """List the channels, their kind and the names they answer to."""
    from commsgov.services import catalogue

    items = catalogue.channels(pack=load_compiled_pack(pack))
    if json_:
        print_json(items)
        return
    from rich.table import Table

    table = Table(title="Channels")
    table.add_column("Id", style="bold")
    table.add_column("Name")
    table.add_column("Kind")
    table.add_column("Also known as")
    for item in items:
        aka = ", ".join(item.aliases)
        if item.catch_all:
            aka = (aka + ", " if aka else "") + "any other app name"
        table.add_row(item.id, item.name, item.kind, aka)
    console().print(table)


pack_app = typer.Typer(help="Check and describe policy packs.", no_args_is_help=True)


@pack_app.command("validate")
def pack_validate(
    file: Annotated[Path, typer.Argument(help="Policy pack YAML file.", show_default=False)],
    json_: JsonOption = False,
) -> None:
    """Validate a policy pack: every problem with file, line and field; exit 1 if any."""
    from commsgov.policy.errors import PackError
    from commsgov.policy.validate import check_pack_file

    try:
        summary = check_pack_file(file)
    except PackError as exc:
        if json_:
            print_json({"valid": False, "problems": [_problem(p) for p in exc.problems]})
        else:
            for problem in exc.problems:
                sys.stderr.write(f"{problem}\n")
            sys.stderr.write(f"{len(exc.problems)} problem(s) in {file}\n")
        raise typer.Exit(1) from None
    if json_:
        print_json({"valid": True, **summary})
    else:
        console().print(
            f"[green]valid[/] {file}: {summary['scenarios']} scenarios, {summary['channels']}"
            f" channels, {summary['citations']} citations checked"
        )


def _problem(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "field": problem.field,
        "message": problem.message,
    }


@pack_app.command("schema")
def pack_schema() -> None:
    """Print the policy pack JSON Schema (also in docs/policy-pack.schema.json)."""
    from commsgov.policy.validate import pack_json_schema

    print_json(pack_json_schema())


def register(app: typer.Typer) -> None:
    """Add the policy commands to the main app."""
    app.command("advise")(advise)
    app.command("ask")(ask)
    app.command("matrix")(matrix)
    app.command("scenarios")(scenarios)
    app.command("channels")(channels)
    app.add_typer(pack_app, name="pack")

"""Device compliance commands: scan device inventories for banned apps, export blocklists."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import BAD_INPUT, JsonOption, PackOption, console, fail, print_json

if TYPE_CHECKING:
    from commsgov.devices import ScanResult

#: exit code when a device is non-compliant or to review (distinct from BAD_INPUT, 2)
NON_COMPLIANT = 1

devices_app = typer.Typer(
    help="Device compliance: scan inventories for banned apps, export MDM blocklists.",
    no_args_is_help=True,
)


class InventoryFormat(StrEnum):
    auto = "auto"
    intune = "intune"
    intune_aggregate = "intune-aggregate"
    pm_list = "pm-list"
    csv = "csv"


class OwnershipChoice(StrEnum):
    corporate = "corporate"
    personal = "personal"


class BlocklistChoice(StrEnum):
    intune_ios = "intune-ios"
    intune_android = "intune-android"
    intune_macos = "intune-macos"
    ios_bundle_ids = "ios-bundle-ids"
    android_packages = "android-packages"
    json = "json"


def _catalogue(pack: Path | None) -> Any:
    from commsgov.policy.errors import PackError
    from commsgov.services.devices import load_catalogue

    try:
        return load_catalogue(pack)
    except PackError as exc:  # exit 2, not the tree's 1: here 1 means a device needs action
        fail(exc.describe(), code=BAD_INPUT)


@devices_app.command("scan")
def scan(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Inventories: Intune discovered-apps exports (raw, per device, aggregate), "
            "'adb shell pm list packages' output (one file per device), or CSV with --columns.",
            show_default=False,
        ),
    ],
    format: Annotated[
        InventoryFormat,
        typer.Option("--format", help="Inventory format (auto: detected from the first line)."),
    ] = InventoryFormat.auto,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Column mapping of a generic CSV (Jamf and other MDMs): "
            "device=COL,app-id=COL,app-name=COL[,device-name=,user=,platform=,ownership=].",
            show_default=False,
        ),
    ] = None,
    ownership: Annotated[
        OwnershipChoice | None,
        typer.Option(
            "--ownership",
            help="Ownership of devices whose inventory has no ownership column "
            "(default: unknown, so banned apps are flagged for review).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV: one row per device and banned app.")
    ] = False,
    pack: PackOption = None,
) -> None:
    """Scan device inventories for banned messaging apps; exit 1 when any device needs action.

    A device is non-compliant when it is corporate and carries a banned app (the policy: no
    mobile messaging apps on corporate devices); one whose ownership is unknown is to review.
    A personal device's MDM export lists only managed apps, so a clean one is 'not known'.
    Exit codes: 0 nothing to act on, 1 a device is non-compliant or to review, 2 bad input.
    """
    from commsgov.devices import ColumnMapError
    from commsgov.services.devices import scan_files

    catalogue = _catalogue(pack)
    fmt: Any = None if format is InventoryFormat.auto else format.value
    try:
        result = scan_files(
            paths,
            catalogue=catalogue,
            ownership=ownership.value if ownership else None,
            columns=columns,
            format=fmt,
        )
    except ColumnMapError as exc:  # (bad input like the rest, but named as this option)
        fail(f"--columns: {exc}", code=BAD_INPUT)
    if as_json:
        print_json(result.to_dict())
    elif as_csv:
        _print_csv(result)
    else:
        _print_table(result)
    if result.needs_action:
        raise typer.Exit(NON_COMPLIANT)


def _apps_cell(apps: Any) -> str:
    parts = []
    for a in apps:
        how = f"id {a.seen}" if a.matched_by == "identifier" else f"name {a.seen!r} {a.score:g}%"
        mark = " [unconfirmed id]" if a.confirmed is False else ""
        parts.append(f"{a.name} ({how}){mark}")
    return "\n".join(parts)


def _print_table(result: ScanResult) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    counts = ", ".join(f"{n} {status}" for status, n in result.counts.items())
    rows = sum(f.rows for f in result.files)
    out.print(f"{len(result.files)} inventory file(s), {rows:,} rows: {counts}")
    shown = [d for d in result.devices if d.status != "not-known"]
    if shown:
        table = Table(title="Devices with banned apps")
        table.add_column("status", no_wrap=True)
        for column in ("device", "user", "platform", "ownership", "banned apps"):
            table.add_column(column)
        table.add_column("action", overflow="fold")
        for d in shown:
            device = (
                d.device_name if d.device_name == d.device_id else f"{d.device_name}\n{d.device_id}"
            )
            cells = (
                d.status,
                device,
                d.user,
                d.platform,
                d.ownership,
                _apps_cell(d.apps),
                d.action,
            )
            table.add_row(*(escape(c) for c in cells))  # inventory text is never markup
        out.print(table)
    if result.counts["not-known"]:
        out.print(
            f"{result.counts['not-known']} device(s) not known: no banned app listed, but the "
            "inventory does not list every app (--json lists them)."
        )
    if result.fleet:
        table = Table(title="Banned apps in aggregate exports (devices not named)")
        for column in ("app", "platform", "devices", "file:line"):
            table.add_column(column)
        for f in result.fleet:
            fleet_cells = (
                _apps_cell([f.app]),
                f.platform,
                str(f.device_count),
                f"{f.app.file}:{f.app.line}",
            )
            table.add_row(*(escape(c) for c in fleet_cells))
        out.print(table)
    if result.rule is not None:
        out.print(f"Rule: {result.rule.text}")
        for document, quote in result.rule.cite:
            out.print(f"  [dim]{escape(document)}: \u201c{escape(quote)}\u201d[/dim]")
    out.print("What this scan cannot prove:")
    for note in result.cannot_prove:
        out.print(f"  - {escape(note)}")


def _print_csv(result: ScanResult) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["status", "device_id", "device_name", "user", "platform", "ownership", "app", "app_name",
         "matched_by", "seen", "identifier_confirmed", "device_count", "action", "file", "line"]
    )  # fmt: skip

    def confirmed(value: bool | None) -> str:
        return "" if value is None else str(value).lower()

    for d in result.devices:
        base = [d.status, d.device_id, d.device_name, d.user, d.platform, d.ownership]
        if not d.apps:
            writer.writerow([*base, "", "", "", "", "", "", d.action, d.file, ""])
        for a in d.apps:
            found = [a.app, a.name, a.matched_by, a.seen, confirmed(a.confirmed), ""]
            writer.writerow([*base, *found, d.action, a.file, a.line])
    for f in result.fleet:
        a = f.app
        base = ["review", "", "", "", f.platform, "unknown"]
        found = [a.app, a.name, a.matched_by, a.seen, confirmed(a.confirmed), str(f.device_count)]
        writer.writerow([*base, *found, "Scan the raw export to find the devices.", a.file, a.line])


@devices_app.command("blocklist")
def blocklist_cmd(
    format: Annotated[
        BlocklistChoice,
        typer.Option(
            "--format",
            help="intune-ios / intune-android / intune-macos: Intune restricted-apps CSV; "
            "ios-bundle-ids: supervised iOS blocked bundle ids; android-packages: package names; "
            "json: the whole catalogue.",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", show_default=False
        ),
    ] = None,
    pack: PackOption = None,
) -> None:
    """Export the pack's banned-app catalogue as a blocklist an MDM loads.

    Unconfirmed identifiers are marked in every format: '[unconfirmed]' after the name in a CSV,
    commented out ('# unconfirmed: ...') in a plain list, "confirmed": false in JSON.
    """
    from commsgov.devices import blocklist

    result = blocklist(_catalogue(pack), format=format.value)
    if output is None:
        sys.stdout.write(result.text)
    else:
        try:
            output.write_text(result.text, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: cannot write: {exc.strerror or exc}", code=BAD_INPUT)
    sys.stderr.write(
        f"{result.entries} entries ({result.unconfirmed} unconfirmed, marked) as {result.format}\n"
    )


def register(app: typer.Typer) -> None:
    """Add the devices commands to the main app."""
    app.add_typer(devices_app, name="devices")

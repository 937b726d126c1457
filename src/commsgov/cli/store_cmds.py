"""Store commands: its identity (the key that signs the ledger's head) and cleaning up."""

from __future__ import annotations

import sys
from contextlib import closing
from typing import Annotated

import typer

from .common import DatabaseOption, JsonOption, actor, open_database, print_json

store_app = typer.Typer(
    help="The store itself: its identity (signing key) and cleaning up after killed writes.",
    no_args_is_help=True,
)


@store_app.command("identity")
def identity(
    pem: Annotated[bool, typer.Option("--pem", help="Print only the public key, as PEM.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the store's id and public key (creating its signing key on first use): register
    them elsewhere to check its signed checkpoints later."""
    from commsgov import services as svc

    with closing(open_database(database)) as store:
        found = svc.store_identity(store, actor=actor())
    if as_json:
        print_json(found)
        return
    if pem:
        sys.stdout.write(found.public_key_pem)
        return
    lines = [
        f"Store:       {found.store_id}",
        f"Public key:  {found.public_key}",
        f"Key file:    {found.key_file}" + (" (created now)" if found.created else ""),
        f"Checkpoints: {found.checkpoint_log}",
    ]
    if found.checkpoint_copy:
        lines.append(f"Copy:        {found.checkpoint_copy}")
    if found.syslog:
        lines.append("Syslog:      yes")
    if found.checkpoint_seq is not None:
        lines.append(f"Last signed: entry {found.checkpoint_seq} at {found.checkpoint_at}")
    sys.stdout.write("\n".join(lines) + "\n")


@store_app.command("clean")
def clean(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be removed.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove temporary files left by killed writes and stored files no record refers to."""
    from commsgov import services as svc

    with closing(open_database(database, must_exist=True)) as store:
        report = svc.clean_store(store, actor=actor(), dry_run=dry_run)
    if as_json:
        print_json(report)
        return
    verb = "Would remove" if dry_run else "Removed"
    sys.stdout.write(
        f"{verb} {len(report.temp_files)} temporary file(s) ({report.temp_bytes} bytes) and "
        f"{len(report.orphans)} orphan file(s) ({report.orphan_bytes} bytes).\n"
    )
    if report.orphans_skipped:
        sys.stdout.write(
            "Orphan files were not looked for: a write is storing files now; run again later.\n"
        )


def register(app: typer.Typer) -> None:
    """Add the store commands to the main app."""
    app.add_typer(store_app, name="store")

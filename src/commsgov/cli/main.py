"""Entry point of the ``commsgov`` command.

Command modules import only Typer at module level and load the core inside each command, so
that ``commsgov advise`` answers quickly (startup is part of its benchmark). For the same
reason :func:`main` has Typer build only the command it is asked for (see :func:`for_args`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from .common import CommandGroup

app = typer.Typer(
    cls=CommandGroup,
    name="commsgov",
    help="Which channel may I use? Capture, ingest, verify and retain the corporate record.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module has ``register(app)``; one line per command group keeps ownership obvious.
_GROUPS = [
    "commsgov.cli.policy_cmds",
    "commsgov.cli.records_cmds",
    "commsgov.cli.ingest_cmds",
    "commsgov.cli.retention_cmds",
    "commsgov.cli.devices_cmds",
    "commsgov.cli.registers_cmds",
    "commsgov.cli.accounts_cmds",
    "commsgov.cli.serve_cmd",
    "commsgov.cli.store_cmds",
    "commsgov.cli.merge_cmds",
]

for _module in _GROUPS:
    importlib.import_module(_module).register(app)


def for_args(args: Sequence[str]) -> typer.Typer:
    """The app to run ``args`` with: when they name a command or group of ``app``, an app with
    that one (Typer turns every command's options into Click's when it builds the tree, about
    40 ms for all of them, a tenth of a second-long command's start-up); else ``app`` itself
    (``--help``, a misspelt command: the whole tree answers)."""
    name = next((a for a in args if not a.startswith("-")), None)
    if name is None or args[0] != name:
        return app
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    one = typer.Typer(cls=CommandGroup, name="commsgov", no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)  # fmt: skip
    one.registered_commands = commands
    one.registered_groups = groups
    return one


def main() -> None:
    """Run the command line."""
    # a group even for one command, so that the command is still named by its name
    typer.main.get_group(for_args(sys.argv[1:]))()

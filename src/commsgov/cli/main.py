"""Entry point of the ``commsgov`` command.

Command modules import only Typer at module level and load the core inside each command, so
that ``commsgov advise`` answers quickly (startup is part of its benchmark).
"""

from __future__ import annotations

import importlib

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
    "commsgov.cli.accounts_cmds",
    "commsgov.cli.serve_cmd",
    "commsgov.cli.store_cmds",
    "commsgov.cli.merge_cmds",
]

for _module in _GROUPS:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Run the command line."""
    app()

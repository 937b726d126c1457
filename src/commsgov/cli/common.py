"""Options and helpers shared by every command group, and the one map from errors to exit codes."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from commsgov.errors import CommsgovError, InvalidInput

if TYPE_CHECKING:
    from rich.console import Console
    from typer._click.core import Context as ClickContext  # Typer's vendored Click

    from commsgov.accounts.actor import Actor
    from commsgov.policy.compiled import CompiledPack
    from commsgov.store.handle import Store


class DeviceChoice(StrEnum):
    """The device a communication is on."""

    corporate = "corporate"
    personal = "personal"


#: exit code for invalid input (a field named in the message)
BAD_INPUT = 2
#: exit code for every other error commsgov raises (not found, conflict, integrity, ...)
FAILED = 1


def exit_code(error: CommsgovError) -> int:
    """The exit code of an error, by its category in :mod:`commsgov.errors`."""
    return BAD_INPUT if isinstance(error, InvalidInput) else FAILED


class CommandGroup(TyperGroup):
    """The root command group: any :class:`~commsgov.errors.CommsgovError` a command lets out
    becomes ``Error: <message>`` on stderr and its exit code, here and nowhere else."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        """Refuse an argument that is not valid UTF-8 before any command sees it: Python hands
        undecodable bytes on as lone surrogates, which would fail when stored, half-way."""
        for position, arg in enumerate(args, start=1):
            bad = not_utf8(arg)
            if bad is not None:
                fail(f"argument {position} ({bad}) is not valid UTF-8", code=BAD_INPUT)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: ClickContext) -> Any:
        """Run the command, mapping commsgov's errors to a message and an exit code."""
        try:
            return super().invoke(ctx)
        except CommsgovError as exc:
            fail(exc.describe(), code=exit_code(exc))


def not_utf8(arg: str) -> str | None:
    """``None`` when ``arg`` is text; else where it holds bytes that are not UTF-8 (Python
    keeps them as lone surrogates), the argument shown with them escaped.

    >>> not_utf8("Ann Smith") is None
    True
    >>> print(not_utf8("bad \\udcff byte"))
    \\xff at character 5 of 'bad \\xff byte'
    """
    bad = [i for i, char in enumerate(arg) if "\ud800" <= char <= "\udfff"]
    if not bad:
        return None

    def escaped(char: str) -> str:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape keeps it
            return f"\\x{code - 0xDC00:02x}"
        return f"\\u{code:04x}" if 0xD800 <= code <= 0xDFFF else char

    shown = "".join(escaped(c) for c in arg[:80])
    return f"{escaped(arg[bad[0]])} at character {bad[0] + 1} of '{shown}'"


PackOption = Annotated[
    Path | None,
    typer.Option(
        "--pack",
        help="Policy pack YAML to use instead of the bundled Scottish Government pack.",
        envvar="COMMSGOV_PACK",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (default: SQLite in the data folder; COMMSGOV_DATABASE_URL).",
        envvar="COMMSGOV_DATABASE_URL",
        show_default=False,
    ),
]


def console(stderr: bool = False) -> Console:
    """A Rich console (imported lazily: Rich costs tens of milliseconds to import)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print an error on stderr and exit with ``code``."""
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def actor(by: str | None = None) -> Actor:
    """Who acts at the command line: ``--by``, else ``COMMSGOV_USER``, else the login name.

    This default is the command line's own: the services take an explicit actor."""
    import os

    from commsgov.accounts.actor import Actor
    from commsgov.config import core_settings

    name = by or core_settings().user or os.environ.get("USER") or os.environ.get("USERNAME")
    return Actor.cli(name or "unknown")


def load_compiled_pack(path: Path | None) -> CompiledPack:
    """Load a pack for a command (an invalid pack is a :class:`~commsgov.policy.errors.PackError`,
    every problem listed)."""
    from commsgov.policy.cache import compiled_pack

    return compiled_pack(path)


def open_database(database: str | None, *, must_exist: bool = False) -> Store:
    """Open (creating or migrating) the store; ``must_exist``: refuse a SQLite file not there."""
    from commsgov.store.handle import open_store

    return open_store(database, must_exist=must_exist)


def print_json(data: object) -> None:
    """Print a result (a dataclass, or lists and dictionaries of them) as JSON on stdout (not via
    Rich, so that it is exact and fast): :func:`commsgov.jsonable.jsonable`, the same data the
    HTTP API serves."""
    import json

    from commsgov.jsonable import jsonable

    sys.stdout.write(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")

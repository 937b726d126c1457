"""Options and helpers shared by every command group."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from commsgov.policy.engine import CompiledPack
    from commsgov.services.records import Store


class DeviceChoice(StrEnum):
    """The device a communication is on."""

    corporate = "corporate"
    personal = "personal"


#: exit code for invalid input (a field named in the message)
BAD_INPUT = 2

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


def guard(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the services, turning record errors into messages and exit codes."""
    from commsgov.records.errors import InvalidFieldError, NotFoundError

    try:
        return func(*args, **kwargs)
    except InvalidFieldError as exc:
        fail(f"{exc.field}: {exc.message}", code=BAD_INPUT)
    except NotFoundError as exc:
        fail(str(exc), code=1)


def load_compiled_pack(path: Path | None) -> CompiledPack:
    """Load a pack for a command, exiting 1 with every problem listed when it is invalid."""
    from commsgov.policy.engine import compiled_pack
    from commsgov.policy.errors import PackError

    try:
        return compiled_pack(path)
    except PackError as exc:
        fail(f"invalid policy pack\n{exc}", code=1)


def open_database(database: str | None, *, must_exist: bool = False) -> Store:
    """Open (creating or migrating) the store; ``must_exist``: refuse a SQLite file not there."""
    from commsgov.config import get_settings
    from commsgov.services.records import open_store
    from commsgov.store.engine import StoreConfigError, sqlite_path

    url = database or get_settings().resolved_database_url()
    try:
        path = sqlite_path(url)
    except Exception as exc:
        fail(f"database: invalid URL {url!r} ({exc})", code=BAD_INPUT)
    if must_exist and path is not None and not path.exists():
        fail(f"database: no database at {path} (nothing captured yet, or a wrong --database?)")
    try:
        return open_store(url)
    except StoreConfigError as exc:
        fail(str(exc), code=BAD_INPUT)
    except Exception as exc:  # connection refused, unreadable file, ...
        if type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3", "alembic")):
            fail(f"cannot open the database: {exc}", code=1)
        raise


def print_json(data: object) -> None:
    """Print JSON on stdout (not via Rich, so that it is exact and fast)."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")

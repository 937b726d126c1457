"""Alembic, driven from Python: ``commsgov db upgrade`` and the models-vs-migrations check.

The migration scripts ship inside the package (``commsgov/store/migrations``). The chain is
linear: a new migration revises the single head (:func:`heads` must return one revision).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def load_all_tables() -> MetaData:
    """Import ``tables`` and every ``tables_<name>`` module of this package; their metadata."""
    import commsgov.store as package
    from commsgov.store.tables import metadata

    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "tables" or info.name.startswith("tables_"):
            importlib.import_module(f"commsgov.store.{info.name}")
    return metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave full-text search objects (created by migrations only) out of comparisons."""
    if name and (name.startswith("fts_") or name.startswith("ix_fts_")):
        return False
    return not (type_ == "table" and name and name.startswith("sqlite_"))


def alembic_config(url: str | None = None, connection: Any = None) -> Any:
    """An Alembic ``Config`` for the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (default: the latest).

    A database already at the latest revision is left alone without loading Alembic (which
    takes a command about 0.15 s of CPU to import and read its scripts)."""
    if revision == "head" and current_fast(engine) == packaged_head():
        return
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.M)
_DOWN = re.compile(r'^down_revision: [^=]+= "([^"]+)"$', re.M)


@cache
def packaged_head() -> str | None:
    """The latest revision of the packaged migrations, read from their files (the revision no
    other revises; ``None`` when that is not exactly one: then Alembic decides)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        revised.update(_DOWN.findall(source))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def current_fast(engine: Engine) -> str | None:
    """The revision the database is at, read without Alembic (``None`` before the first
    migration, or when it cannot be read: then Alembic decides)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def heads() -> list[str]:
    """The head revisions of the packaged migrations (exactly one when the chain is linear)."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config()).get_heads())


def current(engine: Engine) -> str | None:
    """The revision the database is at (``None`` before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(engine: Engine) -> list[Any]:
    """What differs between the models and the migrated database (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    metadata = load_all_tables()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True},
        )
        return list(compare_metadata(context, metadata))


def revision(message: str, engine: Engine, *, autogenerate: bool = True) -> None:
    """Write a new migration against ``engine``'s database (a developer tool)."""
    from alembic import command

    with engine.begin() as connection:
        command.revision(
            alembic_config(connection=connection), message=message, autogenerate=autogenerate
        )

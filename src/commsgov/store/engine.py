"""Engines: SQLite (WAL, foreign keys on, ``BEGIN IMMEDIATE`` writers) or PostgreSQL."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from commsgov.errors import InvalidInput


class StoreConfigError(InvalidInput):
    """The database URL cannot be used (bad URL, or a driver that is not installed)."""


#: set while :mod:`commsgov.store.quick` checks a connection out: the pool's pre-ping, a round
#: trip of its own, is skipped (that read is run again, pinged, when its connection was dead)
UNPINGED: ContextVar[bool] = ContextVar("commsgov_unpinged", default=False)


def _ping_unless_unpinged(engine: Engine) -> Engine:
    """Have the pool's pre-ping of ``engine`` skip a checkout made with :data:`UNPINGED` set
    (everything else is pinged, with the pool's own handling of a dead connection)."""
    dialect = engine.dialect
    ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        return True if UNPINGED.get() else ping(dbapi_connection)

    setattr(dialect, "do_ping", do_ping)  # this engine's own dialect instance  # noqa: B010
    return engine


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for in-memory or other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL: a killed process never corrupts or half-writes a transaction; a power cut
    # may lose the last commits (use FULL where that matters).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk writes touch big indexes
    cursor.close()
    # how holds compare participants' names and numbers (PostgreSQL does it with translate())
    dbapi_connection.create_function("commsgov_name_words", 1, _name_words, deterministic=True)
    dbapi_connection.create_function("commsgov_digits", 1, _digits, deterministic=True)


def _name_words(text: str | None) -> str:
    """`` <words> ``: a name's words as holds compare them, spaced on both sides."""
    from commsgov.retention.holds import name_words

    return " " + " ".join(name_words(text or "")) + " "


def _digits(text: str | None) -> str:
    """A number's digits (a name's too: nothing else)."""
    return "".join(c for c in text or "" if c.isdigit() and c.isascii())


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (no deadlock-prone lock upgrades); readers
    # (``execution_options(commsgov_read=True)``) get a deferred snapshot.
    read = conn.get_execution_options().get("commsgov_read", False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder created, WAL and foreign keys."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreConfigError(f"database: invalid URL {url!r} ({exc})", field="database") from exc
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreConfigError(
                    f"database: cannot create the folder {path.parent} ({exc.strerror or exc})",
                    field="database",
                ) from exc
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "postgresql":
        raise StoreConfigError(
            f"database: {parsed.drivername!r} is not a database commsgov can use "
            "(sqlite:///PATH or postgresql://USER@HOST/NAME)",
            field="database",
        )
    try:
        return _ping_unless_unpinged(create_engine(parsed, pool_pre_ping=True, **kwargs))
    except ModuleNotFoundError as exc:
        raise StoreConfigError(
            f"the database driver is not installed ({exc.name}); "
            "for PostgreSQL: pip install 'commsgov[postgres]'",
            field="database",
        ) from exc
    except (ArgumentError, NoSuchModuleError) as exc:  # a driver name SQLAlchemy does not know
        raise StoreConfigError(
            f"database: cannot use {parsed.drivername!r} ({exc})", field="database"
        ) from exc

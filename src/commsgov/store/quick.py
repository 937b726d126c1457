"""Reads that every API request makes, as quickly as the backend allows.

One prepared ``SELECT`` runs on a pooled DB-API connection in autocommit (the statement is its
own snapshot, in one round trip on PostgreSQL: no ``BEGIN``, no ``ROLLBACK``), without
SQLAlchemy's execution machinery, which costs several times the query; rows have the
statement's column names as attributes, as SQLAlchemy's do. Statements are built once, at
import, with named ``bindparam`` parameters (each compiled once a dialect).

On PostgreSQL the pool's pre-ping (a ``SELECT 1``, a round trip of its own per checkout) is
skipped for these reads (:data:`commsgov.store.engine.UNPINGED`): a read on a connection the
server has dropped is run again once on a pinged one, which the pool replaces if it is dead
(it changes nothing, so running it twice is safe). Every other checkout is pinged as before.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Engine, Select

from .engine import UNPINGED

__all__ = ["quick_rows"]


def quick_rows(engine: Engine, statement: Select[Any], params: Mapping[str, Any]) -> list[Any]:
    """The rows of ``statement`` with ``params``, in a read of its own."""
    sql, order, defaults, shape = _compiled(statement, engine.dialect)
    values = {**defaults, **params}
    # positional (SQLite's "?") or named (psycopg's "%(name)s") parameters
    args: Any = tuple(values[name] for name in order) if order is not None else values
    if engine.dialect.name == "sqlite":  # a local file: no connection to lose, no autocommit
        found = _run(engine, sql, args, server=False)
    else:
        unpinged = UNPINGED.set(True)
        try:
            found = _run(engine, sql, args, server=True, dropped=_Dropped)
        except _Dropped:  # again, pinged: the pool replaces a dead connection
            UNPINGED.reset(unpinged)
            unpinged = UNPINGED.set(False)
            found = _run(engine, sql, args, server=True)
        finally:
            UNPINGED.reset(unpinged)
    return [shape._make(row) for row in found]


class _Dropped(Exception):
    """The connection the read ran on was found closed by the server (it is discarded)."""


def _run(
    engine: Engine, sql: str, args: Any, *, server: bool, dropped: type[Exception] | None = None
) -> list[Any]:
    """The rows, on a connection from the pool; ``server``: switch it to autocommit for the
    read (a client-side switch on psycopg) and back; ``dropped``: raised when the connection
    turns out closed by the server."""
    raw = engine.raw_connection()
    dbapi: Any = raw.dbapi_connection
    before = bool(dbapi.autocommit) if server else None
    try:
        if server:
            dbapi.autocommit = True
        cursor = raw.cursor()
        try:
            cursor.execute(sql, args)
            return list(cursor.fetchall())
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        if server and engine.dialect.is_disconnect(exc, dbapi, None):
            raw.invalidate(exc)
            if dropped is not None:
                raise dropped from exc
        raise
    finally:
        if server and raw.dbapi_connection is not None and not dbapi.closed:
            dbapi.autocommit = before  # as the pool hands connections out
        raw.close()  # back to the pool (discarded when invalidated)


@cache
def _compiled(
    statement: Select[Any], dialect: Any
) -> tuple[str, tuple[str, ...] | None, dict[str, Any], Any]:
    """The SQL, its parameters' names in order (``None``: the driver takes them by name),
    their values where the statement fixes them (a ``LIMIT``), and the row's shape."""
    compiled = statement.compile(dialect=dialect)
    names = [str(column.key) for column in statement.selected_columns]
    positional = dialect.paramstyle in ("qmark", "numeric", "format")
    order = tuple(compiled.positiontup or ()) if positional else None
    return str(compiled), order, dict(compiled.params), namedtuple("Row", names)

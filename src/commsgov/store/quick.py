"""Reads that every API request makes, as quickly as the backend allows.

On SQLite one prepared ``SELECT`` runs on a pooled DB-API connection in autocommit (the
statement is its own snapshot), without SQLAlchemy's execution machinery, which costs several
times the query; rows have the statement's column names as attributes, as SQLAlchemy's do.
Other backends run it the ordinary way, in autocommit (one round trip, not three). Statements
are built once, at import, with named ``bindparam`` parameters (each compiled once a dialect).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Engine, Select

__all__ = ["quick_rows"]


def quick_rows(engine: Engine, statement: Select[Any], params: Mapping[str, Any]) -> list[Any]:
    """The rows of ``statement`` with ``params``, in a read of its own."""
    if engine.dialect.name != "sqlite":
        # autocommit: the one statement is the transaction (no BEGIN and ROLLBACK round trips)
        options = {"commsgov_read": True, "isolation_level": "AUTOCOMMIT"}
        with engine.connect().execution_options(**options) as conn:
            return list(conn.execute(statement, dict(params)))
    sql, order, defaults, shape = _compiled(statement, engine.dialect)
    values = {**defaults, **params}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(sql, tuple(values[name] for name in order))
            found = cursor.fetchall()
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool
    return [shape._make(row) for row in found]


@cache
def _compiled(
    statement: Select[Any], dialect: Any
) -> tuple[str, tuple[str, ...], dict[str, Any], Any]:
    """The SQL, its parameters' names in order, their values where the statement fixes them
    (a ``LIMIT``), and the row's shape."""
    compiled = statement.compile(dialect=dialect)
    names = [str(column.key) for column in statement.selected_columns]
    order = tuple(compiled.positiontup or ())
    return str(compiled), order, dict(compiled.params), namedtuple("Row", names)

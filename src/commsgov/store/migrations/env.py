"""Alembic environment: migrates the connection handed over by :mod:`commsgov.store.migrate`."""

from __future__ import annotations

from typing import Any

from alembic import context

from commsgov.store.migrate import include_object, load_all_tables

config = context.config
target_metadata = load_all_tables()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from commsgov.store.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("commsgov migrations run online only (commsgov db upgrade)")
run_migrations_online()

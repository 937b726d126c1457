"""Database fixtures: a fresh, migrated SQLite or PostgreSQL database per test.

Fixtures (available everywhere through ``tests/conftest.py``):

- ``database_url``: parametrized over ``sqlite`` and ``postgresql``; a fresh migrated database
  per test. Any test (or fixture) that uses it runs on both.
- ``store``: a :class:`commsgov.store.handle.Store` on ``database_url`` with its own blob
  folder under ``tmp_path``.
- ``sqlite_url`` / ``postgres_url``: a fresh migrated database of one kind only.
- ``postgres_server``: the throwaway cluster itself (session scoped, one per xdist worker).

The PostgreSQL cluster is started by the test run itself from Debian's binaries
(``/usr/lib/postgresql/<version>/bin``: ``initdb`` and ``pg_ctl``), as the ``postgres`` OS user
when running as root, on a free port with its unix socket in a temporary folder
(:mod:`benchmarks.pg_cluster`, which the load benchmark starts its cluster with too). It is
migrated once into a template database, and each test gets ``CREATE DATABASE ... TEMPLATE``,
which takes milliseconds. Missing binaries are a test *failure* (``make system`` installs
them), never a silent skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.pg_cluster import ClusterError, PostgresServer, postgres_cluster

_counter = itertools.count()


# -- SQLite ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once per worker)."""
    from commsgov.store import migrate
    from commsgov.store.engine import make_engine

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints and removes the WAL file
    assert not path.with_name(path.name + "-wal").exists(), "template WAL was not checkpointed"
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database for this test."""
    path = tmp_path / "commsgov.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


# -- PostgreSQL -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway cluster for this test session (per xdist worker); stop it after."""
    try:
        cluster = postgres_cluster()
        server = cluster.__enter__()
    except ClusterError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: PostgresServer) -> str:
    """A migrated template database on the cluster."""
    from commsgov.store import migrate
    from commsgov.store.engine import make_engine

    postgres_server.admin("CREATE DATABASE commsgov_template")
    engine = make_engine(postgres_server.url("commsgov_template"))
    migrate.upgrade(engine)
    engine.dispose()
    return "commsgov_template"


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, _postgres_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database for this test (dropped afterwards)."""
    name = f"t_{os.getpid()}_{next(_counter)}"
    postgres_server.admin(f"CREATE DATABASE {name} TEMPLATE {_postgres_template}")
    yield postgres_server.url(name)
    postgres_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- both -----------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database for this test: the test runs once on each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[object]:
    """An open record store on ``database_url`` with a blob folder of its own."""
    from commsgov.store.handle import open_store

    opened = open_store(database_url, blob_dir=tmp_path / "blobs", migrate=False)
    try:
        yield opened
    finally:
        opened.close()


# -- stored files, whichever backend holds them ---------------------------------------------
def alter_blob(store: object, sha256: str, data: bytes) -> None:
    """Replace the stored bytes of a file behind the store's back (a tamperer's edit): the file
    in the folder, or its chunks in the database."""
    from sqlalchemy import text

    from commsgov.store.blobs import BlobStore

    blobs = store.blobs  # type: ignore[attr-defined]
    if isinstance(blobs, BlobStore):
        path = blobs.path(sha256)
        os.chmod(path, 0o644)
        path.write_bytes(data)
        return
    with store.write() as conn:  # type: ignore[attr-defined]
        conn.execute(text("DELETE FROM blob_contents WHERE sha256 = :s AND chunk > 0"),
                     {"s": sha256})  # fmt: skip
        conn.execute(text("UPDATE blob_contents SET data = :d WHERE sha256 = :s"),
                     {"s": sha256, "d": data})  # fmt: skip

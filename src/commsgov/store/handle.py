"""An open record store (the database engine and the blob folder), and how to open one.

:func:`open_store` is the one way in: it resolves the URL (settings by default), refuses a URL
that cannot be used, creates or migrates the schema, and turns a database that cannot be reached
into :class:`StoreUnavailable`, so every shell reports the same thing the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsgov.errors import NotFound, Unavailable
from commsgov.store.blobs import BlobBackend, Blobs
from commsgov.store.disk import StoreFull, full_disk

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from commsgov.store.checkpoint_log import Anchor

__all__ = [
    "LEDGER_HEAD",
    "NoStoreError",
    "Store",
    "StoreFull",
    "StoreUnavailable",
    "default_blob_dir",
    "full_disk",
    "open_store",
]

_log = logging.getLogger(__name__)

#: ``conn.info`` key under which :func:`commsgov.store.repo.insert_entries` leaves the
#: ``(seq, entry_hash)`` of the last entry a transaction appended: the head to sign after commit
LEDGER_HEAD = "commsgov.ledger_head"

#: the modules whose errors mean the database itself cannot be reached or read
_DATABASE_MODULES = ("sqlalchemy", "psycopg", "sqlite3", "alembic")


class StoreUnavailable(Unavailable):
    """The database cannot be reached or read (connection refused, unreadable file)."""


class NoStoreError(NotFound):
    """No database exists where one was to be read (nothing captured yet, or a wrong URL)."""


@dataclass
class Store:
    """An open record store: the database engine and the stored files (in a folder, or in the
    database: :func:`commsgov.store.blobs.make_blobs`).

    Every read of the record is appended to the audit trail
    (:mod:`commsgov.services.read_gate`); ``audit_sinks`` receive each as a
    :class:`commsgov.services.read_gate.ReadEntry` too (tests, a log shipper).
    """

    url: str
    engine: Engine
    blobs: Blobs
    audit_sinks: list[Callable[[Any], None]] = field(default_factory=list)
    #: where the ledger's head is signed after each commit (``None``: not anchored)
    anchor: Anchor | None = None
    #: whether this process has removed temporary files killed writers left (first write)
    _swept: bool = field(default=False, repr=False)
    #: the audit trail's group commit for this store (made by :mod:`commsgov.services.audit`)
    audit_group: Any = field(default=None, repr=False, compare=False)
    #: what services keep of this store between calls, each under its module's name and keyed
    #: by a version the database holds (so every worker of a store sees every change at once)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (``with store.write() as conn``).

        After a commit that appended to the ledger, the new head is signed into the checkpoint
        log (:mod:`commsgov.store.checkpoint_log`). A full disk is a :class:`StoreFull`: the
        transaction was rolled back, so nothing of it is stored.
        """
        if not self._swept:  # the next start of a writer cleans up after killed ones
            self._swept = True
            for path, size in self.blobs.remove_stale_temporary():
                _log.info("removed %s (%d bytes) left by an interrupted write", path, size)
        try:
            with self.engine.begin() as conn:
                conn.info.pop(LEDGER_HEAD, None)  # (info outlives a transaction in the pool)
                yield conn
                head = conn.info.pop(LEDGER_HEAD, None)
        except Exception as exc:
            if full_disk(exc):
                raise StoreFull.of(exc) from exc
            raise
        if head is not None and self.anchor is not None:
            try:
                self.anchor.record(*head)
            except Exception as exc:  # committed already: say so, do not pretend it failed
                _log.error(
                    "ledger entry %s is committed but its checkpoint could not be signed into "
                    "%s (%s); the next write signs the head again",
                    head[0],
                    self.anchor.log,
                    exc,
                )

    def read(self) -> Connection:
        """A read-only transaction (does not take SQLite's write lock)."""
        return self.engine.connect().execution_options(commsgov_read=True)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def default_blob_dir(url: str) -> Path:
    """Where a folder of blobs lives: beside a SQLite file, else in the data folder (with the
    database backend, its temporary files only)."""
    from commsgov.config import core_settings
    from commsgov.store.engine import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".blobs")
    return core_settings().data_dir / "blobs"


def _reason(exc: BaseException) -> str:
    """What the driver said, without SQLAlchemy's wrapping (the driver's class in brackets, a
    link to its own documentation) and on one line."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return " ".join(lines) or type(orig).__name__


def open_store(
    url: str | None = None,
    *,
    blob_dir: Path | None = None,
    migrate: bool = True,
    must_exist: bool = False,
    anchor: Anchor | None = None,
    blob_backend: BlobBackend | None = None,
) -> Store:
    """Open (and by default migrate) the record store at ``url`` (default: settings).

    Stored files go to the backend ``blob_backend`` names (default: the setting, ``auto``:
    the database with PostgreSQL, the folder ``blob_dir`` with SQLite).

    ``must_exist``: refuse a SQLite file that is not there (readers must not create an empty
    store by mistake) with :class:`NoStoreError`. A URL that cannot be used is a
    :class:`~commsgov.store.engine.StoreConfigError`; a database that cannot be reached,
    :class:`StoreUnavailable`. ``anchor``: where the ledger's head is signed (default: beside
    the database, :func:`commsgov.store.checkpoint_log.anchor_for`).
    """
    from commsgov.config import core_settings
    from commsgov.store import migrate as migrations
    from commsgov.store.checkpoint_log import anchor_for
    from commsgov.store.engine import make_engine, sqlite_path

    url = url or core_settings().resolved_database_url()
    try:
        path = sqlite_path(url)
    except Exception:  # not a URL at all: make_engine says so
        path = None
    if must_exist and path is not None and not path.exists():
        raise NoStoreError(
            f"database: no database at {path} (nothing captured yet, or a wrong --database?)"
        )
    engine = make_engine(url)  # refuses a URL it cannot use
    try:
        if migrate:
            migrations.upgrade(engine)
    except Exception as exc:  # connection refused, unreadable file, ...
        engine.dispose()
        if type(exc).__module__.startswith(_DATABASE_MODULES):
            raise StoreUnavailable(f"cannot open the database: {_reason(exc)}") from exc
        raise
    from commsgov.store.blobs import make_blobs

    backend = blob_backend or core_settings().blob_backend
    folder = blob_dir or default_blob_dir(url)
    return Store(
        url=url,
        engine=engine,
        blobs=make_blobs(url, engine, folder=folder, backend=backend),
        anchor=anchor or anchor_for(url),
    )

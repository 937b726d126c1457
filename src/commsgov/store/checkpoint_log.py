"""The checkpoint log: signed heads of the ledger appended to a file beside the database.

:meth:`Anchor.record` runs after every commit that appended to the ledger
(:meth:`commsgov.store.handle.Store.write`): it signs the head with the store's key
(:mod:`commsgov.store.identity`) and appends the checkpoint to the log, and to a copy elsewhere
and syslog when configured. Appends take an exclusive ``flock`` on the log, so writers in other
processes (PostgreSQL, several workers or hosts sharing the folder) never interleave their
lines; commits that end close together may append out of order, so readers take the highest
``seq``. The line format is :mod:`commsgov.records.checkpoints`.

Where things are (settings ``COMMSGOV_SIGNING_KEY``, ``COMMSGOV_CHECKPOINT_LOG``,
``COMMSGOV_CHECKPOINT_COPY``, ``COMMSGOV_CHECKPOINT_SYSLOG``): for SQLite, beside the database
file (``commsgov.db.key``, ``commsgov.db.checkpoints``); for PostgreSQL, in the data folder,
named for the database (``store-<id>.key``, ``checkpoints-<id>.log``, ``<id>`` from its host,
port, user and name, so two databases served from one data folder never share a log), which
every host writing the database must share (or point the settings at one shared place).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from commsgov.records.checkpoints import Checkpoint, CheckpointReading, KeyLine, read_lines
from commsgov.records.timestamps import utc_text
from commsgov.store.identity import StoreIdentity, load_identity, verify_signature

__all__ = ["TAIL_BYTES", "Anchor", "AnchorReading", "anchor_for"]

_log = logging.getLogger(__name__)

#: how much of the end of a log verify reads (about 1,000 checkpoints): commits append in
#: order of their end, never far apart, so the latest checkpoint is always near the end
TAIL_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class AnchorReading:
    """What the logs say: the latest checkpoint over the log and its copy, each log's reading
    (``None``: that log does not exist), and the identity checked against (``None``: no key)."""

    latest: Checkpoint | None
    log: CheckpointReading | None
    copy: CheckpointReading | None
    identity: StoreIdentity | None


@dataclass
class Anchor:
    """Where a store's key and checkpoint logs are, and how to sign into them."""

    key_file: Path
    log: Path
    copy: Path | None = None
    syslog: bool = False
    _identity: StoreIdentity | None = field(default=None, repr=False)

    def identity(self, *, create: bool = True) -> StoreIdentity | None:
        """The store's identity (its key created on first use when ``create``)."""
        if self._identity is None:
            self._identity = load_identity(self.key_file, create=create)
        return self._identity

    def record(self, seq: int, head: str, *, at: dt.datetime | None = None) -> Checkpoint:
        """Sign ``(seq, head)`` and append the checkpoint to the log (and its copies)."""
        identity = self.identity()
        assert identity is not None
        when = utc_text(at or dt.datetime.now(dt.UTC))
        message = Checkpoint(identity.id, seq, head, when, b"").message()
        checkpoint = Checkpoint(identity.id, seq, head, when, identity.sign(message))
        for path in (self.log, self.copy):
            if path is not None:
                _append(path, checkpoint, identity)
        if self.syslog:
            import syslog

            syslog.syslog(syslog.LOG_INFO, "commsgov checkpoint " + checkpoint.line())
        return checkpoint

    def read(self) -> AnchorReading:
        """The latest checkpoint over the log and its copy, every line of their ends checked
        against the store's key (nothing is read without a key: there is nothing to check)."""
        identity = self.identity(create=False)
        if identity is None:
            return AnchorReading(None, None, None, None)

        def valid(c: Checkpoint) -> bool:
            return verify_signature(identity.public_key, c.message(), c.signature)

        readings = [
            None if path is None else _read(path, identity.id, valid)
            for path in (self.log, self.copy)
        ]
        found = [r.latest for r in readings if r is not None and r.latest is not None]
        latest = max(found, key=lambda c: c.seq) if found else None
        return AnchorReading(latest, readings[0], readings[1], identity)


def _read(path: Path, store: str, valid: object) -> CheckpointReading | None:
    try:
        lines = _tail(path)
    except FileNotFoundError:
        return None
    return read_lines(lines, store=store, valid=valid)  # type: ignore[arg-type]


def _tail(path: Path) -> list[str]:
    """The complete lines of the last :data:`TAIL_BYTES` of ``path``."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        start = max(0, size - TAIL_BYTES)
        handle.seek(start)
        data = handle.read()
    lines = data.split(b"\n")
    if start:
        lines = lines[1:]  # the first line of the window may be cut
    if lines and lines[-1] == b"":
        lines = lines[:-1]
    return [line.decode("utf-8", "replace") for line in lines if line.strip()]


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The log open for appending, under an exclusive ``flock`` (released on close)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _append(path: Path, checkpoint: Checkpoint, identity: StoreIdentity) -> None:
    with _locked(path) as fd:
        size = os.fstat(fd).st_size
        text = checkpoint.line() + "\n"
        end = _end(path, size)
        if f'"store":"{identity.id}"' not in end:
            # a new log, or another key signed last: name this key before its first checkpoint
            text = KeyLine(identity.id, identity.public_key, checkpoint.at).line() + "\n" + text
        if end and not end.endswith("\n"):
            text = "\n" + text  # a line torn by a crash stays on its own
        os.write(fd, text.encode("utf-8"))


def _end(path: Path, size: int) -> str:
    """The last few lines of the log (enough to hold its last complete line)."""
    if not size:
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 2048))
        return handle.read().decode("utf-8", "replace")


def anchor_for(url: str) -> Anchor:
    """Where the store at ``url`` keeps its key and checkpoint log (see the module docs)."""
    from commsgov.config import core_settings
    from commsgov.store.engine import sqlite_path

    settings = core_settings()
    try:
        db = sqlite_path(url)
    except Exception:  # not a URL commsgov can use: open_store says so
        db = None
    if db is not None:
        key, log = db.with_name(db.name + ".key"), db.with_name(db.name + ".checkpoints")
    else:
        tag = _database_tag(url)
        key = settings.data_dir / f"store-{tag}.key"
        log = settings.data_dir / f"checkpoints-{tag}.log"
    return Anchor(
        key_file=settings.signing_key or key,
        log=settings.checkpoint_log or log,
        copy=settings.checkpoint_copy,
        syslog=settings.checkpoint_syslog,
    )


def _database_tag(url: str) -> str:
    """A short name for the database at ``url`` (never its password): the same database gives
    the same name from any host that reaches it by the same address.

    >>> _database_tag("postgresql+psycopg://ann:secret@db:5432/records")
    '939c128bb23b'
    >>> _database_tag("postgresql://ann:other@db:5432/records")  # the password plays no part
    '939c128bb23b'
    """
    import hashlib

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        where = f"{parsed.get_backend_name()}://{parsed.username or ''}@{parsed.host or ''}:"
        where += f"{parsed.port or ''}/{parsed.database or ''}"
    except Exception:  # not a URL commsgov can use: open_store says so
        where = url
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:12]

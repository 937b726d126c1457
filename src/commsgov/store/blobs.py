"""Content-addressed files: each stored once under its SHA-256, checked every time it is read.

Two backends with one interface (:class:`Blobs`):

- :class:`BlobStore`, files in a folder (the default with SQLite, beside the database file):
  ``<root>/<first two hex digits>/<sha256>``. Writes go to a temporary file
  (``<root>/.incoming-*``) that is synced and then renamed, so a crash never leaves a partial
  blob under a real name;
- :class:`DatabaseBlobStore`, files in the database (the default with PostgreSQL, so that every
  host serving the same database reaches them): the ``blob_contents`` table, the bytes in
  chunks of 1 MiB under their SHA-256, each file written in one transaction (a crash leaves
  nothing), streamed in and out chunk by chunk.

Both keep temporary files in a scratch folder (:class:`ScratchFolder`: the blob folder itself,
or a folder beside the database's data). The writer holds an exclusive ``flock`` on its
temporary file while it writes: a temporary file nobody holds was left by a killed writer, and
``stale_temporary`` lists it (``commsgov store clean`` and the next start remove them).

A file is stored before the transaction that registers it (the ``blobs`` table) commits: one
stored by a transaction that then failed is an orphan, which ``commsgov verify`` lists.
:func:`make_blobs` picks the backend for a database URL (``COMMSGOV_BLOB_BACKEND`` overrides).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol

from commsgov.errors import IntegrityError
from commsgov.store.disk import StoreFull, full_disk

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

_CHUNK = 1 << 20
#: the prefix of temporary files at the root (``.zip-``: what ingest used before)
TEMP_PREFIXES = (".incoming-", ".zip-")
#: a temporary file younger than this is left alone (its writer may not hold its lock yet)
TEMP_GRACE_SECONDS = 60

#: where stored files live: ``auto`` (the database with PostgreSQL, a folder with SQLite)
BlobBackend = Literal["auto", "filesystem", "database"]


class BlobError(IntegrityError):
    """A blob is missing or its bytes no longer match its SHA-256."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """A file in the blob store: its address, size, and whether this call added it."""

    sha256: str
    size: int
    new: bool


class ScratchFolder:
    """Temporary files of both backends, in the folder ``scratch``: made locked, found stale
    when their writer was killed; the folder's own lock tells writes storing files apart from
    a quiet store (what ``commsgov store clean`` waits for before it removes orphans)."""

    scratch: Path

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Held (shared) by a write that stores files before its transaction commits, so that
        :meth:`orphans` never takes a file whose row is about to be committed for an orphan."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.scratch, os.O_RDONLY)  # the folder itself is the lock: no extra file
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def quiet(self) -> Iterator[bool]:
        """Whether no write is storing files (then none starts until the block ends)."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.scratch, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
            else:
                yield True
        finally:
            os.close(fd)

    @contextmanager
    def temporary(self) -> Iterator[IO[bytes]]:
        """A locked temporary file in the scratch folder for a caller to fill (then ``put_file``);
        removed when done, and found stale if its process is killed."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.scratch, prefix=".incoming-tmp-") as tmp:
            fcntl.flock(tmp.fileno(), fcntl.LOCK_EX)
            yield tmp

    def stale_temporary(self) -> Iterator[Path]:
        """Temporary files in the scratch folder that no writer holds (left by a killed write)."""
        try:
            entries = list(os.scandir(self.scratch))
        except FileNotFoundError:
            return
        now = time.time()
        for entry in entries:
            if not entry.name.startswith(TEMP_PREFIXES) or not entry.is_file():
                continue
            try:
                if now - entry.stat().st_mtime < TEMP_GRACE_SECONDS:
                    continue
                fd = os.open(entry.path, os.O_RDONLY)
            except OSError:
                continue  # gone meanwhile
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a writer holds it
            finally:
                os.close(fd)
            yield Path(entry.path)

    def remove_stale_temporary(self) -> list[tuple[Path, int]]:
        """Remove what :meth:`stale_temporary` finds; ``(path, bytes)`` of each removed."""
        removed = []
        for path in self.stale_temporary():
            try:
                size = path.stat().st_size
                path.unlink()
            except OSError:
                continue
            removed.append((path, size))
        return removed


class Blobs(Protocol):
    """What every backend offers: put a file once, read it back checked, check it, list them.

    ``scratch`` is a folder for temporary files (a zip member on its way in, an upload)."""

    scratch: Path

    def put_file(self, source: Path) -> StoredBlob:
        """Store the file at ``source`` (streamed; never duplicated)."""
        ...

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store ``data`` (never duplicated)."""
        ...

    def read(self, sha256: str) -> bytes:
        """The blob's bytes, after checking them against its hash."""
        ...

    def check(self, sha256: str, *, size: int | None = None) -> str | None:
        """``None`` when the blob is present and intact (and ``size`` bytes long, if given),
        else what is wrong."""
        ...

    def size(self, sha256: str) -> int | None:
        """The blob's size in bytes, ``None`` when it is not stored."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove a blob (after the disposal that removed its last reference committed)."""
        ...

    def all(self) -> Iterator[str]:
        """Every blob hash stored."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Held by a write that stores files before its transaction commits."""
        ...

    def quiet(self) -> AbstractContextManager[bool]:
        """Whether no write is storing files (none starts until the block ends)."""
        ...

    def temporary(self) -> AbstractContextManager[IO[bytes]]:
        """A locked temporary file in the scratch folder."""
        ...

    def stale_temporary(self) -> Iterator[Path]:
        """Temporary files no writer holds."""
        ...

    def remove_stale_temporary(self) -> list[tuple[Path, int]]:
        """Remove what :meth:`stale_temporary` finds."""
        ...


class BlobStore(ScratchFolder):
    """Content-addressed files under ``root`` (the filesystem backend)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        #: temporary files are made beside the blobs (renamed into place: one filesystem)
        self.scratch = self.root

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives."""
        return self.root / sha256[:2] / sha256

    def put_file(self, source: Path) -> StoredBlob:
        """Store the file at ``source`` (streamed; never duplicated)."""
        self.root.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until closed: a live writer's file is not stale
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._install(Path(tmp_name), hasher.hexdigest(), size)
        except OSError as exc:
            if full_disk(exc):  # not the source's fault: say so, never "cannot read"
                raise StoreFull.of(exc) from exc
            raise
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store ``data`` (never duplicated)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(data).hexdigest()
        if self.path(digest).exists():
            return StoredBlob(digest, len(data), False)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return self._install(Path(tmp_name), digest, len(data))
        except OSError as exc:
            if full_disk(exc):
                raise StoreFull.of(exc) from exc
            raise
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _install(self, tmp: Path, digest: str, size: int) -> StoredBlob:
        target = self.path(digest)
        if target.exists():
            return StoredBlob(digest, size, False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        return StoredBlob(digest, size, True)

    def read(self, sha256: str) -> bytes:
        """The blob's bytes, after checking them against its hash."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobError(f"blob {sha256} is missing ({path})") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobError(f"blob {sha256} does not match its hash ({path}): it was altered")
        return data

    def check(self, sha256: str, *, size: int | None = None) -> str | None:
        """``None`` when the blob is present and intact (and ``size`` bytes long, if given),
        else what is wrong."""
        path = self.path(sha256)
        hasher = hashlib.sha256()
        length = 0
        try:
            with open(path, "rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    length += len(chunk)
        except FileNotFoundError:
            return f"file {path} is missing"
        if hasher.hexdigest() != sha256:
            return f"file {path} does not match its SHA-256 (swapped or altered)"
        if size is not None and length != size:
            return f"file {path} is {length} bytes but registered as {size}"
        return None

    def size(self, sha256: str) -> int | None:
        """The blob's size in bytes, ``None`` when it is not stored."""
        path = self.path(sha256)
        return path.stat().st_size if path.is_file() else None

    def delete(self, sha256: str) -> None:
        """Remove a blob (after the disposal that removed its last reference committed)."""
        self.path(sha256).unlink(missing_ok=True)

    def all(self) -> Iterator[str]:
        """Every blob hash on disk."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for item in sorted(sub.iterdir()):
                    yield item.name


class DatabaseBlobStore(ScratchFolder):
    """Content-addressed files in the database's ``blob_contents`` table (every host of a
    PostgreSQL database reaches them). Each file is written in a transaction of its own, chunk
    by chunk; read back and checked chunk by chunk."""

    def __init__(self, engine: Engine, scratch: Path) -> None:
        self.engine = engine
        self.scratch = Path(scratch)

    def _exists(self, conn: Connection, digest: str) -> bool:
        from sqlalchemy import select

        from commsgov.store.tables import blob_contents as t

        query = select(t.c.chunk).where(t.c.sha256 == digest, t.c.chunk == 0)
        return conn.execute(query).first() is not None

    def _put(self, digest: str, size: int, chunks: Iterator[bytes]) -> StoredBlob:
        """Store ``chunks`` under ``digest`` unless already stored; they must hash to it."""
        from sqlalchemy import insert
        from sqlalchemy.exc import IntegrityError as Duplicate

        from commsgov.store.tables import blob_contents as t

        try:
            with self.engine.begin() as conn:
                if self._exists(conn, digest):
                    return StoredBlob(digest, size, False)
                hasher = hashlib.sha256()
                for index, chunk in enumerate(chunks):
                    hasher.update(chunk)
                    conn.execute(insert(t).values(sha256=digest, chunk=index, data=chunk))
                if hasher.hexdigest() != digest:  # the source changed while it was read
                    raise BlobError(f"the file changed while it was stored ({digest})")
        except Duplicate:  # another writer stored the same bytes at the same moment
            return StoredBlob(digest, size, False)
        return StoredBlob(digest, size, True)

    def put_file(self, source: Path) -> StoredBlob:
        """Store the file at ``source``: hashed first, then streamed in (skipped when held)."""
        hasher = hashlib.sha256()
        size = 0
        with open(source, "rb") as src:
            while chunk := src.read(_CHUNK):
                hasher.update(chunk)
                size += len(chunk)

        def chunks() -> Iterator[bytes]:
            with open(source, "rb") as src:
                yield src.read(_CHUNK)  # an empty file is one empty chunk
                while chunk := src.read(_CHUNK):
                    yield chunk

        return self._put(hasher.hexdigest(), size, chunks())

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store ``data`` (never duplicated)."""
        parts = [data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK)] or [b""]
        return self._put(hashlib.sha256(data).hexdigest(), len(data), iter(parts))

    def _chunks(self, sha256: str) -> Iterator[tuple[int, bytes]]:
        """The stored chunks of a blob in order, a few at a time (never the whole file)."""
        from sqlalchemy import select

        from commsgov.store.tables import blob_contents as t

        after = -1
        with self.engine.connect() as conn:
            while True:
                rows = conn.execute(
                    select(t.c.chunk, t.c.data)
                    .where(t.c.sha256 == sha256, t.c.chunk > after)
                    .order_by(t.c.chunk)
                    .limit(8)
                ).all()
                for index, data in rows:
                    yield int(index), bytes(data)
                if len(rows) < 8:
                    return
                after = int(rows[-1][0])

    def _scan(self, sha256: str) -> tuple[str | None, int, bool]:
        """Hash a blob's chunks: its digest (``None`` when it is absent), its size, and whether
        the chunks run 0, 1, 2, ... without a gap."""
        hasher = hashlib.sha256()
        size = 0
        expected = 0
        for index, data in self._chunks(sha256):
            if index != expected:
                return hasher.hexdigest(), size, False
            hasher.update(data)
            size += len(data)
            expected += 1
        return (hasher.hexdigest() if expected else None), size, True

    def read(self, sha256: str) -> bytes:
        """The blob's bytes, after checking them against its hash."""
        parts = []
        hasher = hashlib.sha256()
        expected = 0
        for index, data in self._chunks(sha256):
            if index != expected:
                raise BlobError(f"blob {sha256} lost a part (chunk {expected}): it was altered")
            hasher.update(data)
            parts.append(data)
            expected += 1
        if not expected:
            raise BlobError(f"blob {sha256} is missing (from the database)")
        if hasher.hexdigest() != sha256:
            raise BlobError(f"blob {sha256} does not match its hash (database): it was altered")
        return b"".join(parts)

    def check(self, sha256: str, *, size: int | None = None) -> str | None:
        """``None`` when the blob is present and intact (and ``size`` bytes long, if given),
        else what is wrong."""
        digest, length, contiguous = self._scan(sha256)
        if digest is None:
            return f"file {sha256} is missing from the database"
        if not contiguous or digest != sha256:
            return f"file {sha256} in the database does not match its SHA-256 (swapped or altered)"
        if size is not None and length != size:
            return f"file {sha256} is {length} bytes but registered as {size}"
        return None

    def size(self, sha256: str) -> int | None:
        """The blob's size in bytes, ``None`` when it is not stored."""
        from sqlalchemy import func, select

        from commsgov.store.tables import blob_contents as t

        with self.engine.connect() as conn:
            query = select(func.count(), func.sum(func.length(t.c.data))).where(
                t.c.sha256 == sha256
            )
            count, total = conn.execute(query).one()
        return int(total or 0) if count else None

    def delete(self, sha256: str) -> None:
        """Remove a blob (after the disposal that removed its last reference committed)."""
        from sqlalchemy import delete

        from commsgov.store.tables import blob_contents as t

        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.sha256 == sha256))

    def all(self) -> Iterator[str]:
        """Every blob hash stored."""
        from sqlalchemy import select

        from commsgov.store.tables import blob_contents as t

        with self.engine.connect() as conn:
            query = select(t.c.sha256).where(t.c.chunk == 0).order_by(t.c.sha256)
            found = [str(r[0]) for r in conn.execute(query)]
        yield from found


def make_blobs(url: str, engine: Engine, *, folder: Path, backend: BlobBackend = "auto") -> Blobs:
    """The blob store for the database at ``url``: ``auto`` keeps files in the database with
    PostgreSQL (every host reaches them) and in ``folder`` with SQLite; ``filesystem`` or
    ``database`` choose (``COMMSGOV_BLOB_BACKEND``). With the database backend, ``folder``
    holds temporary files only."""
    if backend == "database" or (backend == "auto" and engine.dialect.name == "postgresql"):
        return DatabaseBlobStore(engine, folder)
    return BlobStore(folder)

"""Content-addressed files: each stored once under its SHA-256, checked every time it is read.

Layout: ``<root>/<first two hex digits>/<sha256>``. Writes go to a temporary file
(``<root>/.incoming-*``) that is synced and then renamed, so a crash never leaves a partial blob
under a real name. The writer holds an exclusive ``flock`` on its temporary file while it writes:
a temporary file nobody holds was left by a killed writer, and :meth:`BlobStore.stale_temporary`
lists it (``commsgov store clean`` and the next start remove them). A blob written by a
transaction that then failed is an orphan: on disk, registered by no row.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from commsgov.errors import IntegrityError
from commsgov.store.disk import StoreFull, full_disk

_CHUNK = 1 << 20
#: the prefix of temporary files at the root (``.zip-``: what ingest used before)
TEMP_PREFIXES = (".incoming-", ".zip-")
#: a temporary file younger than this is left alone (its writer may not hold its lock yet)
TEMP_GRACE_SECONDS = 60


class BlobError(IntegrityError):
    """A blob is missing or its bytes no longer match its SHA-256."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """A file in the blob store: its address, size, and whether this call added it."""

    sha256: str
    size: int
    new: bool


class BlobStore:
    """Content-addressed files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

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

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Held (shared) by a write that stores files before its transaction commits, so that
        :meth:`orphans` never takes a file whose row is about to be committed for an orphan."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)  # the folder itself is the lock: no extra file
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def quiet(self) -> Iterator[bool]:
        """Whether no write is storing files (then none starts until the block ends)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
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
        """A locked temporary file at the root for a caller to fill (then :meth:`put_file`);
        removed when done, and found stale if its process is killed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-tmp-") as tmp:
            fcntl.flock(tmp.fileno(), fcntl.LOCK_EX)
            yield tmp

    def stale_temporary(self) -> Iterator[Path]:
        """Temporary files at the root that no writer holds (left by a killed write)."""
        try:
            entries = list(os.scandir(self.root))
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

    def all(self) -> Iterator[str]:
        """Every blob hash on disk."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for item in sorted(sub.iterdir()):
                    yield item.name

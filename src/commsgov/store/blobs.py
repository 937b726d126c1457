"""Content-addressed files: each stored once under its SHA-256, checked every time it is read.

Layout: ``<root>/<first two hex digits>/<sha256>``. Writes go to a temporary file that is synced
and then renamed, so a crash never leaves a partial blob under a real name; a blob written by a
transaction that then failed is an orphan that :meth:`BlobStore.orphans` lists.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commsgov.errors import IntegrityError

_CHUNK = 1 << 20


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
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._install(Path(tmp_name), hasher.hexdigest(), size)
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
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return self._install(Path(tmp_name), digest, len(data))
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

    def all(self) -> Iterator[str]:
        """Every blob hash on disk."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for item in sorted(sub.iterdir()):
                    yield item.name

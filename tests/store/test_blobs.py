"""The content-addressed file store: stored once, read back verified, never half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from commsgov.store.blobs import BlobError, BlobStore


def test_put_is_idempotent_and_addressed_by_hash(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * (3 << 20) + b"tail")  # several read chunks
    first = blobs.put_file(source)
    again = blobs.put_bytes(source.read_bytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert (first.sha256, first.size, first.new) == (digest, source.stat().st_size, True)
    assert (again.sha256, again.new) == (digest, False)
    assert list(blobs.all()) == [digest]
    assert blobs.path(digest) == tmp_path / "blobs" / digest[:2] / digest
    assert blobs.read(digest) == source.read_bytes()
    assert blobs.check(digest, size=first.size) is None
    assert not list((tmp_path / "blobs").glob(".incoming-*")), "temporary files left behind"


def test_altered_or_missing_blobs_are_refused(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    stored = blobs.put_bytes(b"original")
    path = blobs.path(stored.sha256)
    path.chmod(0o644)
    path.write_bytes(b"0riginal")
    with pytest.raises(BlobError, match="altered"):
        blobs.read(stored.sha256)
    assert "swapped or altered" in (blobs.check(stored.sha256) or "")
    path.unlink()
    with pytest.raises(BlobError, match="missing"):
        blobs.read(stored.sha256)
    assert "missing" in (blobs.check(stored.sha256) or "")


def test_a_failed_copy_leaves_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    with pytest.raises(FileNotFoundError):
        blobs.put_file(tmp_path / "does-not-exist")
    assert list(blobs.all()) == []
    assert not list((tmp_path / "blobs").glob(".incoming-*"))

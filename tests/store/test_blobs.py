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


def test_the_database_backend_stores_streams_and_checks(store: object, tmp_path: Path) -> None:
    """Files in the database (the default with PostgreSQL; chosen here on both): chunked,
    stored once, read back verified, a changed chunk or a lost one refused."""
    from sqlalchemy import text

    from commsgov.store.blobs import DatabaseBlobStore

    blobs = DatabaseBlobStore(store.engine, tmp_path / "scratch")  # type: ignore[attr-defined]
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * (3 << 20) + b"tail")  # four chunks
    first = blobs.put_file(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert (first.sha256, first.size, first.new) == (digest, source.stat().st_size, True)
    assert blobs.put_bytes(source.read_bytes()).new is False
    empty = blobs.put_bytes(b"")
    assert blobs.read(empty.sha256) == b"" and blobs.size(empty.sha256) == 0
    assert sorted(blobs.all()) == sorted([digest, empty.sha256])
    assert blobs.read(digest) == source.read_bytes()
    assert blobs.size(digest) == first.size
    assert blobs.check(digest, size=first.size) is None
    assert "registered as 5" in (blobs.check(digest, size=5) or "")
    with store.write() as conn:  # type: ignore[attr-defined]
        conn.execute(text("DELETE FROM blob_contents WHERE sha256 = :s AND chunk = 2"),
                     {"s": digest})  # fmt: skip
    with pytest.raises(BlobError, match="lost a part"):
        blobs.read(digest)
    assert "swapped or altered" in (blobs.check(digest) or "")
    blobs.delete(digest)
    assert blobs.size(digest) is None and "missing" in (blobs.check(digest) or "")
    with pytest.raises(BlobError, match="missing"):
        blobs.read(digest)


def test_postgresql_keeps_files_in_the_database(postgres_url: str, tmp_path: Path) -> None:
    """Every host of one PostgreSQL database reaches its files: another store opened on it
    with another folder reads them (SQLite keeps its folder; a setting overrides)."""
    from commsgov.store.blobs import DatabaseBlobStore
    from commsgov.store.handle import open_store

    one = open_store(postgres_url, blob_dir=tmp_path / "host-a", migrate=False)
    other = open_store(postgres_url, blob_dir=tmp_path / "host-b", migrate=False)
    try:
        assert isinstance(one.blobs, DatabaseBlobStore)
        stored = one.blobs.put_bytes(b"an attachment")
        assert other.blobs.read(stored.sha256) == b"an attachment"
        assert not (tmp_path / "host-a").exists()
    finally:
        one.close()
        other.close()
    chosen = open_store(postgres_url, blob_dir=tmp_path / "f", migrate=False,
                        blob_backend="filesystem")  # fmt: skip
    try:
        assert isinstance(chosen.blobs, BlobStore)
    finally:
        chosen.close()

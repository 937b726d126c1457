"""Stored files: put a file in the content-addressed blob store, and read one back, checked."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from commsgov.accounts.actor import Actor
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.events import FileRead
from commsgov.records.models import AttachmentRef
from commsgov.services import read_gate
from commsgov.services._support import write_whole
from commsgov.store import repo
from commsgov.store.handle import Store
from commsgov.store.repo import Visibility

__all__ = ["read_file", "store_file"]


def store_file(
    store: Store, path: Path, *, actor: Actor, field_name: str = "attach"
) -> AttachmentRef:
    """Store a file content-addressed; raises InvalidFieldError when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InvalidFieldError(field_name, f"no such file: {path}")
    try:
        blob = store.blobs.put_file(path)
    except OSError as exc:
        raise InvalidFieldError(field_name, f"cannot read {path}: {exc}") from exc
    media_type = mimetypes.guess_type(path.name)[0]
    return AttachmentRef(
        sha256=blob.sha256, size=blob.size, filename=path.name, media_type=media_type
    )


def read_file(store: Store, sha256: str, *, actor: Actor, output: Path | None = None) -> bytes:
    """The bytes of a stored file (an attachment or an original export), after checking them
    against their SHA-256: a file altered or missing is a
    :class:`~commsgov.store.blobs.BlobError` (an integrity error), never wrong bytes. A staff
    member reads only the files of records they may see (any other is not found). With
    ``output``, also written there, whole or not at all (a path that cannot be written is
    refused naming it)."""
    digest = sha256.strip().lower()

    def run(visible_to: Visibility | None) -> bytes:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidFieldError("sha256", f"{sha256!r} is not a SHA-256 (64 hex digits)")
        with store.read() as conn:  # (a file no record registered is not found: not a break)
            if not repo.blob_registered(conn, sha256=digest) or not repo.file_visible(
                conn, sha256=digest, visible_to=visible_to
            ):
                raise NotFoundError(f"no stored file {digest}")
        data = store.blobs.read(digest)
        if output is not None:
            write_whole(output, data)
        return data

    event = FileRead(digest)
    return read_gate.read(store, actor=actor, attempt=event, run=run, done=lambda _data: event)

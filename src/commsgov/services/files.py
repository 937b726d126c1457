"""Stored files: put a file in the content-addressed blob store."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from commsgov.records.errors import InvalidFieldError
from commsgov.records.models import (
    AttachmentRef,
)
from commsgov.services.actor import Actor
from commsgov.store.handle import Store

if TYPE_CHECKING:
    pass

__all__ = ["store_file"]


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

"""What every service module needs: the clock, the pack, new ids, and text forms of times and
digests. Internal to :mod:`commsgov.services`."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from commsgov.records.errors import InvalidFieldError
from commsgov.store.disk import full_disk

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack


def clock(now: dt.datetime | None) -> dt.datetime:
    """``now`` when a caller fixed it (tests, replays), else the current time in UTC."""
    return now if now is not None else dt.datetime.now(dt.UTC)


def resolve_pack(pack: CompiledPack | None) -> CompiledPack:
    """The pack given, else the configured one."""
    if pack is not None:
        return pack
    from commsgov.policy.cache import compiled_pack

    return compiled_pack()


def new_uid() -> str:
    """A new random id (32 hex digits)."""
    return uuid.uuid4().hex


def iso(when: dt.datetime | None) -> str | None:
    """ISO 8601 text of ``when`` (``None`` stays ``None``)."""
    return when.isoformat() if when is not None else None


def hex_text(value: object) -> str:
    """A digest as hex text, whether stored as text or as raw bytes."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def judged_at(
    as_of: dt.date | dt.datetime | None, *, now: dt.datetime, zone: str | None = None
) -> dt.datetime:
    """The instant a judgement is made "as of": ``now`` when not given; a bare date is the end
    of that day in ``zone`` (default the configured zone), as a range's end is."""
    if as_of is None:
        return now
    from commsgov.records.timestamps import range_end

    return range_end(as_of, zone=zone or configured_zone())


def configured_zone() -> str:
    """The organisation's time zone (``COMMSGOV_TIMEZONE``)."""
    from commsgov.config import core_settings

    return core_settings().timezone


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (a file a user asked for) whole or not at all: into a
    temporary file beside it, flushed to disk, then renamed over it (readable by its owner
    only: it holds the record). Refused naming ``path`` (an
    :class:`~commsgov.records.errors.InvalidFieldError` on ``output``) when it cannot be
    written; no temporary file is left behind."""
    # the temporary file must be on the same file system for the rename to be atomic
    try:
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a directory")
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise _not_written(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _not_written(path, exc) from exc


def _not_written(path: Path, exc: OSError) -> InvalidFieldError:
    why = "the disk is full" if full_disk(exc) else (exc.strerror or str(exc))
    return InvalidFieldError("output", f"cannot write {path}: {why}; nothing was written")

"""A full disk: one clear error, wherever the store writes (the database or its files)."""

from __future__ import annotations

import errno

from commsgov.errors import Unavailable

__all__ = ["StoreFull", "full_disk"]


class StoreFull(Unavailable):
    """The disk holding the database or its files is full: the write was undone."""

    @classmethod
    def of(cls, exc: BaseException) -> StoreFull:
        """The error for ``exc`` (a full disk): what happened, and that nothing was kept."""
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).splitlines() or [type(cause).__name__])[0]
        return cls(
            f"the disk is full ({first}): nothing of this change was stored and the store is "
            "as it was; free some space and try again"
        )


def full_disk(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says a disk or the database's storage is full.

    >>> full_disk(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> full_disk(ValueError("x"))
    False
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(current)
        if "database or disk is full" in text or "No space left on device" in text:
            return True
        if getattr(current, "sqlstate", None) == "53100":  # PostgreSQL: disk_full
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False

"""What every service module needs: the clock, the pack, new ids, and text forms of times and
digests. Internal to :mod:`commsgov.services`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

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

"""Limits on what one import may read: a hostile or broken export is refused, not obeyed.

Each limit is a setting (``commsgov.config``, environment ``COMMSGOV_INGEST_...``); the error
that refuses a file names the limit and the setting that raises it. Checked before anything is
read where the export declares sizes (zip members), and while reading otherwise, so a 2 MB zip
that would expand to 2 GiB is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from commsgov.ingest.errors import ParseError

_GIB = 1 << 30
_MIB = 1 << 20
#: members smaller than this are not held to the expansion ratio (a few KiB of spaces
#: compress a thousandfold and harm nobody)
RATIO_FLOOR = _MIB


class LimitError(ParseError):
    """An export exceeds a configured ingest limit; the message names the limit and setting."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one import may read.

    ``max_member_bytes``: the uncompressed size of one zip member read (the chat or a media
    file), or one media file a Telegram export names; ``max_expansion_ratio``: uncompressed
    size over compressed size of a zip member of at least ``RATIO_FLOOR``;
    ``max_message_chars``: the text of one message; ``max_import_bytes``: the export file
    plus every member and media file read from it.
    """

    max_member_bytes: int = _GIB
    max_expansion_ratio: int = 100
    max_message_chars: int = _MIB
    max_import_bytes: int = 8 * _GIB


#: the setting behind each limit
SETTINGS = {
    "max_member_bytes": "ingest_max_member_bytes",
    "max_expansion_ratio": "ingest_max_expansion_ratio",
    "max_message_chars": "ingest_max_message_chars",
    "max_import_bytes": "ingest_max_import_bytes",
}


def refuse(
    what: str, size: int, limit: str, value: int, *, file: str, line: int | None = None
) -> LimitError:
    """The error for ``what`` (of ``size``) over the limit ``limit`` (set to ``value``).

    >>> str(refuse("zip member 'a.mp4'", 3 << 30, "max_member_bytes", 1 << 30, file="x.zip"))
    "x.zip: zip member 'a.mp4' is 3,221,225,472, over the limit of 1,073,741,824 \
(setting ingest_max_member_bytes, environment COMMSGOV_INGEST_MAX_MEMBER_BYTES)"
    """
    setting = SETTINGS[limit]
    return LimitError(
        f"{what} is {size:,}, over the limit of {value:,} "
        f"(setting {setting}, environment COMMSGOV_{setting.upper()})",
        file=file,
        line=line,
    )

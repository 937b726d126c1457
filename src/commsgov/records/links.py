"""Files linked to messages after they were stored (``message-files-linked`` entries).

A message keeps its attachments exactly as first stored (its hash covers them); a file that
arrives later for one of its references-only attachments (a WhatsApp zip imported after its
``.txt``) is linked by a ledger entry instead. These pure functions read those links from a
record's ledger history and show a message's files with them filled in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from commsgov.records.ledger import LedgerEntry
from commsgov.records.models import AttachmentRef

__all__ = [
    "FILE_ADDING_KINDS",
    "LINKED_KIND",
    "LinkedFile",
    "links_by_message",
    "links_of",
    "with_links",
]

#: the ledger kind of a link entry (:class:`commsgov.records.events.FilesLinked`)
LINKED_KIND = "message-files-linked"
#: ledger kinds that give a record a file after it was captured (an original file that joined
#: it, a file linked to its messages): a file they name still belongs to that record
FILE_ADDING_KINDS = ("source-added", LINKED_KIND)


@dataclass(frozen=True, slots=True)
class LinkedFile:
    """A stored file filling reference ``index`` of a message's attachments, linked by ledger
    entry ``entry_seq``."""

    index: int
    file: AttachmentRef
    entry_seq: int


def links_of(history: Iterable[LedgerEntry]) -> list[dict[str, Any]]:
    """Every link of a record's ledger ``history`` (each with its ``entry_seq``), in order.

    >>> links_of([])
    []
    """
    found: list[dict[str, Any]] = []
    for e in history:
        if e.kind == LINKED_KIND:
            payload = json.loads(e.payload)
            found.extend({**link, "entry_seq": e.seq} for link in payload.get("links", ()))
    return found


def links_by_message(links: Iterable[dict[str, Any]]) -> dict[str, tuple[LinkedFile, ...]]:
    """The links grouped by message identity (hex).

    >>> link = {"identity": "ab", "index": 0, "sha256": "c" * 64, "size": 3,
    ...         "filename": "a.jpg", "media_type": "image/jpeg", "entry_seq": 9}
    >>> links_by_message([link])["ab"][0].file.filename
    'a.jpg'
    """
    grouped: dict[str, list[LinkedFile]] = {}
    for link in links:
        file = AttachmentRef.from_dict(link)
        grouped.setdefault(str(link["identity"]), []).append(
            LinkedFile(int(link["index"]), file, int(link["entry_seq"]))
        )
    return {k: tuple(v) for k, v in grouped.items()}


def with_links(
    attachments: Sequence[AttachmentRef], linked: Iterable[LinkedFile]
) -> tuple[AttachmentRef, ...]:
    """A message's files: its attachments as stored, each reference filled by its link.

    >>> ref = AttachmentRef(sha256=None, size=None, filename="a.jpg")
    >>> held = AttachmentRef(sha256="c" * 64, size=3, filename="a.jpg")
    >>> with_links([ref], [LinkedFile(0, held, 9)]) == (held,)
    True
    """
    files = list(attachments)
    for link in linked:
        if 0 <= link.index < len(files) and files[link.index].sha256 is None:
            files[link.index] = link.file
    return tuple(files)

"""Merging an offline store (an outage kit) into the corporate record: the pure rules.

An offline store is an ordinary commsgov store on a machine cut off from the service; its key
signs its ledger's head as it goes (:mod:`commsgov.records.checkpoints`). Before anything of it
is merged, its whole chain is verified and must reach a checkpoint signed by the key registered
for it. Then each of its entries is brought in as ordinary entries of the central ledger,
followed by an ``offline-entry-merged`` entry naming where it came from
(:mod:`commsgov.records.events.merge`). What may be merged, and how a message row of the
offline store becomes a message to add again, are decided here; the service
(:mod:`commsgov.services.merge`) does the reading and writing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json

from commsgov.errors import IntegrityError, InvalidInput
from commsgov.records.models import AttachmentRef, MessageDraft
from commsgov.records.timestamps import resolve_zone, utc_text
from commsgov.records.verify import MessageRow

__all__ = [
    "MERGED_KINDS",
    "OfflineStoreRefused",
    "UnregisteredStore",
    "message_from_row",
    "parse_public_key",
    "refusal",
]

#: the kinds of entry an offline store may hold to be merged: what an outage kit does
#: (captures, corrections, imported conversations and their files, outages; an export is a
#: read and is named, not repeated). Retention acts only on the corporate record.
MERGED_KINDS = frozenset(
    {
        "record-captured",
        "record-corrected",
        "messages-added",
        "source-added",
        "outage-started",
        "outage-ended",
        "records-exported",
    }
)


class OfflineStoreRefused(IntegrityError):
    """An offline store failed a check before its merge; nothing of it was merged."""

    code = "offline-store-refused"


class UnregisteredStore(InvalidInput):
    """An offline store's public key is not registered here, and none was given."""


def parse_public_key(text: str) -> bytes:
    """The raw 32-byte Ed25519 key of ``ed25519:<base64>`` (as ``commsgov store identity``
    prints it); anything else is an :class:`~commsgov.errors.InvalidInput` naming ``--key``.

    >>> len(parse_public_key("ed25519:" + "A" * 43 + "="))
    32
    >>> parse_public_key("rsa:xyz")
    Traceback (most recent call last):
    ...
    commsgov.errors.InvalidInput: --key: 'rsa:xyz' is not an Ed25519 public key (ed25519:<base64>)
    """
    word = text.strip()
    raw = b""
    if word.startswith("ed25519:"):
        try:
            raw = base64.b64decode(word.removeprefix("ed25519:"), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != 32:
        raise InvalidInput(
            f"--key: {text!r} is not an Ed25519 public key (ed25519:<base64>)", field="key"
        )
    return raw


def refusal(*, seq: int, kind: str) -> str | None:
    """Why entry ``seq`` of kind ``kind`` keeps its store from being merged (``None``: it may).

    >>> refusal(seq=3, kind="messages-added") is None
    True
    >>> refusal(seq=4, kind="record-disposed")
    'entry 4 is a record-disposed: an offline store may hold only what capture makes'
    """
    if kind in MERGED_KINDS:
        return None
    # retention (holds, disposals, transfers) acts on the corporate record only
    return f"entry {seq} is a {kind}: an offline store may hold only what capture makes"


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    return resolve_zone(name, field="sent_zone")


def message_from_row(row: MessageRow) -> MessageDraft:
    """The message a stored row holds, to add again elsewhere: the same instant in the same
    zone (so its stored time, zone and local text come out exactly as they were), sender,
    text, files, kind and flags. A row whose zone does not give back its local time is an
    :class:`OfflineStoreRefused` (the evidence would change).

    >>> row = MessageRow(1, 0, "r1", b"", "2026-07-01T09:00:00.000000Z", "Europe/London",
    ...     "2026-07-01T10:00:00+01:00", "Ann", "hi", "[]", "message", '["edited"]', b"")
    >>> m = message_from_row(row)
    >>> m.sent_at.isoformat(), m.sender, m.flags
    ('2026-07-01T10:00:00+01:00', 'Ann', ('edited',))
    """
    sent_at_utc, sent_zone, sent_local = row.sent_at_utc, row.sent_zone, row.sent_local
    try:
        # the local text names the instant and its offset; the zone's rules are put back on
        when = dt.datetime.fromisoformat(sent_local).astimezone(_zone(sent_zone))
    except (ValueError, InvalidInput):
        when = None
    if when is None or when.isoformat() != sent_local or utc_text(when) != sent_at_utc:
        raise OfflineStoreRefused(
            f"message at {sent_at_utc}: its zone {sent_zone!r} and local time {sent_local!r} "
            "do not agree"
        )
    attachments = row.attachments_json
    flags = row.flags_json
    return MessageDraft(
        sent_at=when,
        sender=row.sender,
        text=row.text,
        attachments=()
        if attachments == "[]"
        else tuple(AttachmentRef.from_dict(a) for a in json.loads(attachments)),
        kind="system" if row.kind == "system" else "message",
        flags=() if flags == "[]" else tuple(json.loads(flags)),
    )

"""The hash chain: each ledger entry commits to its payload and to the entry before it.

``entry_hash = SHA-256(canonical [seq, at, actor, kind, record_uid, content_sha256, prev_hash])``
and ``content_sha256 = SHA-256(payload)``, where the payload is canonical JSON. Editing,
deleting or reordering any entry changes a hash that a later entry (or the head) commits to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from commsgov.records.canonical import canonical_bytes, canonical_json, sha256_hex
from commsgov.records.events import Event, registered
from commsgov.records.timestamps import utc_text

#: the ``prev_hash`` of the first entry
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One link of the chain, exactly as stored."""

    seq: int
    at: str
    actor: str
    kind: str
    record_uid: str | None
    payload: str
    content_sha256: str
    prev_hash: str
    entry_hash: str


def entry_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    kind: str,
    record_uid: str | None,
    content_sha256: str,
    prev_hash: str,
) -> str:
    """The hash of an entry's header, which commits to its content and its predecessor.

    >>> entry_hash(seq=1, at="t", actor="a", kind="k", record_uid=None,
    ...            content_sha256="c", prev_hash=GENESIS)[:12]
    '866d3bf90709'
    """
    header = [seq, at, actor, kind, record_uid, content_sha256, prev_hash]
    return sha256_hex(canonical_bytes(header))


def make_entry(
    event: Event, *, seq: int, prev_hash: str, actor: str, at: dt.datetime
) -> LedgerEntry:
    """The ledger entry that appends ``event`` after an entry whose hash is ``prev_hash``.

    Only a registered ledger event is taken (a ``TypeError`` otherwise: see
    :mod:`commsgov.records.events`).

    >>> import datetime as dt
    >>> from commsgov.records.events import TransferConfirmed
    >>> e = make_entry(TransferConfirmed("C1", None), seq=1, prev_hash=GENESIS, actor="ann",
    ...                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> e.seq, e.kind
    (1, 'transfer-confirmed')
    >>> e.payload
    '{"data":{"accession":null,"consignment":"C1"},"entity":null,"uid":null}'
    """
    registered(event, chain="ledger")
    payload = canonical_json(event.payload())
    content = sha256_hex(payload)
    at_text = utc_text(at)
    return LedgerEntry(
        seq=seq,
        at=at_text,
        actor=actor,
        kind=event.kind,
        record_uid=event.record_uid,
        payload=payload,
        content_sha256=content,
        prev_hash=prev_hash,
        entry_hash=entry_hash(
            seq=seq,
            at=at_text,
            actor=actor,
            kind=event.kind,
            record_uid=event.record_uid,
            content_sha256=content,
            prev_hash=prev_hash,
        ),
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a person keeps to check a record later: its hash, its place in the chain, the head."""

    record_uid: str
    record_sha256: str
    entry_seq: int
    entry_hash: str
    head_seq: int
    head_hash: str
    issued_at: str

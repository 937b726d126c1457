"""Verification maths: replay the ledger, recompute every hash, find the first broken link.

The store feeds a :class:`Verifier` with ledger entries in ``seq`` order, then the current rows
of each table; the verifier says what differs. No I/O here: the same code checks SQLite and
PostgreSQL, and tests can feed it hand-made rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from commsgov.records.canonical import (
    canonical_json,
    sha256_hex,
)
from commsgov.records.checkpoints import Checkpoint
from commsgov.records.commitment import canonical_row
from commsgov.records.ledger import GENESIS, LedgerEntry, entry_hash
from commsgov.records.retention_state import DEFAULT_CLASS, RETENTION_KINDS, RetentionReplay


@dataclass(frozen=True, slots=True)
class Break:
    """The first broken link: which check failed, where (entry, record) and what differs."""

    check: str
    detail: str
    entry_seq: int | None = None
    record_uid: str | None = None

    def __str__(self) -> str:
        where = []
        if self.entry_seq is not None:
            where.append(f"ledger entry {self.entry_seq}")
        if self.record_uid is not None:
            where.append(f"record {self.record_uid}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{self.check}: {prefix}{self.detail}"


class MessageRow(NamedTuple):
    """A stored message as verify reads it (columns in the order of the canonical bytes).

    ``identity`` and ``sha256`` are raw 32-byte digests, as stored.
    """

    entry_seq: int
    position: int
    record_uid: str
    identity: bytes
    sent_at_utc: str
    sent_zone: str
    sent_local: str
    sender: str | None
    text: str
    attachments_json: str
    kind: str
    flags_json: str
    sha256: bytes


class EntryDigest(NamedTuple):
    """One messages-added entry as a store's fast path read it (:meth:`Verifier.message_digests`).

    The store builds each message's canonical bytes in the database, hashes them with
    :func:`message_digests`, and compares them with the stored hashes; the verifier compares the
    rest with the ledger, and checks exactly from the rows whatever does not match.
    """

    seq: int
    #: how many rows of this entry belong to the entry's record
    rows: int
    #: SHA-256 over the recomputed message digests in position order (hex): the batch digest
    digest: str
    #: every recomputed digest equals the stored one, positions run 0, 1, 2, ...
    matches: bool
    #: the attachments JSON of the messages that have attachments
    attachments: list[str]


def message_digests(canonical: Iterable[bytes]) -> bytes:
    """The SHA-256 digests of messages' canonical bytes, concatenated (raw, 32 bytes each).

    >>> message_digests([b"a", b"b"])[32:36].hex()
    '3e23e816'
    """
    sha256 = hashlib.sha256
    return b"".join([sha256(b).digest() for b in canonical])


@dataclass(slots=True)
class _Batch:
    uid: str
    count: int
    digest: str


@dataclass
class Verifier:
    """Feed it entries, then rows; each method returns the first :class:`Break` or ``None``."""

    entries: int = 0
    head_hash: str = GENESIS
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    outages: dict[str, dict[str, Any]] = field(default_factory=dict)
    disposed: set[str] = field(default_factory=set)
    #: records whose content-bearing payloads were redacted when they were destroyed
    redacted: dict[str, int] = field(default_factory=dict)
    record_entry: dict[str, int] = field(default_factory=dict)
    batches: dict[int, _Batch] = field(default_factory=dict)
    messages_checked: int = 0
    message_blobs: set[str] = field(default_factory=set)
    #: files that joined a record after it was captured (``source-added``), by record
    added_sources: dict[str, set[str]] = field(default_factory=dict)
    #: the registers' entries as their events set them: register name -> entry uid -> fields
    registers: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: the latest signed checkpoint: the chain must reach it with the same hash
    anchored: Checkpoint | None = None
    #: holds, reviews, approvals, classes and certificates as the ledger has them
    retention: RetentionReplay = field(default_factory=RetentionReplay)

    # -- the chain ------------------------------------------------------------------------
    def entry(self, e: LedgerEntry) -> Break | None:
        """Check the next entry: its sequence number, link, hashes, and replay its payload."""
        expected = self.entries + 1
        if e.seq != expected:
            return Break(
                "chain",
                f"expected entry {expected} next, found {e.seq} (missing or reordered)",
                e.seq,
                e.record_uid,
            )
        if e.prev_hash != self.head_hash:
            return Break(
                "chain",
                f"prev_hash {e.prev_hash[:16]}... does not match the hash of entry {e.seq - 1} "
                f"({self.head_hash[:16]}...): entries removed, inserted or reordered",
                e.seq,
                e.record_uid,
            )
        redacted = False
        if sha256_hex(e.payload) != e.content_sha256:
            redacted = is_redaction(e)
            if not redacted:
                return Break(
                    "content", "payload does not match its content_sha256", e.seq, e.record_uid
                )
        recomputed = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            kind=e.kind,
            record_uid=e.record_uid,
            content_sha256=e.content_sha256,
            prev_hash=e.prev_hash,
        )
        if recomputed != e.entry_hash:
            return Break(
                "chain",
                "entry_hash does not match the entry's fields (seq, time, actor, kind, "
                "record or content changed)",
                e.seq,
                e.record_uid,
            )
        anchored = self.anchored
        if anchored is not None and e.seq == anchored.seq and e.entry_hash != anchored.head:
            return Break(
                "checkpoint",
                f"this is not the entry signed at {anchored.at} (hash {anchored.head[:16]}..., "
                f"found {e.entry_hash[:16]}...): the ledger was rewritten here or before",
                e.seq,
                e.record_uid,
            )
        self.entries = e.seq
        self.head_hash = e.entry_hash
        if redacted:
            # content destroyed: the chain still holds its hash; the record must be disposed of
            uid = str(e.record_uid)
            self.redacted.setdefault(uid, e.seq)
            if e.kind == "record-captured":
                self.records[uid] = {}
                self.record_entry[uid] = e.seq
            return None
        return self._replay(e)

    def _replay(self, e: LedgerEntry) -> Break | None:
        if e.kind in RETENTION_KINDS:
            problem = self.retention.entry(e)
            return None if problem is None else Break("retention", problem, e.seq, e.record_uid)
        payload: dict[str, Any] = json.loads(e.payload)
        entity = payload.get("entity")
        uid = str(payload.get("uid"))
        if entity == "record":
            if payload.get("dispose"):
                self.records.pop(uid, None)
                self.disposed.add(uid)
            elif e.kind == "record-captured":
                if uid in self.records:
                    return Break("replay", "record captured twice", e.seq, uid)
                self.records[uid] = dict(payload["set"])
                self.record_entry[uid] = e.seq
            else:
                if uid not in self.records:
                    return Break("replay", "correction of an unknown record", e.seq, uid)
                self.records[uid].update(payload["set"])
        elif entity == "outage":
            self.outages.setdefault(uid, {}).update(payload["set"])
        elif entity == "messages":
            self.batches[e.seq] = _Batch(uid, int(payload["count"]), payload["digest"])
        elif entity == "source":
            file_sha256 = (payload.get("source") or {}).get("file_sha256")
            if file_sha256:
                self.added_sources.setdefault(uid, set()).add(file_sha256)
        elif entity == "files":
            # files linked to messages already held: their bytes must be in the blob store
            self.message_blobs.update(
                str(link["sha256"]) for link in payload.get("links", ()) if link.get("sha256")
            )
        elif entity == "register":
            entries = self.registers.setdefault(str(payload["register"]), {})
            entries.setdefault(uid, {}).update(payload["set"])
        return None

    def reached_anchor(self) -> Break | None:
        """After the last entry: whether the chain reaches the latest signed checkpoint."""
        anchored = self.anchored
        if anchored is None or self.entries >= anchored.seq:
            return None
        first = self.entries + 1
        missing = (
            f"entry {first} is"
            if first == anchored.seq
            else f"entries {first} to {anchored.seq} are"
        )
        return Break(
            "checkpoint",
            f"the chain ends at entry {self.entries} but the head was signed at entry "
            f"{anchored.seq} on {anchored.at}: {missing} missing (deleted with their rows?)",
            first,
        )

    # -- state tables ---------------------------------------------------------------------
    @staticmethod
    def _diff(kind: str, uid: str, expected: dict[str, Any], found: dict[str, Any]) -> Break | None:
        if canonical_json(expected) == canonical_json(found):
            return None
        fields = sorted(
            k
            for k in set(expected) | set(found)
            if canonical_json(expected.get(k)) != canonical_json(found.get(k))
        )
        shown = []
        for name in fields[:3]:
            shown.append(f"{name}: ledger {expected.get(name)!r} != table {found.get(name)!r}")
        return Break(kind, "; ".join(shown), None, uid)

    def record_rows(self, rows: Iterable[dict[str, Any]]) -> Break | None:
        """Compare the records table (each row as a canonical state) with the replayed ledger."""
        for uid, seq in sorted(self.redacted.items(), key=lambda kv: kv[1]):
            if uid not in self.disposed:
                return Break(
                    "content",
                    "payload redacted but the record was never disposed of",
                    seq,
                    uid,
                )
        seen: set[str] = set()
        for row in rows:
            uid = str(row["uid"])
            seen.add(uid)
            expected = self.records.get(uid)
            if expected is None:
                detail = (
                    "record was disposed of but is still in the table"
                    if uid in self.disposed
                    else "record is in the table but no ledger entry captured it"
                )
                return Break("record", detail, None, uid)
            problem = self._diff("record", uid, expected, row)
            if problem is not None:
                return Break(problem.check, problem.detail, self.record_entry.get(uid), uid)
        missing = sorted(set(self.records) - seen)
        if missing:
            uid = missing[0]
            return Break(
                "record",
                "record is in the ledger but missing from the table",
                self.record_entry.get(uid),
                uid,
            )
        return None

    def outage_rows(self, rows: Iterable[dict[str, Any]]) -> Break | None:
        """Compare the outages table with the replayed ledger."""
        seen: set[str] = set()
        for row in rows:
            uid = str(row["uid"])
            seen.add(uid)
            expected = self.outages.get(uid)
            if expected is None:
                return Break("outage", f"outage {uid} has no ledger entry")
            problem = self._diff("outage", uid, expected, row)
            if problem is not None:
                return Break("outage", f"outage {uid}: {problem.detail}")
        missing = sorted(set(self.outages) - seen)
        if missing:
            return Break("outage", f"outage {missing[0]} is in the ledger but not in the table")
        return None

    def retention_rows(
        self,
        *,
        holds: Iterable[dict[str, Any]],
        reviews: Iterable[dict[str, Any]],
        items: Iterable[dict[str, Any]],
        stubs: Iterable[dict[str, Any]],
        transfers: Iterable[dict[str, Any]],
    ) -> Break | None:
        """Compare the retention tables with what the ledger proves.

        ``items`` are the rows of ``retention_items`` that differ from a new record's (another
        class, status or stage, or explicit settings): any such row the ledger does not back
        is a break, as is a proved state missing from the table. ``stubs`` carry each
        disposed record's certificate, whose SHA-256 must be the one on the ledger.
        """
        replay = self.retention
        problem = _rows_match(
            "hold",
            {h.uid: h.row() for h in replay.holds.values()},
            {str(r["uid"]): r for r in holds},
            "a hold",
        )
        if problem:
            return problem
        problem = _rows_match(
            "review",
            {str(seq): row for seq, row in replay.reviews.items()},
            {str(r["entry_seq"]): r for r in reviews},
            "a review decision",
        )
        if problem:
            return problem
        found = {str(r["record_uid"]): r for r in items}
        for uid, item in sorted(replay.items.items()):
            expected = item.row()
            row = found.pop(uid, None)
            if row is None:
                if expected == ProvedDefault:
                    continue
                # no row, or a row put back to a new record's state
                return Break(
                    "retention",
                    f"the ledger has the record {expected['status']} (class "
                    f"{expected['record_class']}) but the table does not",
                    None,
                    uid,
                )
            diff = self._diff("retention", uid, expected, {k: row.get(k) for k in expected})
            if diff is not None:
                return diff
        for uid in sorted(found):
            return Break(
                "retention",
                f"status {found[uid].get('status')!r}, class {found[uid].get('record_class')!r}"
                " in the table has no ledger entry behind it (written by SQL?)",
                None,
                uid,
            )
        for stub in stubs:
            uid = str(stub["record_uid"])
            proved = replay.certificates.get(uid)
            if proved is None:
                return Break("retention", "a disposal stub has no certificate entry", None, uid)
            sha, seq, outcome = proved
            if (stub["certificate_sha256"], stub["outcome"]) != (sha, outcome):
                return Break(
                    "retention",
                    "the stub's certificate is not the one the ledger certified",
                    seq,
                    uid,
                )
            if stub.get("computed_sha256") != sha:
                return Break(
                    "retention",
                    "the stored certificate does not match its SHA-256 on the ledger (edited)",
                    seq,
                    uid,
                )
        return _rows_match(
            "transfer",
            replay.transfers,
            {str(r["consignment"]): r for r in transfers},
            "a transfer",
        )

    def message_rows(self, rows: Iterable[MessageRow]) -> Break | None:
        """Check messages, streamed in ``(entry_seq, position)`` order, against their batches.

        This is the exact check: each message's canonical bytes are rebuilt here from its
        columns by :func:`~commsgov.records.commitment.canonical_row`. Rows may be plain
        tuples in :class:`MessageRow` field order (what a database cursor gives).
        """
        seen: set[int] = set()
        checked = 0
        for seq, group in groupby(rows, key=itemgetter(0)):
            problem, count = self._entry_rows(seq, group, seen)
            if problem:
                return problem
            checked += count
        self.messages_checked += checked
        return self._missing_batches(seen)

    def message_digests(
        self,
        found: Iterable[EntryDigest],
        *,
        total: int,
        rows: Callable[[int | None], Iterable[MessageRow]],
    ) -> Break | None:
        """Check messages from the store's fast path, entry by entry (see :class:`EntryDigest`).

        ``found`` holds one :class:`EntryDigest` per messages-added entry (any order), ``total``
        is the number of message rows stored, and ``rows(seq)`` gives the rows of entry ``seq``
        (all rows for ``None``) for :meth:`message_rows`. An entry whose fast-path figures do
        not match the ledger is checked again exactly from its rows before anything is called
        broken, so a difference in how the database encodes a string can never raise a false
        alarm; if a problem is real (or some rows belong to no entry checked), the whole table
        is checked exactly, so the break reported is the one :meth:`message_rows` finds first.
        """
        checked = 0
        seen: set[int] = set()
        blobs: list[str] = []
        for e in sorted(found, key=attrgetter("seq")):
            batch = self.batches.get(e.seq)
            if (
                batch is not None
                and batch.uid not in self.disposed
                and e.matches
                and e.rows == batch.count
                and e.digest == batch.digest
            ):
                checked += e.rows
                seen.add(e.seq)
                blobs.extend(e.attachments)
                continue
            if not e.rows and e.matches:
                continue  # nothing stored: fine for a disposed record, else reported below
            # the fast path disagrees: decide from the rows themselves
            problem, count = self._entry_rows(e.seq, rows(e.seq), seen)
            if problem:
                break
            checked += count
        else:
            if checked == total:
                self.messages_checked += checked
                for atts in blobs:
                    self.message_blobs.update(_stored(json.loads(atts)))
                return self._missing_batches(seen)
        return self.message_rows(rows(None))

    def message_batches(self) -> list[tuple[int, str]]:
        """``(entry seq, record uid)`` of every messages-added entry, for the fast path."""
        return [(seq, b.uid) for seq, b in sorted(self.batches.items())]

    def _entry_rows(
        self, seq: int, rows: Iterable[MessageRow], seen: set[int]
    ) -> tuple[Break | None, int]:
        """Check the rows of entry ``seq`` exactly; the first problem and how many were read."""
        hasher = hashlib.sha256()
        sha256 = hashlib.sha256
        encode = canonical_row
        position = 0
        for row in rows:
            (
                _seq,
                pos,
                uid,
                raw_identity,
                utc,
                zone,
                local,
                sender,
                text_,
                atts,
                kind,
                flags,
                stored,
            ) = row
            identity = bytes(raw_identity).hex()
            if not position and seq not in seen:
                seen.add(seq)
                batch = self.batches.get(seq)
                if batch is None:
                    return Break(
                        "message",
                        f"message {identity[:16]}... cites no messages-added entry",
                        seq,
                        uid,
                    ), 0
                if batch.uid != uid:
                    return Break(
                        "message",
                        f"message {identity[:16]}... belongs to record {batch.uid} in the ledger",
                        seq,
                        uid,
                    ), 0
            elif not position:
                return Break("message", "messages of this entry are out of order", seq, uid), 0
            if pos != position:
                return Break(
                    "message",
                    f"expected message at position {position}, found {pos} "
                    "(a message was deleted or moved)",
                    seq,
                    uid,
                ), 0
            canonical = encode(uid, identity, utc, zone, local, sender, text_, atts, kind, flags)
            digest = sha256(canonical).digest()
            if digest != bytes(stored):
                return Break(
                    "message",
                    f"message at position {position} (sent {utc} by {sender!r}) does not match "
                    "its sha256: its content was changed",
                    seq,
                    uid,
                ), 0
            if atts != "[]":
                self.message_blobs.update(_stored(json.loads(atts)))
            hasher.update(digest)
            position += 1
        if not position:
            return None, 0
        return self._close_batch(seq, hasher, position), position

    def _missing_batches(self, seen: set[int]) -> Break | None:
        for seq in sorted(set(self.batches) - seen):
            batch = self.batches[seq]
            if batch.uid in self.disposed or batch.count == 0:
                continue
            return Break(
                "message", f"all {batch.count} messages of this entry are missing", seq, batch.uid
            )
        return None

    def _close_batch(self, seq: int, hasher: Any, count: int) -> Break | None:
        batch = self.batches[seq]
        if batch.uid in self.disposed:
            return Break(
                "message", "messages of a disposed record are still stored", seq, batch.uid
            )
        if count != batch.count:
            return Break(
                "message",
                f"the ledger holds {batch.count} messages for this entry, "
                f"the table {count}: messages were deleted or added",
                seq,
                batch.uid,
            )
        if hasher.hexdigest() != batch.digest:
            return Break(
                "message",
                "messages digest differs from the ledger (a message's "
                "content and its stored hash were both changed)",
                seq,
                batch.uid,
            )
        return None

    def referenced_blobs(self) -> set[str]:
        """SHA-256 of every file the record refers to (attachments, source files)."""
        blobs = set(self.message_blobs)
        for uid, state in self.records.items():
            blobs.update(_stored(state.get("attachments", [])))
            blobs.update(self.added_sources.get(uid, ()))
            source = state.get("source") or {}
            if source.get("file_sha256"):
                blobs.add(source["file_sha256"])
        return blobs


#: the ledger-decided columns of a record no retention entry has touched
ProvedDefault = {"record_class": DEFAULT_CLASS, "status": "scheduled", "review_stage": 0,
                 "explicit": None}  # fmt: skip


def _rows_match(
    check: str, expected: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]], what: str
) -> Break | None:
    """Compare rows by key: each expected row's columns, then rows the ledger lacks."""
    for key in sorted(expected):
        row = found.pop(key, None)
        want = expected[key]
        if row is None:
            return Break(check, f"{what} the ledger holds ({key}) is missing from the table")
        have = {k: row.get(k) for k in want}
        if canonical_json(have) != canonical_json(want):
            fields = sorted(k for k in want if canonical_json(have[k]) != canonical_json(want[k]))
            shown = "; ".join(f"{k}: ledger {want[k]!r} != table {have[k]!r}" for k in fields[:3])
            return Break(check, f"{what} ({key}) differs from the ledger: {shown}")
    for key in sorted(found):
        return Break(check, f"{what} in the table ({key}) has no ledger entry (written by SQL?)")
    return None


def _stored(attachments: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The SHA-256 of the attachments whose files are stored (not references only)."""
    return (a["sha256"] for a in attachments if a.get("sha256"))


#: ledger entry kinds whose payload carries a record's content (redacted on destruction); a
#: ``source-added`` entry names a file of the conversation (often after a person), and a
#: ``message-files-linked`` entry the names of the files it linked
REDACTABLE_KINDS = (
    "record-captured",
    "record-corrected",
    "source-added",
    "message-files-linked",
)


def redaction_payload(uid: str, *, disposed_seq: int) -> str:
    """The payload that replaces a destroyed record's content-bearing payload.

    The entry keeps its ``content_sha256`` and ``entry_hash``, so the chain still verifies;
    verify accepts the marker only for a record that the ledger then disposes of.

    >>> redaction_payload("r1", disposed_seq=9)
    '{"disposed_seq":9,"entity":"record","redacted":true,"uid":"r1"}'
    """
    return canonical_json(
        {"entity": "record", "redacted": True, "uid": uid, "disposed_seq": disposed_seq}
    )


def is_redaction(e: LedgerEntry) -> bool:
    """Whether ``e`` carries a redaction marker (see :func:`redaction_payload`)."""
    if e.kind not in REDACTABLE_KINDS or e.record_uid is None:
        return False
    try:
        payload = json.loads(e.payload)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and payload.get("redacted") is True
        and payload.get("uid") == e.record_uid
        and isinstance(payload.get("disposed_seq"), int)
        and payload["disposed_seq"] > e.seq
    )


def intact(e: LedgerEntry) -> bool:
    """Whether entry ``e`` matches its own hashes: its payload (or a redaction marker) its
    ``content_sha256``, and its fields its ``entry_hash`` (its place in the chain is the next
    entry's ``prev_hash`` to confirm).

    >>> import dataclasses, datetime as dt
    >>> from commsgov.records.events import TransferConfirmed
    >>> from commsgov.records.ledger import make_entry
    >>> e = make_entry(TransferConfirmed("C1", None), seq=1, prev_hash=GENESIS, actor="a",
    ...                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> intact(e), intact(dataclasses.replace(e, actor="b"))
    (True, False)
    """
    if sha256_hex(e.payload) != e.content_sha256 and not is_redaction(e):
        return False
    return e.entry_hash == entry_hash(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        kind=e.kind,
        record_uid=e.record_uid,
        content_sha256=e.content_sha256,
        prev_hash=e.prev_hash,
    )


def messages_digest(digests: Iterable[bytes]) -> str:
    """The batch digest of a messages-added entry: SHA-256 over the raw message digests.

    >>> messages_digest([])[:12]
    'e3b0c44298fc'
    """
    hasher = hashlib.sha256()
    for digest in digests:
        hasher.update(digest)
    return hasher.hexdigest()

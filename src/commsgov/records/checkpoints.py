"""Signed checkpoints: the head of the ledger, anchored outside the database.

After every commit that appends to the ledger, the store signs ``(store, seq, head hash, time)``
with a key that is not in the database and appends the checkpoint to a log beside it (see
:mod:`commsgov.store.checkpoint_log` and :mod:`commsgov.store.identity`). ``verify`` then fails
when the chain no longer reaches the latest checkpoint: deleting the newest entries together
with their rows, or rewriting history and recomputing every later hash, no longer goes unseen by
someone who holds the database alone. This is the idea of Certificate Transparency's signed
tree heads (RFC 6962, section 3.5) on a hash chain rather than a Merkle tree; an RFC 3161
time-stamp token over the same bytes would add an outside witness of the time.

The log is JSON Lines, one object per line (canonical JSON: keys sorted, no spaces, UTF-8)::

    {"kind":"key","public_key":"<base64 raw Ed25519 key>","store":"<store id>","v":1,"at":...}
    {"at":"2026-11-20T09:00:00.000000Z","head":"<64 hex>","kind":"checkpoint","seq":42,
     "sig":"<base64 Ed25519 signature>","store":"<store id>","v":1}

``store`` is the store's identity (the first 32 hex digits of the SHA-256 of its raw public
key); the signature covers :func:`signed_bytes`. Pure maths and text here: no files, no keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from commsgov.records.canonical import canonical_bytes, canonical_json

__all__ = [
    "FORMAT_VERSION",
    "Checkpoint",
    "CheckpointReading",
    "KeyLine",
    "parse_line",
    "read_lines",
    "signed_bytes",
]

#: the version of the log's line format (``v``)
FORMAT_VERSION = 1
#: what the signature covers first: a checkpoint's bytes can never be taken for anything else
_DOMAIN = "commsgov-checkpoint"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_STORE_ID = re.compile(r"[0-9a-f]{32}")


def signed_bytes(*, store: str, seq: int, head: str, at: str) -> bytes:
    """The bytes a checkpoint's signature covers.

    >>> signed_bytes(store="ab" * 16, seq=7, head="0" * 64, at="t")[:40]
    b'["commsgov-checkpoint",1,"ababababababab'
    """
    return canonical_bytes([_DOMAIN, FORMAT_VERSION, store, seq, head, at])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed checkpoint: the store's identity, the ledger's ``seq`` and head hash at a
    commit, when it was signed, and the signature (raw bytes)."""

    store: str
    seq: int
    head: str
    at: str
    signature: bytes

    def line(self) -> str:
        """The checkpoint as one line of the log (without its newline).

        >>> Checkpoint("ab" * 16, 1, "0" * 64, "t", b"s").line()[:30]
        '{"at":"t","head":"000000000000'
        """
        return canonical_json(
            {
                "at": self.at,
                "head": self.head,
                "kind": "checkpoint",
                "seq": self.seq,
                "sig": base64.b64encode(self.signature).decode("ascii"),
                "store": self.store,
                "v": FORMAT_VERSION,
            }
        )

    def message(self) -> bytes:
        """What the signature covers (:func:`signed_bytes`)."""
        return signed_bytes(store=self.store, seq=self.seq, head=self.head, at=self.at)


@dataclass(frozen=True, slots=True)
class KeyLine:
    """A line that names a store's public key (written when a key first signs into a log)."""

    store: str
    public_key: bytes
    at: str

    def line(self) -> str:
        """The key line of the log (without its newline)."""
        return canonical_json(
            {
                "at": self.at,
                "kind": "key",
                "public_key": base64.b64encode(self.public_key).decode("ascii"),
                "store": self.store,
                "v": FORMAT_VERSION,
            }
        )


def parse_line(text: str) -> Checkpoint | KeyLine | None:
    """A line of the log, or ``None`` when it is not one (torn by a crash, or not ours).

    >>> cp = Checkpoint("ab" * 16, 3, "f" * 64, "2026-01-01T00:00:00.000000Z", b"x" * 64)
    >>> parse_line(cp.line()) == cp
    True
    >>> parse_line('{"kind":"checkpoint"') is None
    True
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        return None
    store = data.get("store")
    at = data.get("at")
    if not isinstance(store, str) or not _STORE_ID.fullmatch(store) or not isinstance(at, str):
        return None
    try:
        if data.get("kind") == "key":
            key = base64.b64decode(str(data.get("public_key")), validate=True)
            return KeyLine(store, key, at) if len(key) == 32 else None
        seq, head = data.get("seq"), data.get("head")
        if data.get("kind") != "checkpoint" or type(seq) is not int or seq < 1:
            return None
        if not isinstance(head, str) or not _HEX64.fullmatch(head):
            return None
        signature = base64.b64decode(str(data.get("sig")), validate=True)
    except (binascii.Error, ValueError):
        return None
    return Checkpoint(store, seq, head, at, signature)


@dataclass(frozen=True, slots=True)
class CheckpointReading:
    """What a log says: its latest checkpoint signed by this store's key (``None``: none), how
    many lines were read, which did not verify (forged or altered: their numbers, counted from
    the end of what was read), which could not be read, and how many another key signed."""

    latest: Checkpoint | None
    lines: int
    forged: tuple[int, ...]
    unreadable: tuple[int, ...]
    other_keys: int


def read_lines(
    lines: Iterable[str], *, store: str, valid: Callable[[Checkpoint], bool]
) -> CheckpointReading:
    """Read log lines: the latest checkpoint of ``store`` whose signature ``valid`` accepts.

    Every checkpoint of ``store`` is checked: one that does not verify is *forged* (someone
    without the key wrote it, or changed a signed line). Lines of other stores' keys are counted
    (``other_keys``), not trusted.

    >>> ok = Checkpoint("ab" * 16, 2, "0" * 64, "t", b"good")
    >>> bad = Checkpoint("ab" * 16, 9, "1" * 64, "t", b"forged")
    >>> r = read_lines([ok.line(), bad.line(), "junk"], store="ab" * 16,
    ...                valid=lambda c: c.signature == b"good")
    >>> r.latest.seq, r.forged, r.unreadable
    (2, (2,), (1,))
    """
    items = list(lines)
    latest: Checkpoint | None = None
    forged: list[int] = []
    unreadable: list[int] = []
    others = 0
    for index, text in enumerate(items):
        from_end = len(items) - index
        parsed = parse_line(text)
        if parsed is None:
            unreadable.append(from_end)
            continue
        if isinstance(parsed, KeyLine):
            continue
        if parsed.store != store:
            others += 1
            continue
        if not valid(parsed):
            forged.append(from_end)
            continue
        if latest is None or parsed.seq > latest.seq:
            latest = parsed
    return CheckpointReading(latest, len(items), tuple(forged), tuple(unreadable), others)

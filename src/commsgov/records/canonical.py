"""Canonical JSON and hashing: the exact bytes that the ledger hashes.

Canonical JSON here means: keys sorted, no insignificant whitespace, UTF-8, no NaN/Infinity.
Two equal values always give the same bytes, so their SHA-256 is a stable fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence

JSONValue = None | bool | int | float | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"]

try:  # the C string encoder the JSON encoder itself uses when ensure_ascii is off
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - pure-Python fallback
    from json.encoder import py_encode_basestring as _encode_string

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: object) -> str:
    """The canonical JSON text of ``value``.

    >>> canonical_json({"b": 1, "a": [True, None, "é"]})
    '{"a":[true,null,"é"],"b":1}'
    """
    return _ENCODER.encode(value)


def canonical_bytes(value: object) -> bytes:
    """The canonical JSON of ``value`` as UTF-8 bytes (what gets hashed)."""
    return _ENCODER.encode(value).encode("utf-8")


#: One string as canonical JSON text (quoted, escaped, non-ASCII kept): the JSON encoder's own
#: C function, for hot paths that assemble canonical lists piece by piece (no Python frame).
#: ``json_string('q"é')`` is ``'"q\\"é"'``; ``canonical_strings`` joins such pieces.
json_string: Callable[[str], str] = _encode_string


def canonical_strings(items: Iterable[str]) -> bytes:
    """Canonical JSON bytes of a list of strings, built faster than the encoder.

    The result is byte-for-byte what :func:`canonical_bytes` gives for the same list; the hot
    paths (message identity and message hashes, millions of times) use this.

    >>> canonical_strings(["a", 'q"é', "\\n"]) == canonical_bytes(["a", 'q"é', "\\n"])
    True
    """
    return ("[" + ",".join(map(_encode_string, items)) + "]").encode("utf-8")


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of ``data`` (strings are UTF-8 encoded) as 64 lowercase hex digits.

    >>> sha256_hex("")[:16]
    'e3b0c44298fc1c14'
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()

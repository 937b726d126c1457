"""What a stored message commits to: its identity, and the canonical bytes its SHA-256 covers.

One definition in three forms, which must agree byte for byte (``tests/store/test_commitment.py``
proves it on SQLite and PostgreSQL for generated messages):

- :func:`message_identity` and :func:`message_canonical`: the reference, in Python;
- :class:`ConversationCommitment`: the same for the messages of one record's conversation, with
  what they share quoted once; the bulk writer calls it for every message it stores, and the
  verifier's exact path calls :func:`message_canonical` for every row it rechecks;
- :data:`SQLITE_CANONICAL` and :data:`POSTGRES_DIGEST`: the same bytes built by each database,
  for verify's fast path (:mod:`commsgov.store.repo_verify`), which rechecks in Python whatever
  does not match.

The identity names a message across exports (the same message imported twice has the same
identity); the canonical bytes are what its stored ``sha256`` and its ledger batch digest cover.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from commsgov.records.canonical import canonical_bytes, canonical_strings, json_string, sha256_hex
from commsgov.records.models import SYSTEM_SENDER
from commsgov.records.timestamps import zone_name

__all__ = [
    "POSTGRES_DIGEST",
    "SQLITE_CANONICAL",
    "ConversationCommitment",
    "canonical_row",
    "message_canonical",
    "message_identity",
]


def message_identity(
    *,
    method: str,
    conversation: str,
    sent_at_utc: str,
    sender: str | None,
    text: str,
    occurrence: int = 0,
) -> str:
    """The stable identity of a message: the same message imported twice has the same identity.

    Kind and flags are not part of it (they describe the message, two exports of it may differ);
    a message without a sender is identified with :data:`SYSTEM_SENDER`, as before senders
    could be ``None``, so re-importing an older export adds nothing twice.

    ``occurrence`` tells apart messages that are otherwise the same within one export: WhatsApp
    times have minute precision, so "ok" sent twice in a minute, or two photos without a
    caption, are two messages. The first keeps the identity it always had; the n-th repeat
    (counting from 0) adds n to the hashed list, so re-importing the export still adds nothing.

    >>> message_identity(method="whatsapp", conversation="c", sent_at_utc="t", sender="a",
    ...                  text="hi")[:12]
    '6a4dfe887250'
    >>> message_identity(method="whatsapp", conversation="c", sent_at_utc="t", sender="a",
    ...                  text="hi", occurrence=1)[:12]
    '935dae018096'
    """
    who = SYSTEM_SENDER if sender is None else sender
    if occurrence:
        return sha256_hex(
            canonical_bytes(["message", method, conversation, sent_at_utc, who, text, occurrence])
        )
    return sha256_hex(canonical_strings(["message", method, conversation, sent_at_utc, who, text]))


def message_canonical(
    *,
    record_uid: str,
    identity: str,
    sent_at_utc: str,
    sent_zone: str,
    sent_local: str,
    sender: str | None,
    text: str,
    attachments_json: str,
    kind: str = "message",
    flags_json: str = "[]",
) -> bytes:
    """The bytes a stored message's SHA-256 is computed over (``attachments_json`` and
    ``flags_json`` verbatim).

    A plain message (kind ``message``, no flags, a sender) keeps the form it had before kinds
    and flags were stored, so messages stored earlier still verify: the canonical JSON list of
    the seven strings. Any other message hashes a nine-item list (sender may be ``null``; kind
    and flags text appended), which can never equal a seven-item one, so changing a message's
    kind, flags or sender in the table changes its hash either way.

    >>> plain = message_canonical(record_uid="r", identity="i", sent_at_utc="t", sent_zone="z",
    ...     sent_local="l", sender="Ann", text="hi", attachments_json="[]")
    >>> plain
    b'["r","i","t","z","l","Ann","hi"]\\x1e[]'
    >>> message_canonical(record_uid="r", identity="i", sent_at_utc="t", sent_zone="z",
    ...     sent_local="l", sender=None, text="hi", attachments_json="[]", kind="system")
    b'["r","i","t","z","l",null,"hi","system","[]"]\\x1e[]'
    """
    return canonical_row(
        record_uid, identity, sent_at_utc, sent_zone, sent_local, sender, text,
        attachments_json, kind, flags_json,
    )  # fmt: skip


def canonical_row(
    record_uid: str,
    identity: str,
    sent_at_utc: str,
    sent_zone: str,
    sent_local: str,
    sender: str | None,
    text: str,
    attachments_json: str,
    kind: str,
    flags_json: str,
    /,
) -> bytes:
    """:func:`message_canonical` taking a stored row's columns in order (positional: verify's
    exact path calls it for every row it rechecks).

    >>> canonical_row("r", "i", "t", "z", "l", "Ann", "hi", "[]", "message", "[]")
    b'["r","i","t","z","l","Ann","hi"]\\x1e[]'
    """
    if kind == "message" and flags_json == "[]" and sender is not None:
        head = canonical_strings(
            (record_uid, identity, sent_at_utc, sent_zone, sent_local, sender, text)
        )
    else:
        items = [record_uid, identity, sent_at_utc, sent_zone, sent_local, sender, text]
        head = canonical_bytes([*items, kind, flags_json])
    return head + b"\x1e" + attachments_json.encode("utf-8")


#: time zones whose name is the same for every instant (their JSON name is kept per zone)
_FIXED_ZONES = (ZoneInfo, dt.timezone)
_sha256 = hashlib.sha256
_json_string = json_string


class ConversationCommitment:
    """:func:`message_identity` and :func:`message_canonical` for the messages of one write to
    one record's conversation, fast: the record uid, method and conversation are quoted once,
    each sender and zone once, and a message's text once for both of its hashes. A message that
    repeats an earlier one of the same write (same time, sender and text) gets its occurrence.

    >>> import datetime as dt
    >>> c = ConversationCommitment(record_uid="r", method="whatsapp", conversation="c")
    >>> when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> utc, local = "2026-01-01T00:00:00.000000Z", when.isoformat()
    >>> identity, zone, digest = c.message(when, utc, local, "a", "hi", "message", "[]", "[]")
    >>> identity.hex() == message_identity(method="whatsapp", conversation="c",
    ...     sent_at_utc=utc, sender="a", text="hi")
    True
    >>> digest == hashlib.sha256(message_canonical(record_uid="r", identity=identity.hex(),
    ...     sent_at_utc=utc, sent_zone=zone, sent_local=local, sender="a", text="hi",
    ...     attachments_json="[]")).digest()
    True
    >>> c.message(when, utc, local, "a", "hi", "message", "[]", "[]")[0] != identity  # a repeat
    True
    """

    __slots__ = ("_identity_head", "_message_head", "_record_uid", "_seen", "_senders", "_zones")

    def __init__(self, *, record_uid: str, method: str, conversation: str) -> None:
        quote = json_string
        # '["message","<method>","<conversation>","' then the UTC time
        self._identity_head = "[" + ",".join(map(quote, ("message", method, conversation))) + ',"'
        # '["<uid>","' then the identity
        self._message_head = "[" + quote(record_uid) + ',"'
        self._record_uid = record_uid
        # sender -> its JSON string; a system event without one is identified as SYSTEM_SENDER
        self._senders: dict[str | None, str] = {None: json_string(SYSTEM_SENDER)}
        self._zones: dict[Any, tuple[str, str]] = {}  # tzinfo -> (zone name, its JSON string)
        self._seen: dict[bytes, int] = {}  # identity of a first occurrence -> how many so far

    def message(
        self,
        when: dt.datetime,
        sent_at_utc: str,
        sent_local: str,
        sender: str | None,
        text: str,
        kind: str,
        flags_json: str,
        attachments_json: str,
    ) -> tuple[bytes, str, bytes]:
        """A message's identity (raw digest; its hex form is what is hashed on), its zone name,
        and the raw SHA-256 of its canonical bytes."""
        who_json = self._senders.get(sender)  # (None: the system sender's JSON, see __init__)
        if who_json is None:
            who_json = self._senders[sender] = json_string(sender)  # type: ignore[arg-type]
        # sender and text, closing the list: the tail of both canonical lists
        tail = f"{who_json},{_json_string(text)}]"
        identity = _sha256(f'{self._identity_head}{sent_at_utc}",{tail}'.encode()).digest()
        seen = self._seen
        if identity in seen:
            # the same time, sender and text again: another message (minute precision), named
            # by its occurrence (see message_identity)
            earlier = seen[identity]
            seen[identity] = earlier + 1
            identity = _sha256(
                f'{self._identity_head}{sent_at_utc}",{tail[:-1]},{earlier}]'.encode()
            ).digest()
        else:
            seen[identity] = 1
        tz = when.tzinfo
        fixed = type(tz) in _FIXED_ZONES  # others may name another offset per instant
        zone = self._zones.get(tz) if fixed else None
        if zone is None:
            name = zone_name(when)
            zone = (name, json_string(name))
            if fixed:
                self._zones[tz] = zone
        if kind == "message" and flags_json == "[]" and sender is not None:
            canonical = (
                f'{self._message_head}{identity.hex()}","{sent_at_utc}",{zone[1]},'
                f'"{sent_local}",{tail}\x1e{attachments_json}'
            ).encode()
        else:
            items = [self._record_uid, identity.hex(), sent_at_utc, zone[0], sent_local, sender]
            canonical = (
                canonical_bytes([*items, text, kind, flags_json])
                + b"\x1e"
                + attachments_json.encode()
            )
        return identity, zone[0], _sha256(canonical).digest()


# -- the same bytes, built by each database ---------------------------------------------------
# SQLite: ``json_array`` escapes strings as Python's encoder does with ensure_ascii off (quote,
# backslash, \b \f \n \r \t, other control characters as \u00xx; all else verbatim). ``?1`` is the
# record's uid. What this builds is not trusted: whatever differs is rechecked in Python.
_SQLITE_ITEMS = "?1, lower(hex(identity)), sent_at_utc, sent_zone, sent_local, sender, text"

#: SQLite: a message row's canonical bytes (``?1``: the record's uid); Python hashes them
SQLITE_CANONICAL = (
    "coalesce(CAST("
    "CASE WHEN kind = 'message' AND flags = '[]' AND sender IS NOT NULL "
    f"THEN json_array({_SQLITE_ITEMS}) ELSE json_array({_SQLITE_ITEMS}, kind, flags) END "
    "|| char(30) || attachments_json AS BLOB), x'')"
)

# PostgreSQL: ``to_json`` escapes as above; the server hashes the bytes too.
_PG_HEAD = (
    "'[' || to_json(%(uid)s::text)::text || ',\"' || encode(identity, 'hex') || '\",' || "
    "to_json(sent_at_utc)::text || ',' || to_json(sent_zone)::text || ',' || "
    "to_json(sent_local)::text || ',' || coalesce(to_json(sender)::text, 'null') || ',' || "
    "to_json(text)::text"
)

#: PostgreSQL: SHA-256 of a message row's canonical bytes (``%(uid)s``: the record's uid)
POSTGRES_DIGEST = (
    "coalesce(sha256(convert_to("
    "CASE WHEN kind = 'message' AND flags = '[]' AND sender IS NOT NULL "
    f"THEN {_PG_HEAD} || ']' "
    f"ELSE {_PG_HEAD} || ',' || to_json(kind)::text || ',' || to_json(flags)::text || ']' END "
    "|| chr(30) || attachments_json, 'UTF8')), ''::bytea)"
)

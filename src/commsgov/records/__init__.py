"""The corporate record as pure data: records, messages, canonical JSON and the hash-chained ledger.

Nothing here touches a database or a file; :mod:`commsgov.store` persists these and
:mod:`commsgov.services` joins the two.
"""

from __future__ import annotations

from commsgov.records.canonical import canonical_bytes, canonical_json, sha256_hex
from commsgov.records.commitment import message_canonical, message_identity
from commsgov.records.errors import (
    InvalidFieldError,
    NotFoundError,
    RecordError,
)
from commsgov.records.events import (
    EVENT_KINDS,
    Event,
    MessagesAdded,
    OutageEnded,
    OutageStarted,
    RecordCaptured,
    RecordCorrected,
    RecordDisposed,
    RecordsExported,
    SourceAdded,
)
from commsgov.records.exceptions import policy_exception_for
from commsgov.records.ledger import GENESIS, LedgerEntry, Receipt, entry_hash, make_entry
from commsgov.records.models import (
    AttachmentRef,
    MessageDraft,
    Participant,
    PolicyException,
    RecordDraft,
    Source,
    flags_text,
    record_state,
)
from commsgov.records.timestamps import parse_when, utc_text, zone_name
from commsgov.records.verify import Break, MessageRow, Verifier, messages_digest

__all__ = [
    "EVENT_KINDS",
    "GENESIS",
    "AttachmentRef",
    "Break",
    "Event",
    "InvalidFieldError",
    "LedgerEntry",
    "MessageDraft",
    "MessageRow",
    "MessagesAdded",
    "NotFoundError",
    "OutageEnded",
    "OutageStarted",
    "Participant",
    "PolicyException",
    "Receipt",
    "RecordCaptured",
    "RecordCorrected",
    "RecordDisposed",
    "RecordDraft",
    "RecordError",
    "RecordsExported",
    "Source",
    "SourceAdded",
    "Verifier",
    "canonical_bytes",
    "canonical_json",
    "entry_hash",
    "flags_text",
    "make_entry",
    "message_canonical",
    "message_identity",
    "messages_digest",
    "parse_when",
    "policy_exception_for",
    "record_state",
    "sha256_hex",
    "utc_text",
    "zone_name",
]

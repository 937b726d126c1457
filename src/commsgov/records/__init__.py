"""The corporate record as pure data: records, messages, canonical JSON and the hash-chained ledger.

Nothing here touches a database or a file; :mod:`commsgov.store` persists these and
:mod:`commsgov.services` joins the two.

The names below load on first use (:func:`__getattr__`), as the services' do: a command that
needs one model does not import the ledger, the events and the verifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsgov._lazy import lazy_names

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

_LAZY = {
    "EVENT_KINDS": "commsgov.records.events",
    "GENESIS": "commsgov.records.ledger",
    "AttachmentRef": "commsgov.records.models",
    "Break": "commsgov.records.verify",
    "Event": "commsgov.records.events",
    "InvalidFieldError": "commsgov.records.errors",
    "LedgerEntry": "commsgov.records.ledger",
    "MessageDraft": "commsgov.records.models",
    "MessageRow": "commsgov.records.verify",
    "MessagesAdded": "commsgov.records.events",
    "NotFoundError": "commsgov.records.errors",
    "OutageEnded": "commsgov.records.events",
    "OutageStarted": "commsgov.records.events",
    "Participant": "commsgov.records.models",
    "PolicyException": "commsgov.records.models",
    "Receipt": "commsgov.records.ledger",
    "RecordCaptured": "commsgov.records.events",
    "RecordCorrected": "commsgov.records.events",
    "RecordDisposed": "commsgov.records.events",
    "RecordDraft": "commsgov.records.models",
    "RecordError": "commsgov.records.errors",
    "RecordsExported": "commsgov.records.events",
    "Source": "commsgov.records.models",
    "SourceAdded": "commsgov.records.events",
    "Verifier": "commsgov.records.verify",
    "canonical_bytes": "commsgov.records.canonical",
    "canonical_json": "commsgov.records.canonical",
    "entry_hash": "commsgov.records.ledger",
    "flags_text": "commsgov.records.models",
    "make_entry": "commsgov.records.ledger",
    "message_canonical": "commsgov.records.commitment",
    "message_identity": "commsgov.records.commitment",
    "messages_digest": "commsgov.records.verify",
    "parse_when": "commsgov.records.timestamps",
    "policy_exception_for": "commsgov.records.exceptions",
    "record_state": "commsgov.records.models",
    "sha256_hex": "commsgov.records.canonical",
    "utc_text": "commsgov.records.timestamps",
    "zone_name": "commsgov.records.timestamps",
}

if TYPE_CHECKING:
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


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)

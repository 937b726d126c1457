"""The public surfaces of the records core and its service change only on purpose."""

from __future__ import annotations

import commsgov.records
import commsgov.services.records

RECORDS = [
    "EVENT_KINDS", "GENESIS", "AttachmentRef", "Break", "Event", "InvalidFieldError",
    "LedgerEntry", "MessageDraft", "MessageRow", "MessagesAdded", "NotFoundError", "Note",
    "OutageEnded", "OutageStarted", "Participant", "PolicyException", "Receipt",
    "RecordCaptured", "RecordCorrected", "RecordDisposed", "RecordDraft", "RecordError",
    "RecordsExported", "Source", "SourceAdded", "Verifier", "canonical_bytes", "canonical_json",
    "entry_hash", "flags_text", "make_entry", "message_canonical", "message_identity",
    "messages_digest", "parse_when",
    "policy_exception_for", "record_state", "sha256_hex", "utc_text", "zone_name",
]  # fmt: skip
SERVICES = [
    "CaptureResult", "ConversationResult", "Store", "VerifyReport", "add_messages",
    "append_events", "capture", "check_receipt", "correct_record", "dispose_record",
    "end_outage", "exceptions", "export_records", "get_record", "list_outages", "list_records",
    "open_store", "receipt", "search_records", "source_hashes", "start_outage",
    "store_conversation", "store_file", "verify",
]  # fmt: skip


def test_records_surface() -> None:
    assert commsgov.records.__all__ == RECORDS
    for name in RECORDS:
        assert getattr(commsgov.records, name) is not None


def test_services_surface() -> None:
    assert commsgov.services.records.__all__ == SERVICES
    for name in SERVICES:
        assert getattr(commsgov.services.records, name) is not None
        if callable(getattr(commsgov.services.records, name)):
            assert getattr(commsgov.services.records, name).__doc__, name


def test_every_error_has_a_one_line_docstring() -> None:
    from commsgov.store.blobs import BlobError
    from commsgov.store.engine import StoreConfigError

    for cls in (commsgov.records.RecordError, commsgov.records.InvalidFieldError,
                commsgov.records.NotFoundError, BlobError, StoreConfigError):  # fmt: skip
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls

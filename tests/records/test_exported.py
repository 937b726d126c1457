"""The public surfaces of the records core and of the services change only on purpose."""

from __future__ import annotations

import commsgov.records
import commsgov.services

RECORDS = [
    "EVENT_KINDS", "GENESIS", "AttachmentRef", "Break", "Event", "InvalidFieldError",
    "LedgerEntry", "MessageDraft", "MessageRow", "MessagesAdded", "NotFoundError",
    "OutageEnded", "OutageStarted", "Participant", "PolicyException", "Receipt",
    "RecordCaptured", "RecordCorrected", "RecordDisposed", "RecordDraft", "RecordError",
    "RecordsExported", "Source", "SourceAdded", "Verifier", "canonical_bytes", "canonical_json",
    "entry_hash", "flags_text", "make_entry", "message_canonical", "message_identity",
    "messages_digest", "parse_when",
    "policy_exception_for", "record_state", "sha256_hex", "utc_text", "zone_name",
]  # fmt: skip
SERVICES = [
    "DEFAULT_CLASS", "Actor", "CaptureResult", "ConversationResult", "IngestResult",
    "MergeResult", "NewToken",
    "NewUser", "PackResult", "Principal", "RecordQuery", "Registration", "SignIn", "Store",
    "TokenInfo", "User",
    "VerifyReport", "add_messages", "add_user", "append_events", "authenticate_token",
    "build_transfer", "capture", "change_password", "channels", "check_receipt", "classify",
    "clean_store",
    "confirm_transfer", "correct_record", "create_token", "dispose", "due",
    "end_outage", "ensure_first_admin", "exceptions", "explain", "export_blocklist",
    "export_records", "get_record", "get_user", "ingest_file", "lift_hold", "list_holds",
    "list_outages", "list_records", "list_tokens", "list_users", "load_catalogue",
    "load_schedules", "matrix", "merge_offline", "open_store", "pack_offline", "place_hold",
    "read_export", "read_file",
    "receipt", "register_offline_store", "reset_password", "resolve_session", "review",
    "revoke_token", "scan_files",
    "scenarios", "search_records", "set_disabled", "set_roles", "sign_in", "sign_out",
    "start_outage", "start_session", "store_conversation", "store_file", "store_identity", "sync",
    "update_user",
    "verify", "when",
]  # fmt: skip


def test_records_surface() -> None:
    assert commsgov.records.__all__ == RECORDS
    for name in RECORDS:
        assert getattr(commsgov.records, name) is not None


def test_services_surface() -> None:
    assert commsgov.services.__all__ == SERVICES
    for name in SERVICES:
        assert getattr(commsgov.services, name) is not None
        if callable(getattr(commsgov.services, name)):
            assert getattr(commsgov.services, name).__doc__, name


def test_every_error_has_a_one_line_docstring() -> None:
    from commsgov.store.blobs import BlobError
    from commsgov.store.engine import StoreConfigError

    for cls in (commsgov.records.RecordError, commsgov.records.InvalidFieldError,
                commsgov.records.NotFoundError, BlobError, StoreConfigError):  # fmt: skip
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls

"""The one seam: every shell (the command line, later the HTTP API and the web pages) makes one
call into these functions, and only here does the pure core (policy, records, ingest,
retention) meet the store.

One module per capability, each function keyword-only after the store and run in one
transaction; errors are :mod:`commsgov.errors` categories. The public surface is
:data:`__all__`, loaded lazily (importing ``commsgov.services`` imports no database driver):

- the store: :func:`open_store` and :class:`Store` (defined in :mod:`commsgov.store.handle`);
- the record: ``captures`` (capture, correct, dispose of), ``conversations`` (bulk message
  writes), ``files``, ``outages``, ``verification``, ``receipts``, ``reads`` (one record,
  lists, search, the exceptions report), ``export``, ``ledger`` (other services' events),
  ``proof`` (what the ledger proves, for disposals);
- the store itself: ``identity`` (its signing key), ``cleanup`` (after interrupted writes),
  ``merge`` (an offline store, an outage kit's, verified and merged; packed to carry);
- retention: ``schedules`` (``when``, no database), ``dispositions`` (sync, the due sweep,
  record classes, explanations), ``holds``, ``reviews``, ``disposal``, ``transfers``;
- ``ingest``: chat exports into conversations;
- ``catalogue``: what the policy pack offers (matrix, scenarios, channels; no database);
- ``devices``: device inventories scanned against the pack's banned apps, and blocklists;
- accounts: ``users``, ``tokens`` (API tokens), ``sessions`` (signing in and out).

Three modules are used by their module name instead, because their functions' names would
collide with the record's or say too little on their own: ``audit`` (the hash-chained audit
trail: ``audit.search``, ``audit.export``, ``audit.verify``), ``oidc`` (``oidc.begin``,
``oidc.finish``) and ``demo`` (``commsgov serve --demo``). ``read_gate`` is the services' own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsgov._lazy import lazy_names

__all__ = [
    "DEFAULT_CLASS",
    "Actor",
    "CaptureResult",
    "ConversationResult",
    "IngestResult",
    "MergeResult",
    "NewToken",
    "NewUser",
    "PackResult",
    "Principal",
    "RecordQuery",
    "Registration",
    "SignIn",
    "Store",
    "TokenInfo",
    "User",
    "VerifyReport",
    "add_messages",
    "add_user",
    "append_events",
    "authenticate_token",
    "build_transfer",
    "capture",
    "change_password",
    "channels",
    "check_receipt",
    "classify",
    "clean_store",
    "confirm_transfer",
    "correct_record",
    "create_token",
    "dispose",
    "due",
    "end_outage",
    "ensure_first_admin",
    "exceptions",
    "explain",
    "export_blocklist",
    "export_records",
    "get_record",
    "get_user",
    "ingest_file",
    "lift_hold",
    "list_holds",
    "list_outages",
    "list_records",
    "list_tokens",
    "list_users",
    "load_catalogue",
    "load_schedules",
    "matrix",
    "merge_offline",
    "open_store",
    "pack_offline",
    "place_hold",
    "read_export",
    "read_file",
    "receipt",
    "register_offline_store",
    "reset_password",
    "resolve_session",
    "review",
    "revoke_token",
    "scan_files",
    "scenarios",
    "search_records",
    "set_disabled",
    "set_roles",
    "sign_in",
    "sign_out",
    "start_outage",
    "start_session",
    "store_conversation",
    "store_file",
    "store_identity",
    "sync",
    "update_user",
    "verify",
    "when",
]

_LAZY = {
    "matrix": "commsgov.services.catalogue",
    "scenarios": "commsgov.services.catalogue",
    "channels": "commsgov.services.catalogue",
    "Actor": "commsgov.accounts.actor",
    "RecordQuery": "commsgov.services.query",
    "read_file": "commsgov.services.files",
    "Store": "commsgov.store.handle",
    "open_store": "commsgov.store.handle",
    "append_events": "commsgov.services.ledger",
    "store_file": "commsgov.services.files",
    "CaptureResult": "commsgov.services.captures",
    "capture": "commsgov.services.captures",
    "correct_record": "commsgov.services.captures",
    "ConversationResult": "commsgov.services.conversations",
    "add_messages": "commsgov.services.conversations",
    "store_conversation": "commsgov.services.conversations",
    "start_outage": "commsgov.services.outages",
    "end_outage": "commsgov.services.outages",
    "list_outages": "commsgov.services.outages",
    "VerifyReport": "commsgov.services.verification",
    "store_identity": "commsgov.services.identity",
    "MergeResult": "commsgov.services.merge",
    "PackResult": "commsgov.services.merge",
    "merge_offline": "commsgov.services.merge",
    "pack_offline": "commsgov.services.merge",
    "Registration": "commsgov.services.merge",
    "register_offline_store": "commsgov.services.merge",
    "clean_store": "commsgov.services.cleanup",
    "verify": "commsgov.services.verification",
    "receipt": "commsgov.services.receipts",
    "check_receipt": "commsgov.services.receipts",
    "get_record": "commsgov.services.reads",
    "list_records": "commsgov.services.reads",
    "search_records": "commsgov.services.reads",
    "exceptions": "commsgov.services.reads",
    "export_records": "commsgov.services.export",
    "load_schedules": "commsgov.services.schedules",
    "when": "commsgov.services.schedules",
    "DEFAULT_CLASS": "commsgov.services.dispositions",
    "sync": "commsgov.services.dispositions",
    "due": "commsgov.services.dispositions",
    "classify": "commsgov.services.dispositions",
    "explain": "commsgov.services.dispositions",
    "place_hold": "commsgov.services.holds",
    "lift_hold": "commsgov.services.holds",
    "list_holds": "commsgov.services.holds",
    "review": "commsgov.services.reviews",
    "dispose": "commsgov.services.disposal",
    "build_transfer": "commsgov.services.transfers",
    "confirm_transfer": "commsgov.services.transfers",
    "IngestResult": "commsgov.services.ingest",
    "ingest_file": "commsgov.services.ingest",
    "read_export": "commsgov.services.ingest",
    "load_catalogue": "commsgov.services.devices",
    "scan_files": "commsgov.services.devices",
    "export_blocklist": "commsgov.services.devices",
    "NewUser": "commsgov.services.users",
    "User": "commsgov.services.users",
    "add_user": "commsgov.services.users",
    "ensure_first_admin": "commsgov.services.users",
    "get_user": "commsgov.services.users",
    "list_users": "commsgov.services.users",
    "reset_password": "commsgov.services.users",
    "set_disabled": "commsgov.services.users",
    "set_roles": "commsgov.services.users",
    "update_user": "commsgov.services.users",
    "NewToken": "commsgov.services.tokens",
    "TokenInfo": "commsgov.services.tokens",
    "authenticate_token": "commsgov.services.tokens",
    "create_token": "commsgov.services.tokens",
    "list_tokens": "commsgov.services.tokens",
    "revoke_token": "commsgov.services.tokens",
    "Principal": "commsgov.services.sessions",
    "SignIn": "commsgov.services.sessions",
    "change_password": "commsgov.services.sessions",
    "resolve_session": "commsgov.services.sessions",
    "sign_in": "commsgov.services.sessions",
    "sign_out": "commsgov.services.sessions",
    "start_session": "commsgov.services.sessions",
}

if TYPE_CHECKING:
    from commsgov.accounts.actor import Actor
    from commsgov.services.captures import (
        CaptureResult,
        capture,
        correct_record,
    )
    from commsgov.services.catalogue import channels, matrix, scenarios
    from commsgov.services.cleanup import clean_store
    from commsgov.services.conversations import (
        ConversationResult,
        add_messages,
        store_conversation,
    )
    from commsgov.services.devices import export_blocklist, load_catalogue, scan_files
    from commsgov.services.disposal import dispose
    from commsgov.services.dispositions import DEFAULT_CLASS, classify, due, explain, sync
    from commsgov.services.export import export_records
    from commsgov.services.files import read_file, store_file
    from commsgov.services.holds import lift_hold, list_holds, place_hold
    from commsgov.services.identity import store_identity
    from commsgov.services.ingest import IngestResult, ingest_file, read_export
    from commsgov.services.ledger import append_events
    from commsgov.services.merge import (
        MergeResult,
        PackResult,
        Registration,
        merge_offline,
        pack_offline,
        register_offline_store,
    )
    from commsgov.services.outages import end_outage, list_outages, start_outage
    from commsgov.services.query import RecordQuery
    from commsgov.services.reads import exceptions, get_record, list_records, search_records
    from commsgov.services.receipts import check_receipt, receipt
    from commsgov.services.reviews import review
    from commsgov.services.schedules import load_schedules, when
    from commsgov.services.sessions import (
        Principal,
        SignIn,
        change_password,
        resolve_session,
        sign_in,
        sign_out,
        start_session,
    )
    from commsgov.services.tokens import (
        NewToken,
        TokenInfo,
        authenticate_token,
        create_token,
        list_tokens,
        revoke_token,
    )
    from commsgov.services.transfers import build_transfer, confirm_transfer
    from commsgov.services.users import (
        NewUser,
        User,
        add_user,
        ensure_first_admin,
        get_user,
        list_users,
        reset_password,
        set_disabled,
        set_roles,
        update_user,
    )
    from commsgov.services.verification import VerifyReport, verify
    from commsgov.store.handle import Store, open_store


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)

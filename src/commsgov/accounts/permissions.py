"""The permission table, as data: one entry per HTTP route and action, with who may call it.

``access`` is :data:`PUBLIC` (anyone, signed in or not), :data:`SIGNED_IN` (any signed-in user,
whatever their roles) or the set of roles allowed. :func:`outcome` gives the documented answer
for a caller; the API checks every request against this table, ``docs/permissions.md`` is
generated from it (:func:`markdown`), and a test walks every route for every role.

The web pages (``web.*``) are in the same table: a page answers 401 by sending the browser to the
sign-in page, and 403 with a page saying so. Every route of the API and every page has one entry:
the tests and the documentation follow it.

Reading the record is for its readers (staff, records managers, auditors); what a staff member
reads is further limited, inside the query, to the records they captured or took part in
(:func:`commsgov.services.read_gate.scope`). Admins read no record content unless they also hold
a records role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .roles import ROLES, Role

PUBLIC: Literal["public"] = "public"
SIGNED_IN: Literal["signed-in"] = "signed-in"

Access = frozenset[Role] | Literal["public", "signed-in"]

_EVERY_ROLE = frozenset(ROLES)
_ADMIN = frozenset({Role.admin})
_ADMIN_OR_AUDITOR = frozenset({Role.admin, Role.auditor})
_AUDITOR = frozenset({Role.auditor})
#: the governance registers: records managers and admins keep them, auditors read them
_REGISTER_KEEPERS = frozenset({Role.records_manager, Role.admin})
_REGISTER_READERS = frozenset({Role.records_manager, Role.admin, Role.auditor})
#: who reads the record (staff: only their own records, filtered in the query)
_READERS = frozenset({Role.staff, Role.records_manager, Role.auditor})
#: who puts communications into the record
_CAPTURERS = frozenset({Role.staff, Role.records_manager})
#: who keeps the record: corrections, outages, holds, review, disposal, transfer
_KEEPERS = frozenset({Role.records_manager})
_KEEPERS_AUDITORS = frozenset({Role.records_manager, Role.auditor})


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may call one route: ``action`` (its name in audit events), method, path, access."""

    action: str
    method: str
    path: str
    access: Access
    summary: str


#: every route of the API, in the order the documentation lists them
PERMISSIONS: tuple[Permission, ...] = (
    Permission("meta.health", "GET", "/api/v1/health", PUBLIC, "Is the service up?"),
    Permission("auth.login", "POST", "/api/v1/auth/login", PUBLIC, "Sign in with a password."),
    Permission(
        "auth.oidc-login", "GET", "/api/v1/auth/oidc/login", PUBLIC,
        "Start OpenID Connect sign-in (404 when not configured).",
    ),
    Permission(
        "auth.oidc-callback", "GET", "/api/v1/auth/oidc/callback", PUBLIC,
        "Finish OpenID Connect sign-in (the provider redirects here).",
    ),
    Permission("auth.whoami", "GET", "/api/v1/auth/me", SIGNED_IN, "Who am I, with which roles?"),
    Permission("auth.logout", "POST", "/api/v1/auth/logout", SIGNED_IN, "Sign out."),
    Permission(
        "auth.change-password", "POST", "/api/v1/auth/password", SIGNED_IN,
        "Change my own password.",
    ),
    Permission("policy.advise", "GET", "/api/v1/advise", _EVERY_ROLE, "Which channel may I use?"),
    Permission("policy.matrix", "GET", "/api/v1/matrix", _EVERY_ROLE, "The channels matrix."),
    Permission("policy.scenarios", "GET", "/api/v1/scenarios", _EVERY_ROLE, "The scenarios."),
    Permission("policy.channels", "GET", "/api/v1/channels", _EVERY_ROLE, "The channels."),
    Permission(
        "policy.ask", "POST", "/api/v1/ask", _EVERY_ROLE,
        "Ask in plain words (the answer of `commsgov ask --json`).",
    ),
    Permission("users.list", "GET", "/api/v1/users", _ADMIN_OR_AUDITOR, "List users."),
    Permission("users.create", "POST", "/api/v1/users", _ADMIN, "Add a user."),
    Permission(
        "users.show", "GET", "/api/v1/users/{username}", _ADMIN_OR_AUDITOR, "Show one user."
    ),
    Permission(
        "users.update", "PATCH", "/api/v1/users/{username}", _ADMIN,
        "Change a user's display name, email addresses or phone numbers.",
    ),
    Permission(
        "users.set-roles", "PUT", "/api/v1/users/{username}/roles", _ADMIN,
        "Give a user exactly these roles (their sessions end).",
    ),
    Permission(
        "users.disable", "POST", "/api/v1/users/{username}/disable", _ADMIN,
        "Disable a user (their sessions end, their tokens stop).",
    ),
    Permission(
        "users.enable", "POST", "/api/v1/users/{username}/enable", _ADMIN, "Enable a user again."
    ),
    Permission(
        "users.reset-password", "POST", "/api/v1/users/{username}/password", _ADMIN,
        "Set a new one-time password for a user.",
    ),
    Permission("tokens.list", "GET", "/api/v1/tokens", _ADMIN_OR_AUDITOR, "List API tokens."),
    Permission("tokens.create", "POST", "/api/v1/tokens", _ADMIN, "Create an API token."),
    Permission(
        "tokens.revoke", "DELETE", "/api/v1/tokens/{token_id}", _ADMIN, "Revoke an API token."
    ),
    Permission("audit.search", "GET", "/api/v1/audit", _AUDITOR, "Search the audit trail."),
    Permission(
        "audit.export", "GET", "/api/v1/audit/export", _AUDITOR, "Export the audit trail."
    ),
    Permission(
        "audit.verify", "GET", "/api/v1/audit/verify", _AUDITOR, "Verify the audit chain."
    ),
    # -- the governance registers (who keeps and reads each: docs/registers.md) --
    Permission(
        "registers.reminders", "GET", "/api/v1/registers/reminders", _REGISTER_READERS,
        "What is due in the registers (overdue groups, ended exemptions in use, ...).",
    ),
    Permission(
        "registers.exemptions-list", "GET", "/api/v1/registers/exemptions", _REGISTER_READERS,
        "List the transition exemptions.",
    ),
    Permission(
        "registers.exemptions-create", "POST", "/api/v1/registers/exemptions",
        _REGISTER_KEEPERS, "Record a transition exemption.",
    ),
    Permission(
        "registers.exemptions-in-use", "GET", "/api/v1/registers/exemptions/in-use",
        _REGISTER_READERS, "Ended transition exemptions still in use.",
    ),
    Permission(
        "registers.exemptions-show", "GET", "/api/v1/registers/exemptions/{uid}",
        _REGISTER_READERS, "Show a transition exemption.",
    ),
    Permission(
        "registers.exemptions-update", "PATCH", "/api/v1/registers/exemptions/{uid}",
        _REGISTER_KEEPERS, "Change a transition exemption, with the reason.",
    ),
    Permission(
        "registers.organisations-list", "GET", "/api/v1/registers/organisations", _EVERY_ROLE,
        "List the federated organisations and guests.",
    ),
    Permission(
        "registers.organisations-create", "POST", "/api/v1/registers/organisations",
        _REGISTER_KEEPERS, "Record a federated organisation or guest access.",
    ),
    Permission(
        "registers.organisations-show", "GET", "/api/v1/registers/organisations/{uid}",
        _EVERY_ROLE, "Show a federated organisation.",
    ),
    Permission(
        "registers.organisations-update", "PATCH", "/api/v1/registers/organisations/{uid}",
        _REGISTER_KEEPERS, "Change a federated organisation's entry, with the reason.",
    ),
    Permission(
        "registers.purposes", "GET", "/api/v1/registers/purposes", _EVERY_ROLE,
        "The purposes personal devices (and their groups) are permitted for.",
    ),
    Permission(
        "registers.groups-list", "GET", "/api/v1/registers/groups", _REGISTER_READERS,
        "List the personal-device groups (state=overdue: the overdue report).",
    ),
    Permission(
        "registers.groups-create", "POST", "/api/v1/registers/groups", _REGISTER_KEEPERS,
        "Record a personal-device group.",
    ),
    Permission(
        "registers.groups-show", "GET", "/api/v1/registers/groups/{uid}", _REGISTER_READERS,
        "Show a personal-device group.",
    ),
    Permission(
        "registers.groups-update", "PATCH", "/api/v1/registers/groups/{uid}",
        _REGISTER_KEEPERS, "Change a personal-device group, with the reason.",
    ),
    Permission(
        "registers.groups-disband", "POST", "/api/v1/registers/groups/{uid}/disband",
        _REGISTER_KEEPERS, "Record that a personal-device group was disbanded.",
    ),
    Permission(
        "registers.phones-list", "GET", "/api/v1/registers/phones", _REGISTER_READERS,
        "List the corporate phone requests.",
    ),
    Permission(
        "registers.phones-create", "POST", "/api/v1/registers/phones", _REGISTER_KEEPERS,
        "Record a request for a corporate phone.",
    ),
    Permission(
        "registers.phones-show", "GET", "/api/v1/registers/phones/{uid}", _REGISTER_READERS,
        "Show a corporate phone request.",
    ),
    Permission(
        "registers.phones-decide", "POST", "/api/v1/registers/phones/{uid}/decision",
        _REGISTER_KEEPERS, "Record the budget centre liaison officer's decision.",
    ),
    # -- the record --
    Permission(
        "records.list", "GET", "/api/v1/records", _READERS,
        "List records (staff: their own and those they took part in).",
    ),
    Permission(
        "records.search", "GET", "/api/v1/records/search", _READERS,
        "Search the record (staff: within their own).",
    ),
    Permission(
        "records.exceptions", "GET", "/api/v1/records/exceptions", _READERS,
        "Captures that breached the policy (staff: their own).",
    ),
    Permission(
        "records.export", "POST", "/api/v1/records/export", _READERS,
        "Export records with their hashes, logged on the ledger (staff: their own).",
    ),
    Permission(
        "records.show", "GET", "/api/v1/records/{ref}", _READERS,
        "Show one record with its history and messages (staff: their own).",
    ),
    Permission(
        "records.correct", "PATCH", "/api/v1/records/{ref}", _KEEPERS,
        "Correct a record (the earlier values stay in the ledger).",
    ),
    Permission(
        "receipts.issue", "GET", "/api/v1/records/{ref}/receipt", _READERS,
        "A receipt for a record (staff: their own).",
    ),
    Permission(
        "receipts.check", "POST", "/api/v1/receipts/check", _READERS,
        "Check a saved receipt against the store.",
    ),
    Permission(
        "files.read", "GET", "/api/v1/files/{sha256}", _READERS,
        "Download a stored file, checked (staff: of their own records).",
    ),
    Permission(
        "records.verify", "GET", "/api/v1/verify", _KEEPERS_AUDITORS,
        "Verify the ledger, every stored hash and the audit chain.",
    ),
    Permission(
        "captures.create", "POST", "/api/v1/captures", _CAPTURERS,
        "Capture a communication with attached files (multipart).",
    ),
    Permission(
        "ingest.create", "POST", "/api/v1/ingest", _CAPTURERS,
        "Ingest an exported chat, all or nothing, or a dry run (multipart).",
    ),
    # -- keeping the record --
    Permission("outages.list", "GET", "/api/v1/outages", _READERS, "List outages."),
    Permission("outages.start", "POST", "/api/v1/outages", _KEEPERS, "Declare an outage."),
    Permission(
        "outages.end", "POST", "/api/v1/outages/{uid}/end", _KEEPERS, "Declare an outage over."
    ),
    Permission("holds.list", "GET", "/api/v1/holds", _KEEPERS_AUDITORS, "List holds."),
    Permission("holds.place", "POST", "/api/v1/holds", _KEEPERS, "Place a hold."),
    Permission("holds.lift", "POST", "/api/v1/holds/{ref}/lift", _KEEPERS, "Lift a hold."),
    Permission(
        "retention.when", "GET", "/api/v1/retention/when", _EVERY_ROLE,
        "When is an item of this channel deleted or reviewed?",
    ),
    Permission(
        "retention.due", "GET", "/api/v1/retention/due", _KEEPERS_AUDITORS, "What is due."
    ),
    Permission(
        "retention.review", "POST", "/api/v1/retention/review", _KEEPERS,
        "Record a review decision.",
    ),
    Permission(
        "retention.dispose", "POST", "/api/v1/retention/dispose", _KEEPERS,
        "Destroy what may be destroyed (or a dry run).",
    ),
    Permission(
        "retention.explain", "GET", "/api/v1/retention/explain/{ref}", _KEEPERS_AUDITORS,
        "Why a record is kept or disposed of.",
    ),
    Permission(
        "retention.classify", "POST", "/api/v1/retention/classify", _KEEPERS,
        "Give records a record class.",
    ),
    Permission(
        "transfers.build", "POST", "/api/v1/transfers", _KEEPERS,
        "Build a transfer package for the archive.",
    ),
    Permission(
        "transfers.download", "GET", "/api/v1/transfers/{consignment}/package",
        _KEEPERS_AUDITORS, "Download a transfer package.",
    ),
    Permission(
        "transfers.confirm", "POST", "/api/v1/transfers/{consignment}/confirm", _KEEPERS,
        "The archive confirmed accession: dispose of the records here.",
    ),
    # -- the web pages --
    Permission("web.sign-in", "GET", "/sign-in", PUBLIC, "Page: sign in."),
    Permission("web.sign-in-submit", "POST", "/sign-in", PUBLIC, "Form: sign in with a password."),
    Permission("web.sign-out", "POST", "/sign-out", SIGNED_IN, "Form: sign out."),
    Permission("web.password", "GET", "/password", SIGNED_IN, "Page: change my password."),
    Permission(
        "web.password-submit", "POST", "/password", SIGNED_IN, "Form: change my password."
    ),
    Permission(
        "web.advisor", "GET", "/", _EVERY_ROLE,
        "Page: the advisor (which channel may I use?), with the question box.",
    ),
    Permission("web.ask", "POST", "/ask", _EVERY_ROLE, "Form: ask in plain words."),
    Permission("web.matrix", "GET", "/matrix", _EVERY_ROLE, "Page: the channels matrix."),
    Permission(
        "web.scenario", "GET", "/scenarios/{scenario}", _EVERY_ROLE,
        "Page: one scenario, every channel's answer (to link to and print).",
    ),
    Permission("web.channels", "GET", "/channels", _EVERY_ROLE, "Page: the channels and apps."),
    Permission(
        "web.channel", "GET", "/channels/{channel}", _EVERY_ROLE,
        "Page: one channel or app, its answer in every scenario (to link to and print).",
    ),
    Permission("web.users", "GET", "/admin/users", _ADMIN_OR_AUDITOR, "Page: the users."),
    Permission("web.users-create", "POST", "/admin/users", _ADMIN, "Form: add a user."),
    Permission("web.user", "GET", "/admin/users/{username}", _ADMIN_OR_AUDITOR, "Page: a user."),
    Permission(
        "web.user-roles", "POST", "/admin/users/{username}/roles", _ADMIN,
        "Form: give a user exactly these roles.",
    ),
    Permission(
        "web.user-disable", "POST", "/admin/users/{username}/disable", _ADMIN,
        "Form: disable a user.",
    ),
    Permission(
        "web.user-enable", "POST", "/admin/users/{username}/enable", _ADMIN,
        "Form: enable a user.",
    ),
    Permission(
        "web.user-password", "POST", "/admin/users/{username}/password", _ADMIN,
        "Form: give a user a one-time password (shown once).",
    ),
    Permission("web.tokens", "GET", "/admin/tokens", _ADMIN_OR_AUDITOR, "Page: the API tokens."),
    Permission(
        "web.tokens-create", "POST", "/admin/tokens", _ADMIN,
        "Form: create an API token (shown once).",
    ),
    Permission(
        "web.token-revoke", "POST", "/admin/tokens/{token_id}/revoke", _ADMIN,
        "Form: revoke an API token.",
    ),
    Permission(
        "web.pack", "GET", "/admin/pack", _ADMIN_OR_AUDITOR,
        "Page: the loaded policy pack and its validation report.",
    ),
    Permission(
        "web.registers", "GET", "/registers", _REGISTER_READERS,
        "Page: the registers and what is due in them.",
    ),
    Permission(
        "web.exemptions", "GET", "/registers/exemptions", _REGISTER_READERS,
        "Page: the transition exemptions.",
    ),
    Permission(
        "web.exemptions-create", "POST", "/registers/exemptions", _REGISTER_KEEPERS,
        "Form: record a transition exemption.",
    ),
    Permission(
        "web.exemption", "GET", "/registers/exemptions/{uid}", _REGISTER_READERS,
        "Page: a transition exemption and its use after its end.",
    ),
    Permission(
        "web.exemption-update", "POST", "/registers/exemptions/{uid}", _REGISTER_KEEPERS,
        "Form: change a transition exemption.",
    ),
    Permission(
        "web.organisations", "GET", "/registers/organisations", _EVERY_ROLE,
        "Page: the federated organisations and guests.",
    ),
    Permission(
        "web.organisations-create", "POST", "/registers/organisations", _REGISTER_KEEPERS,
        "Form: record a federated organisation or guest access.",
    ),
    Permission(
        "web.organisation", "GET", "/registers/organisations/{uid}", _EVERY_ROLE,
        "Page: a federated organisation.",
    ),
    Permission(
        "web.organisation-update", "POST", "/registers/organisations/{uid}", _REGISTER_KEEPERS,
        "Form: change a federated organisation's entry.",
    ),
    Permission(
        "web.groups", "GET", "/registers/groups", _REGISTER_READERS,
        "Page: the personal-device groups.",
    ),
    Permission(
        "web.groups-create", "POST", "/registers/groups", _REGISTER_KEEPERS,
        "Form: record a personal-device group.",
    ),
    Permission(
        "web.group", "GET", "/registers/groups/{uid}", _REGISTER_READERS,
        "Page: a personal-device group.",
    ),
    Permission(
        "web.group-update", "POST", "/registers/groups/{uid}", _REGISTER_KEEPERS,
        "Form: change a personal-device group.",
    ),
    Permission(
        "web.group-disband", "POST", "/registers/groups/{uid}/disband", _REGISTER_KEEPERS,
        "Form: record that a personal-device group was disbanded.",
    ),
    Permission(
        "web.phones", "GET", "/registers/phones", _REGISTER_READERS,
        "Page: the corporate phone requests.",
    ),
    Permission(
        "web.phones-create", "POST", "/registers/phones", _REGISTER_KEEPERS,
        "Form: record a request for a corporate phone.",
    ),
    Permission(
        "web.phone", "GET", "/registers/phones/{uid}", _REGISTER_READERS,
        "Page: a corporate phone request.",
    ),
    Permission(
        "web.phone-decide", "POST", "/registers/phones/{uid}/decision", _REGISTER_KEEPERS,
        "Form: record the budget centre liaison officer's decision.",
    ),
    Permission("web.audit", "GET", "/audit", _AUDITOR, "Page: the audit trail, filtered."),
    Permission(
        "web.audit-export", "GET", "/audit/export", _AUDITOR,
        "Download: the audit trail as CSV or JSON.",
    ),
    Permission(
        "web.audit-verify", "GET", "/audit/verify", _AUDITOR, "Page: verify the audit chain."
    ),
    Permission("web.capture", "GET", "/capture", _CAPTURERS, "Page: capture a communication."),
    Permission(
        "web.capture-submit", "POST", "/capture", _CAPTURERS,
        "Form: capture a communication with attached files.",
    ),
    Permission(
        "web.capture-queued", "POST", "/capture/queued", _CAPTURERS,
        "Send: one capture a browser kept in its queue while offline (answers JSON).",
    ),
    Permission(
        "web.service-worker", "GET", "/sw.js", PUBLIC,
        "Script: the service worker that keeps the capture page working offline.",
    ),
    Permission(
        "web.upload", "GET", "/upload", _CAPTURERS, "Page: upload exported chats."
    ),
    Permission(
        "web.upload-preview", "POST", "/upload", _CAPTURERS,
        "Form: upload exported chats and preview what would be stored (nothing is).",
    ),
    Permission(
        "web.upload-stage", "POST", "/upload/stage", _CAPTURERS,
        "Form: upload exported chats to be read in the background (the page follows the reading).",
    ),
    Permission(
        "web.upload-status", "GET", "/upload/{staged}/status", _CAPTURERS,
        "Page: how far the reading of uploaded chats got; then the preview (the uploader only).",
    ),
    Permission(
        "web.upload-confirm", "POST", "/upload/confirm", _CAPTURERS,
        "Form: store the previewed chats in the record.",
    ),
    Permission(
        "web.records", "GET", "/records", _READERS,
        "Page: find records (staff: their own and those they took part in).",
    ),
    Permission(
        "web.records-export", "POST", "/records/export", _READERS,
        "Form: download the records found, with hashes, logged on the ledger (staff: their own).",
    ),
    Permission(
        "web.record", "GET", "/records/{ref}", _READERS,
        "Page: one record, its messages and history (staff: their own).",
    ),
    Permission(
        "web.receipt", "GET", "/records/{ref}/receipt", _READERS,
        "Page: a receipt for a record (staff: their own).",
    ),
    Permission(
        "web.receipt-download", "GET", "/records/{ref}/receipt.json", _READERS,
        "Download: a receipt for a record (staff: their own).",
    ),
    Permission(
        "web.record-correct", "POST", "/records/{ref}/correct", _KEEPERS,
        "Form: correct a record (the earlier values stay in the ledger).",
    ),
    Permission(
        "web.record-retention", "GET", "/records/{ref}/retention", _KEEPERS_AUDITORS,
        "Page: a record's holds, schedule, due date and review decisions.",
    ),
    Permission(
        "web.file", "GET", "/files/{sha256}", _READERS,
        "Download: a stored file, checked (staff: of their own records).",
    ),
    Permission(
        "web.file-inline", "GET", "/files/{sha256}/inline", _READERS,
        "Media: a stored image, sound or video shown in a record's page (staff: of their own "
        "records).",
    ),
    Permission(
        "web.dashboard", "GET", "/governance", _KEEPERS_AUDITORS,
        "Page: charts of captures, exceptions and what falls due, with their data.",
    ),
    Permission(
        "web.exceptions", "GET", "/governance/exceptions", _KEEPERS_AUDITORS,
        "Page: the policy exceptions, filtered by dates and channel, with counts per month.",
    ),
    Permission(
        "web.outages", "GET", "/governance/outages", _KEEPERS_AUDITORS, "Page: the outages."
    ),
    Permission(
        "web.outage-start", "POST", "/governance/outages", _KEEPERS, "Form: declare an outage."
    ),
    Permission(
        "web.outage-end", "POST", "/governance/outages/{uid}/end", _KEEPERS,
        "Form: declare an outage over.",
    ),
    Permission("web.holds", "GET", "/governance/holds", _KEEPERS_AUDITORS, "Page: the holds."),
    Permission("web.hold-place", "POST", "/governance/holds", _KEEPERS, "Form: place a hold."),
    Permission(
        "web.hold-lift", "POST", "/governance/holds/{uid}/lift", _KEEPERS, "Form: lift a hold."
    ),
    Permission(
        "web.review", "GET", "/governance/review", _KEEPERS_AUDITORS,
        "Page: what is due for review or disposal.",
    ),
    Permission(
        "web.review-submit", "POST", "/governance/review", _KEEPERS,
        "Form: one review decision on the records ticked.",
    ),
    Permission(
        "web.transfers", "GET", "/governance/transfers", _KEEPERS_AUDITORS,
        "Page: the transfer packages.",
    ),
    Permission(
        "web.transfer-build", "POST", "/governance/transfers", _KEEPERS,
        "Form: build a transfer package for the archive.",
    ),
    Permission(
        "web.transfer-confirm", "POST", "/governance/transfers/{consignment}/confirm", _KEEPERS,
        "Form: the archive confirmed accession: dispose of the records here.",
    ),
    Permission(
        "web.transfer-download", "GET", "/governance/transfers/{consignment}/package",
        _KEEPERS_AUDITORS, "Download: a transfer package.",
    ),
)  # fmt: skip

_BY_ACTION = {p.action: p for p in PERMISSIONS}


def permission(action: str) -> Permission:
    """The table's entry for ``action`` (``KeyError`` for an action not in the table).

    >>> permission("users.create").access
    frozenset({<Role.admin: 'admin'>})
    """
    return _BY_ACTION[action]


def outcome(entry: Permission, roles: Iterable[str] | None) -> Literal[200, 401, 403]:
    """The documented answer for a caller holding ``roles`` (``None``: not signed in).

    200 means allowed; 401: sign in first; 403: signed in, but no role allows it.

    >>> outcome(permission("audit.search"), None)
    401
    >>> outcome(permission("audit.search"), [Role.admin])
    403
    >>> outcome(permission("audit.search"), [Role.staff, Role.auditor])
    200
    >>> outcome(permission("auth.whoami"), [])
    200
    """
    if entry.access == PUBLIC:
        return 200
    if roles is None:
        return 401
    if entry.access == SIGNED_IN:
        return 200
    return 200 if entry.access & set(roles) else 403


def allowed(action: str, roles: Iterable[str]) -> bool:
    """Whether a signed-in caller holding ``roles`` may perform ``action``.

    >>> allowed("users.create", [Role.auditor])
    False
    """
    return outcome(permission(action), roles) == 200


def markdown() -> str:
    """``docs/permissions.md``: the table, one row per route, one column per role.

    >>> "| `users.create` |" in markdown()
    True
    """
    head = ["action", "route", *ROLES, "anonymous", "what it does"]
    out = [
        "# Permissions",
        "",
        "Generated from `commsgov.accounts.permissions.PERMISSIONS` by",
        "`python -m commsgov.accounts.docs permissions`; do not edit by hand. A test walks",
        "every route for every role (and for a caller who is not signed in) and asserts the",
        "answer below: **allowed**, **403** (signed in, but no role allows it) or **401** (sign",
        "in first).",
        "A user may hold several roles: they may do what any of their roles allows. An API token",
        "acts with the roles it was given that its user still holds.",
        "",
        "Separation of duties: admins manage users, tokens and the policy pack but do not read",
        "record content unless they also hold a records role; auditors read everything, the audit",
        "trail included, and change nothing. A refused request (403) is an audit event.",
        "",
        "The web pages (`web.*`) obey the same table: a page or form answers 401 by sending the",
        "browser to the sign-in page (303 to `/sign-in`), and 403 with a page saying so. Their",
        "assets under `/static/` are public.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + " --- |" * len(head),
    ]
    words = {200: "allowed", 401: "401", 403: "403"}
    for entry in PERMISSIONS:
        cells = [words[outcome(entry, [role])] for role in ROLES]
        cells.append(words[outcome(entry, None)])
        route = f"`{entry.method} {entry.path}`"
        out.append(f"| `{entry.action}` | {route} | " + " | ".join(cells) + f" | {entry.summary} |")
    return "\n".join(out) + "\n"

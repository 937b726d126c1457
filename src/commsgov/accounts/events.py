"""Events of the audit trail: every sign-in, refusal, account change and read of the trail.

Each kind is a frozen dataclass registered (``@register``) in the one registry of event kinds,
:data:`commsgov.records.events.EVENT_KINDS`, with ``chain = "audit"``: ``kind`` (its name in the
trail), ``outcome`` (``ok``, ``failed`` or ``refused``), a ``target`` (what it is about, e.g.
``user:ann``) and ``details()`` (canonical JSON in the stored entry).

The trail holds three sorts of entry, each kind defined once:

- the events here (:data:`AUDIT_EVENTS` lists every kind of ``chain = "audit"``, these and the
  reads of the record);
- reads of the record (:mod:`commsgov.records.events.reads`: ``record-read``,
  ``records-listed``, ``records-searched``, ``file-read``), with their outcome;
- every change to the record: each ledger entry (``record-captured``, ``hold-placed``, ...,
  :mod:`commsgov.records.events`) is noted under its own kind, with the entry's position and
  hash, never its content (which disposal may later destroy).

:data:`AUDIT_ACTIONS` is every kind the trail may hold; appending any other is refused, and
``docs/audit.md`` documents each (a test checks it). Who did it, when and from where are not
fields of the event: the actor and the clock are given when the event is appended (see
:mod:`commsgov.accounts.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from commsgov.records.events import EVENT_KINDS, register
from commsgov.records.events.base import Chain


class AuditEvent(Protocol):
    """What every event of this module provides."""

    kind: ClassVar[str]
    outcome: ClassVar[str]

    @property
    def target(self) -> str:
        """What the event is about (``user:ann``, ``token:…``, ``route:…``, ``audit``)."""
        ...

    def details(self) -> dict[str, Any]:
        """The event's fields, stored as canonical JSON."""
        ...


@register
@dataclass(frozen=True, slots=True)
class SignedIn:
    """Event ``signed-in``: ``username`` signed in by ``method`` (``password`` or ``oidc``)."""

    kind: ClassVar[str] = "signed-in"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    method: str

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """The method."""
        return {"method": self.method}


@register
@dataclass(frozen=True, slots=True)
class SignInFailed:
    """Event ``sign-in-failed``: a sign-in as ``username`` was refused, and why.

    ``reason``: ``bad-password``, ``unknown-user``, ``disabled``, ``no-password`` (the account
    signs in through OpenID Connect only), ``throttled``, or ``oidc`` (the provider's answer was
    refused; ``detail`` says why). The person signing in is told none of this.
    """

    kind: ClassVar[str] = "sign-in-failed"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "failed"
    username: str
    reason: str
    detail: str | None = None

    @property
    def target(self) -> str:
        """The account named (it may not exist)."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Reason and detail."""
        return {"reason": self.reason, "detail": self.detail}


@register
@dataclass(frozen=True, slots=True)
class SignedOut:
    """Event ``signed-out``: ``username`` ended their session."""

    kind: ClassVar[str] = "signed-out"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Nothing more."""
        return {}


@register
@dataclass(frozen=True, slots=True)
class PasswordChanged:
    """Event ``password-changed``: ``username`` changed their own password (their other
    sessions end: ``sessions_ended``)."""

    kind: ClassVar[str] = "password-changed"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    sessions_ended: int

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """How many sessions ended."""
        return {"sessions_ended": self.sessions_ended}


@register
@dataclass(frozen=True, slots=True)
class PermissionDenied:
    """Event ``permission-refused``: a signed-in caller was refused ``action`` (``method`` ``path``)
    because none of their ``roles`` allows it."""

    kind: ClassVar[str] = "permission-refused"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "refused"
    action: str
    method: str
    path: str
    roles: tuple[str, ...]

    @property
    def target(self) -> str:
        """The action refused."""
        return f"action:{self.action}"

    def details(self) -> dict[str, Any]:
        """The route and the caller's roles."""
        return {"method": self.method, "path": self.path, "roles": list(self.roles)}


@register
@dataclass(frozen=True, slots=True)
class UserCreated:
    """Event ``user-created``: account ``username`` was added with ``roles``, a ``display_name`` and
    ``identities`` (email addresses and phone numbers that are theirs in the record)."""

    kind: ClassVar[str] = "user-created"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    display_name: str
    roles: tuple[str, ...]
    identities: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        """The new user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Name, roles, identities."""
        return {
            "display_name": self.display_name,
            "roles": list(self.roles),
            "identities": list(self.identities),
        }


@register
@dataclass(frozen=True, slots=True)
class UserUpdated:
    """Event ``user-updated``: ``username``'s display name or identities changed; ``changes``
    maps each changed field to its new value."""

    kind: ClassVar[str] = "user-updated"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    changes: dict[str, Any]

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """The changes."""
        return {"changes": self.changes}


@register
@dataclass(frozen=True, slots=True)
class RolesChanged:
    """Event ``roles-changed``: ``username``'s roles went from ``before`` to ``after``; their
    sessions ended at once (``sessions_ended``)."""

    kind: ClassVar[str] = "roles-changed"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    sessions_ended: int

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Roles before and after."""
        return {
            "before": list(self.before),
            "after": list(self.after),
            "sessions_ended": self.sessions_ended,
        }


@register
@dataclass(frozen=True, slots=True)
class UserDisabled:
    """Event ``user-disabled``: ``username`` can no longer sign in; their sessions ended at once
    (``sessions_ended``) and their tokens stop working while disabled."""

    kind: ClassVar[str] = "user-disabled"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    sessions_ended: int

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """How many sessions ended."""
        return {"sessions_ended": self.sessions_ended}


@register
@dataclass(frozen=True, slots=True)
class UserEnabled:
    """Event ``user-enabled``: ``username`` may sign in again."""

    kind: ClassVar[str] = "user-enabled"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Nothing more."""
        return {}


@register
@dataclass(frozen=True, slots=True)
class PasswordReset:
    """Event ``password-reset``: an administrator gave ``username`` a new one-time password (to be
    changed at the next sign-in); their sessions ended (``sessions_ended``)."""

    kind: ClassVar[str] = "password-reset"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    username: str
    sessions_ended: int

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """How many sessions ended."""
        return {"sessions_ended": self.sessions_ended}


@register
@dataclass(frozen=True, slots=True)
class TokenCreated:
    """Event ``token-created``: API token ``token_id`` (named ``name``) was made for
    ``username`` with ``roles``, expiring at ``expires_at`` (UTC text, or ``None`` for never)."""

    kind: ClassVar[str] = "token-created"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    token_id: str
    username: str
    name: str
    roles: tuple[str, ...]
    expires_at: str | None

    @property
    def target(self) -> str:
        """The token."""
        return f"token:{self.token_id}"

    def details(self) -> dict[str, Any]:
        """Owner, name, roles, expiry."""
        return {
            "username": self.username,
            "name": self.name,
            "roles": list(self.roles),
            "expires_at": self.expires_at,
        }


@register
@dataclass(frozen=True, slots=True)
class TokenRevoked:
    """Event ``token-revoked``: API token ``token_id`` of ``username`` stopped working for good."""

    kind: ClassVar[str] = "token-revoked"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    token_id: str
    username: str

    @property
    def target(self) -> str:
        """The token."""
        return f"token:{self.token_id}"

    def details(self) -> dict[str, Any]:
        """Its owner."""
        return {"username": self.username}


@register
@dataclass(frozen=True, slots=True)
class AuditSearched:
    """Event ``audit-searched``: the audit trail was read with ``filters``; ``results``
    entries shown."""

    kind: ClassVar[str] = "audit-searched"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    filters: dict[str, Any]
    results: int

    @property
    def target(self) -> str:
        """The audit trail."""
        return "audit"

    def details(self) -> dict[str, Any]:
        """Filters and how many entries matched."""
        return {"filters": self.filters, "results": self.results}


@register
@dataclass(frozen=True, slots=True)
class AuditExported:
    """Event ``audit-exported``: the audit trail was exported as ``format`` (``csv`` or
    ``json``) with ``filters``; ``results`` entries written."""

    kind: ClassVar[str] = "audit-exported"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    filters: dict[str, Any]
    format: str
    results: int

    @property
    def target(self) -> str:
        """The audit trail."""
        return "audit"

    def details(self) -> dict[str, Any]:
        """Filters, format and count."""
        return {"filters": self.filters, "format": self.format, "results": self.results}


@register
@dataclass(frozen=True, slots=True)
class AuditVerified:
    """Event ``audit-verified``: the audit chain was recomputed: ``entries`` checked, ``ok`` or the
    ``problem`` found."""

    kind: ClassVar[str] = "audit-verified"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    entries: int
    ok: bool
    problem: str | None = None

    @property
    def target(self) -> str:
        """The audit trail."""
        return "audit"

    def details(self) -> dict[str, Any]:
        """Count and result."""
        return {"entries": self.entries, "ok": self.ok, "problem": self.problem}


@register
@dataclass(frozen=True, slots=True)
class OfflineMerged:
    """Event ``offline-merged``: an offline store (``store``, read from ``source``) was merged
    into the record: its entries ``first`` to ``through`` (``None``: nothing new), with
    ``records`` and ``messages`` added."""

    kind: ClassVar[str] = "offline-merged"
    chain: ClassVar[Chain] = "audit"
    outcome: ClassVar[str] = "ok"
    store: str
    source: str
    first: int | None
    through: int | None
    records: int
    messages: int

    @property
    def target(self) -> str:
        """The offline store merged."""
        return f"offline-store:{self.store}"

    def details(self) -> dict[str, Any]:
        """Where from, which entries, what was added."""
        return {
            "source": self.source,
            "first": self.first,
            "through": self.through,
            "records": self.records,
            "messages": self.messages,
        }


#: every kind of the audit trail only (these, and reads of the record), and its class
AUDIT_EVENTS: dict[str, type[Any]] = {
    kind: cls for kind, cls in EVENT_KINDS.items() if cls.chain == "audit"
}
#: every kind the trail may hold: its own (:data:`AUDIT_EVENTS`) and the ledger's, each noted
AUDIT_ACTIONS: frozenset[str] = frozenset(EVENT_KINDS)


def _doc(cls: type[Any]) -> str:
    import inspect

    return " ".join((inspect.getdoc(cls) or "").split()).replace("|", "\\|")


def markdown() -> str:
    """``docs/audit.md``: every kind the trail holds, with its outcome and documentation.

    >>> "`signed-in`" in markdown() and "`record-captured`" in markdown()
    True
    """
    out = [
        "# Audit events",
        "",
        "Generated from the one registry of event kinds (`commsgov.records.events.EVENT_KINDS`)",
        "by `python -m commsgov.accounts.docs audit`; do not edit by hand.",
        "",
        "Every entry of the audit trail records who (`actor`: a username, or `$USER` at the",
        "command line), from where (`source`: `cli`, `http` or `system`; over HTTP the client's",
        "`address` and `user_agent`), when (`at`, UTC), what (`action`: the kind below, and its",
        "`target`), the `outcome` (`ok`, `failed` or `refused`) and the kind's `details`. Entries",
        "are chained by SHA-256 like the record's ledger: `entry_hash` commits to every field and",
        "to the entry before it, so editing, deleting or reordering an entry is detected by",
        "`commsgov audit verify`, `commsgov verify` and `GET /api/v1/audit/verify`.",
        "",
        "The command line, the API and the web pages write the same entries: they call the same",
        "services, which write them.",
        "",
        "## Events of the trail",
        "",
        "Sign-ins, refusals, account and token changes, reads of the trail, and reads of the",
        "record. A read of the record that fails is recorded too: outcome `failed` (not found,",
        "bad input) or `refused` (the caller may not read it), with the error's `code` in the",
        "details. A read made inside another (the records an export reads) is the outer read's",
        "one entry, not one each.",
        "",
        "| kind | outcome | what it records |",
        "| --- | --- | --- |",
    ]
    for kind, cls in AUDIT_EVENTS.items():
        outcome = getattr(cls, "outcome", "ok, failed or refused")
        out.append(f"| `{kind}` | {outcome} | {_doc(cls)} |")
    out += [
        "",
        "## Changes to the record",
        "",
        "Every entry of the record's ledger is noted in the trail, in the same transaction, under",
        "its own kind: `target` names what changed (`record:<uid>`, `outage:<uid>`,",
        "`hold:<uid>`, `transfer:<consignment>`, `records` for an export) and `details` hold",
        "the ledger entry's `ledger_seq` and `entry_hash` (never the content: disposal may",
        "destroy that later). The kinds are documented in `docs/records.md` and",
        "`docs/retention.md`. An export that fails is recorded under `records-exported` with",
        "outcome `failed` or `refused`.",
        "",
        "| kind | what it records |",
        "| --- | --- |",
    ]
    for kind, cls in EVENT_KINDS.items():
        if cls.chain == "ledger":
            out.append(f"| `{kind}` | {_doc(cls)} |")
    return "\n".join(out) + "\n"

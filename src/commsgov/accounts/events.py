"""Audit events: every sign-in, refusal, account change and read of the audit trail is one.

Each kind is a frozen dataclass: ``kind`` (its name in the trail), ``outcome`` (``ok``,
``failed`` or ``refused``), a ``target`` (what it is about, e.g. ``user:ann``) and ``details()``
(canonical JSON in the stored entry). :data:`AUDIT_EVENTS` registers every kind; appending an
unregistered kind is refused, and ``docs/audit.md`` documents each (a test checks it).

Who did it, when and from where are not fields of the event: the actor and the clock are given
when the event is appended (see :mod:`commsgov.accounts.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol


class AuditEvent(Protocol):
    """What every audit event provides."""

    kind: ClassVar[str]
    outcome: ClassVar[str]

    @property
    def target(self) -> str:
        """What the event is about (``user:ann``, ``token:…``, ``route:…``, ``audit``)."""
        ...

    def details(self) -> dict[str, Any]:
        """The event's fields, stored as canonical JSON."""
        ...


@dataclass(frozen=True, slots=True)
class SignedIn:
    """``signed-in``: ``username`` signed in by ``method`` (``password`` or ``oidc``)."""

    kind: ClassVar[str] = "signed-in"
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


@dataclass(frozen=True, slots=True)
class SignInFailed:
    """``sign-in-failed``: a sign-in as ``username`` was refused, and why.

    ``reason``: ``bad-password``, ``unknown-user``, ``disabled``, ``no-password`` (the account
    signs in through OpenID Connect only), ``throttled``, or ``oidc`` (the provider's answer was
    refused; ``detail`` says why). The person signing in is told none of this.
    """

    kind: ClassVar[str] = "sign-in-failed"
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


@dataclass(frozen=True, slots=True)
class SignedOut:
    """``signed-out``: ``username`` ended their session."""

    kind: ClassVar[str] = "signed-out"
    outcome: ClassVar[str] = "ok"
    username: str

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Nothing more."""
        return {}


@dataclass(frozen=True, slots=True)
class PasswordChanged:
    """``password-changed``: ``username`` changed their own password (their other sessions end:
    ``sessions_ended``)."""

    kind: ClassVar[str] = "password-changed"
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


@dataclass(frozen=True, slots=True)
class PermissionDenied:
    """``permission-refused``: a signed-in caller was refused ``action`` (``method`` ``path``)
    because none of their ``roles`` allows it."""

    kind: ClassVar[str] = "permission-refused"
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


@dataclass(frozen=True, slots=True)
class UserCreated:
    """``user-created``: account ``username`` was added with ``roles``, a ``display_name`` and
    ``identities`` (email addresses and phone numbers that are theirs in the record)."""

    kind: ClassVar[str] = "user-created"
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


@dataclass(frozen=True, slots=True)
class UserUpdated:
    """``user-updated``: ``username``'s display name or identities changed; ``changes`` maps each
    changed field to its new value."""

    kind: ClassVar[str] = "user-updated"
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


@dataclass(frozen=True, slots=True)
class RolesChanged:
    """``roles-changed``: ``username``'s roles went from ``before`` to ``after``; their sessions
    ended at once (``sessions_ended``)."""

    kind: ClassVar[str] = "roles-changed"
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


@dataclass(frozen=True, slots=True)
class UserDisabled:
    """``user-disabled``: ``username`` can no longer sign in; their sessions ended at once
    (``sessions_ended``) and their tokens stop working while disabled."""

    kind: ClassVar[str] = "user-disabled"
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


@dataclass(frozen=True, slots=True)
class UserEnabled:
    """``user-enabled``: ``username`` may sign in again."""

    kind: ClassVar[str] = "user-enabled"
    outcome: ClassVar[str] = "ok"
    username: str

    @property
    def target(self) -> str:
        """The user."""
        return f"user:{self.username}"

    def details(self) -> dict[str, Any]:
        """Nothing more."""
        return {}


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """``password-reset``: an administrator gave ``username`` a new one-time password (to be
    changed at the next sign-in); their sessions ended (``sessions_ended``)."""

    kind: ClassVar[str] = "password-reset"
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


@dataclass(frozen=True, slots=True)
class TokenCreated:
    """``token-created``: API token ``token_id`` (named ``name``) was made for ``username`` with
    ``roles``, expiring at ``expires_at`` (UTC text, or ``None`` for never)."""

    kind: ClassVar[str] = "token-created"
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


@dataclass(frozen=True, slots=True)
class TokenRevoked:
    """``token-revoked``: API token ``token_id`` of ``username`` stopped working for good."""

    kind: ClassVar[str] = "token-revoked"
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


@dataclass(frozen=True, slots=True)
class AuditSearched:
    """``audit-searched``: the audit trail was read with ``filters``; ``results`` entries shown."""

    kind: ClassVar[str] = "audit-searched"
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


@dataclass(frozen=True, slots=True)
class AuditExported:
    """``audit-exported``: the audit trail was exported as ``format`` (``csv`` or ``json``) with
    ``filters``; ``results`` entries written."""

    kind: ClassVar[str] = "audit-exported"
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


@dataclass(frozen=True, slots=True)
class AuditVerified:
    """``audit-verified``: the audit chain was recomputed: ``entries`` checked, ``ok`` or the
    ``problem`` found."""

    kind: ClassVar[str] = "audit-verified"
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


@dataclass(frozen=True, slots=True)
class OfflineMerged:
    """``offline-merged``: an offline store (``store``, read from ``source``) was merged into the
    record: its entries ``first`` to ``through`` (``None``: nothing new), with ``records`` and
    ``messages`` added."""

    kind: ClassVar[str] = "offline-merged"
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


#: every audit event kind and its class; appending any other kind is refused
AUDIT_EVENTS: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (
        SignedIn,
        SignInFailed,
        SignedOut,
        PasswordChanged,
        PermissionDenied,
        UserCreated,
        UserUpdated,
        RolesChanged,
        UserDisabled,
        UserEnabled,
        PasswordReset,
        TokenCreated,
        TokenRevoked,
        AuditSearched,
        AuditExported,
        AuditVerified,
        OfflineMerged,
    )
}


def markdown() -> str:
    """``docs/audit.md``: every event kind with its outcome and documentation.

    >>> "`signed-in`" in markdown()
    True
    """
    import inspect

    out = [
        "# Audit events",
        "",
        "Generated from `commsgov.accounts.events.AUDIT_EVENTS` by",
        "`python -m commsgov.accounts.docs audit`; do not edit by hand.",
        "",
        "Every entry of the audit trail records who (`actor`: a username, or `$USER` at the",
        "command line), from where (`source`: `cli`, `http` or `system`; over HTTP the client's",
        "`address` and `user_agent`), when (`at`, UTC), what (`action`: the kind below, and its",
        "`target`), the `outcome` (`ok`, `failed` or `refused`) and the kind's `details`. Entries",
        "are chained by SHA-256 like the record's ledger: `entry_hash` commits to every field and",
        "to the entry before it, so editing, deleting or reordering an entry is detected by",
        "`commsgov audit verify` (and `GET /api/v1/audit/verify`).",
        "",
        "| kind | outcome | what it records |",
        "| --- | --- | --- |",
    ]
    for kind, cls in AUDIT_EVENTS.items():
        doc = " ".join((inspect.getdoc(cls) or "").split()).replace("|", "\\|")
        out.append(f"| `{kind}` | {cls.outcome} | {doc} |")
    return "\n".join(out) + "\n"

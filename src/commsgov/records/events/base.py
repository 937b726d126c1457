"""What every event is, and the one registry of event kinds.

An event class names its ``kind`` (its name in the ledger and the audit trail), its ``chain``
and its ``target`` (what it is about: ``record:<uid>``, ``outage:<uid>``, ``user:<name>``, ...):

- ``ledger`` events change the record: they are appended to the hash-chained ledger, and the
  audit trail notes each one (who, from where, the ledger entry's position and hash);
- ``audit`` events change nothing in the record: reads of it (here, in
  :mod:`~commsgov.records.events.reads`) and the accounts' events (sign-ins, refusals, user and
  token changes, reads of the trail: :mod:`commsgov.accounts.events`). They go to the audit
  trail only.

Every class registers itself with :func:`register`, once: no kind is defined twice, and what the
ledger or the trail may hold is exactly what is registered (the ledger refuses an audit event,
the trail an unregistered kind). ``docs/records.md``, ``docs/retention.md`` and
``docs/audit.md`` document every kind; their tests iterate this registry.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol, TypeVar

__all__ = ["EVENT_KINDS", "AuditEventType", "EventType", "register", "registered"]

Chain = Literal["ledger", "audit"]


class EventType(Protocol):
    """The shape of a ledger event: its kind and chain, what it is about, its payload."""

    kind: ClassVar[str]
    chain: ClassVar[Chain]

    @property
    def record_uid(self) -> str | None:
        """The record this event is about, if one."""
        ...

    @property
    def target(self) -> str:
        """What the event is about, as the audit trail names it (``record:<uid>``, ...)."""
        ...

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the chain."""
        ...


class AuditEventType(Protocol):
    """The shape of an event of the audit trail only: its kind, what it is about, its details.

    Its outcome (``ok``, ``failed``, ``refused``) is a class attribute where the kind says it
    (a failed sign-in), else given when the event is appended (a read that failed)."""

    kind: ClassVar[str]
    chain: ClassVar[Chain]

    @property
    def target(self) -> str:
        """What the event is about (``record:<uid>``, ``user:ann``, ``audit``, ...)."""
        ...

    def details(self) -> dict[str, Any]:
        """The event's fields, stored as canonical JSON in the trail."""
        ...


#: every event kind and its class, in the order registered (docs tests iterate it)
EVENT_KINDS: dict[str, type[Any]] = {}

_E = TypeVar("_E", bound=type[Any])


def register(cls: _E) -> _E:
    """Register an event class under its ``kind`` (a class decorator).

    Its docstring must start ``Event ``<kind>``:`` (the docs read it), its ``chain`` must be
    ``ledger`` or ``audit``, and no two classes share a kind.
    """
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} has no kind")
    if getattr(cls, "chain", None) not in ("ledger", "audit"):
        raise TypeError(f"{cls.__name__}: chain must be 'ledger' or 'audit'")
    if not (cls.__doc__ or "").startswith(f"Event ``{kind}``"):
        raise TypeError(f"{cls.__name__}: the docstring must start with Event ``{kind}``")
    if kind in EVENT_KINDS and EVENT_KINDS[kind] is not cls:
        raise TypeError(f"event kind {kind!r} is registered twice")
    EVENT_KINDS[kind] = cls
    return cls


def registered(event: object, *, chain: Chain) -> None:
    """Refuse an event whose kind is not registered for its class, or that belongs to another
    chain (a bug in the caller, so a ``TypeError``)."""
    kind = getattr(event, "kind", None)
    cls = EVENT_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None or cls is not type(event):
        raise TypeError(f"unregistered event kind {kind!r} ({type(event).__name__})")
    belongs = getattr(cls, "chain", None)
    if belongs != chain:
        raise TypeError(f"event {kind!r} belongs to the {belongs}, not the {chain}")

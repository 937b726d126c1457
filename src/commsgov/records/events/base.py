"""What every event is, and the one registry of event kinds.

An event class names its ``kind`` (its name in the ledger or the audit trail) and its
``chain``: ``ledger`` events change the record and are appended to the hash-chained ledger;
``audit`` events record that someone read the record (they go to the audit trail, not the
ledger). Every class registers itself with :func:`register`; an unregistered kind, or an
audit event offered to the ledger, is refused where entries are made
(:func:`commsgov.records.ledger.make_entry`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol, TypeVar

__all__ = ["EVENT_KINDS", "EventType", "register", "registered"]

Chain = Literal["ledger", "audit"]


class EventType(Protocol):
    """The shape of every event: its kind and chain, the record it is about, its payload."""

    kind: ClassVar[str]
    chain: ClassVar[Chain]

    @property
    def record_uid(self) -> str | None:
        """The record this event is about, if one."""
        ...

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the chain."""
        ...


#: every event kind and its class, in the order registered (docs tests iterate it)
EVENT_KINDS: dict[str, type[Any]] = {}

_E = TypeVar("_E", bound=type[Any])


def register(cls: _E) -> _E:
    """Register an event class under its ``kind`` (a class decorator).

    Its docstring must start ``Event ``<kind>``:`` (the docs and the audit list read it), its
    ``chain`` must be ``ledger`` or ``audit``, and no two classes share a kind.
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

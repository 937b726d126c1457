"""Events of retention: holds placed and lifted, record classes, review decisions, disposal and
transfer certified, transfer packages built and confirmed.

Their payloads are ``{"entity": null, "uid": <record or null>, "data": {...}}``: verify checks
their hashes and links (it does not replay them into tables yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Chain, register


def _payload(uid: str | None, data: dict[str, Any]) -> dict[str, Any]:
    return {"entity": None, "uid": uid, "data": data}


@register
@dataclass(frozen=True, slots=True)
class HoldPlaced:
    """Event ``hold-placed``: a hold was placed. Its uid, name, mandate, ``scope`` (the stored
    scope: records, participants, methods, dates, outages, saved search, record classes), who
    placed it and when."""

    kind: ClassVar[str] = "hold-placed"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    name: str
    mandate: str
    scope: dict[str, Any]
    placed_by: str
    placed_at_utc: str

    @property
    def record_uid(self) -> str | None:
        """A hold may cover many records; none is singled out."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(
            None,
            {
                "uid": self.uid,
                "name": self.name,
                "mandate": self.mandate,
                "scope": self.scope,
                "placed_by": self.placed_by,
                "placed_at_utc": self.placed_at_utc,
            },
        )


@register
@dataclass(frozen=True, slots=True)
class HoldLifted:
    """Event ``hold-lifted``: hold ``uid`` (``name``) was lifted by ``lifted_by`` for ``reason``."""

    kind: ClassVar[str] = "hold-lifted"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    name: str
    lifted_by: str
    reason: str

    @property
    def record_uid(self) -> str | None:
        """A hold may cover many records; none is singled out."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(
            None,
            {
                "uid": self.uid,
                "name": self.name,
                "lifted_by": self.lifted_by,
                "reason": self.reason,
            },
        )


@register
@dataclass(frozen=True, slots=True)
class RetentionClassified:
    """Event ``retention-classified``: record ``uid`` was given ``record_class`` (its schedule
    then applies) for ``reason``."""

    kind: ClassVar[str] = "retention-classified"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    record_class: str
    reason: str

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(self.uid, {"record_class": self.record_class, "reason": self.reason})


@register
@dataclass(frozen=True, slots=True)
class ReviewDecided:
    """Event ``review-decided``: a reviewer decided on record ``uid``: the ``decision`` at
    ``stage``, the ``reason``, a new review date (``until``, UTC text) for an extension, and the
    record's resulting ``status``."""

    kind: ClassVar[str] = "review-decided"
    chain: ClassVar[Chain] = "ledger"
    uid: str
    decision: str
    stage: int
    reason: str
    until: str | None
    status: str

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(
            self.uid,
            {
                "decision": self.decision,
                "stage": self.stage,
                "reason": self.reason,
                "until": self.until,
                "status": self.status,
            },
        )


@dataclass(frozen=True, slots=True)
class _Certified:
    """What a certified disposal records: the record, its certificate's hash, its own hash."""

    uid: str
    certificate_sha256: str
    record_sha256: str

    @property
    def record_uid(self) -> str | None:
        """The record this event is about."""
        return self.uid

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(
            self.uid,
            {"certificate_sha256": self.certificate_sha256, "record_sha256": self.record_sha256},
        )


@register
@dataclass(frozen=True, slots=True)
class DestructionCertified(_Certified):
    """Event ``destruction-certified``: record ``uid`` was destroyed; the SHA-256 of its
    destruction certificate and of the record as it was."""

    kind: ClassVar[str] = "destruction-certified"
    chain: ClassVar[Chain] = "ledger"


@register
@dataclass(frozen=True, slots=True)
class TransferCertified(_Certified):
    """Event ``transfer-certified``: record ``uid`` is held by the archive now and was removed
    here; the SHA-256 of its transfer certificate and of the record as it was."""

    kind: ClassVar[str] = "transfer-certified"
    chain: ClassVar[Chain] = "ledger"


@register
@dataclass(frozen=True, slots=True)
class TransferBuilt:
    """Event ``transfer-built``: a transfer package was built: its ``consignment``, the package's
    SHA-256 and the records in it."""

    kind: ClassVar[str] = "transfer-built"
    chain: ClassVar[Chain] = "ledger"
    consignment: str
    package_sha256: str
    record_uids: tuple[str, ...]

    @property
    def record_uid(self) -> str | None:
        """A package holds many records; none is singled out."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(
            None,
            {
                "consignment": self.consignment,
                "package_sha256": self.package_sha256,
                "record_uids": list(self.record_uids),
            },
        )


@register
@dataclass(frozen=True, slots=True)
class TransferConfirmed:
    """Event ``transfer-confirmed``: the archive confirmed accession of ``consignment`` (its
    ``accession`` reference, if given)."""

    kind: ClassVar[str] = "transfer-confirmed"
    chain: ClassVar[Chain] = "ledger"
    consignment: str
    accession: str | None

    @property
    def record_uid(self) -> str | None:
        """A package holds many records; none is singled out."""
        return None

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return _payload(None, {"consignment": self.consignment, "accession": self.accession})

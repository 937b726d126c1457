"""Events of retention: holds placed and lifted, record classes, review decisions, disposal and
transfer certified, transfer packages built and confirmed.

Their payloads are ``{"entity": null, "uid": <record or null>, "data": {...}}``, ``data`` holding
every field but the record's uid: verify checks their hashes and links (it does not replay them
into tables yet).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Chain, register


@dataclass(frozen=True, slots=True)
class _RetentionEvent:
    """A retention event: its record (the ``uid`` field, when ``about_a_record``) and data."""

    chain: ClassVar[Chain] = "ledger"
    #: whether the event is about one record, named by its ``uid`` field
    about_a_record: ClassVar[bool] = False

    @property
    def record_uid(self) -> str | None:
        """The record this event is about, if one (holds and packages cover many)."""
        # the uid field is declared by each event (a hold's uid is not a record's)
        return str(getattr(self, "uid")) if self.about_a_record else None  # noqa: B009

    @property
    def target(self) -> str:
        """The record (``record:<uid>``), else the hold or the transfer the event is about."""
        if self.about_a_record:
            return f"record:{self.record_uid}"
        consignment = getattr(self, "consignment", None)
        if consignment is not None:
            return f"transfer:{consignment}"
        return f"hold:{getattr(self, 'uid')}"  # noqa: B009

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        record = self.record_uid
        data = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if not (record is not None and f.name == "uid")
        }
        return {"entity": None, "uid": record, "data": data}


@register
@dataclass(frozen=True, slots=True)
class HoldPlaced(_RetentionEvent):
    """Event ``hold-placed``: a hold was placed. Its uid, name, mandate, ``scope`` (the stored
    scope: records, participants, methods, dates, outages, saved search, record classes), who
    placed it and when."""

    kind: ClassVar[str] = "hold-placed"
    uid: str
    name: str
    mandate: str
    scope: dict[str, Any]
    placed_by: str
    placed_at_utc: str


@register
@dataclass(frozen=True, slots=True)
class HoldLifted(_RetentionEvent):
    """Event ``hold-lifted``: hold ``uid`` (``name``) was lifted by ``lifted_by`` for ``reason``."""

    kind: ClassVar[str] = "hold-lifted"
    uid: str
    name: str
    lifted_by: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class RetentionClassified(_RetentionEvent):
    """Event ``retention-classified``: record ``uid`` was given ``record_class`` (its schedule
    then applies) for ``reason``."""

    kind: ClassVar[str] = "retention-classified"
    about_a_record: ClassVar[bool] = True
    uid: str
    record_class: str
    reason: str


@register
@dataclass(frozen=True, slots=True)
class ReviewDecided(_RetentionEvent):
    """Event ``review-decided``: a reviewer decided on record ``uid``: the ``decision`` at
    ``stage``, the ``reason``, a new review date (``until``, UTC text) for an extension, and the
    record's resulting ``status``."""

    kind: ClassVar[str] = "review-decided"
    about_a_record: ClassVar[bool] = True
    uid: str
    decision: str
    stage: int
    reason: str
    until: str | None
    status: str


@register
@dataclass(frozen=True, slots=True)
class DestructionCertified(_RetentionEvent):
    """Event ``destruction-certified``: record ``uid`` was destroyed; the SHA-256 of its
    destruction certificate and of the record as it was."""

    kind: ClassVar[str] = "destruction-certified"
    about_a_record: ClassVar[bool] = True
    uid: str
    certificate_sha256: str
    record_sha256: str


@register
@dataclass(frozen=True, slots=True)
class TransferCertified(_RetentionEvent):
    """Event ``transfer-certified``: record ``uid`` is held by the archive now and was removed
    here; the SHA-256 of its transfer certificate and of the record as it was."""

    kind: ClassVar[str] = "transfer-certified"
    about_a_record: ClassVar[bool] = True
    uid: str
    certificate_sha256: str
    record_sha256: str


@register
@dataclass(frozen=True, slots=True)
class TransferBuilt(_RetentionEvent):
    """Event ``transfer-built``: a transfer package was built: its ``consignment``, the package's
    SHA-256 and the records in it."""

    kind: ClassVar[str] = "transfer-built"
    consignment: str
    package_sha256: str
    record_uids: tuple[str, ...]


@register
@dataclass(frozen=True, slots=True)
class TransferConfirmed(_RetentionEvent):
    """Event ``transfer-confirmed``: the archive confirmed accession of ``consignment`` (its
    ``accession`` reference, if given)."""

    kind: ClassVar[str] = "transfer-confirmed"
    consignment: str
    accession: str | None

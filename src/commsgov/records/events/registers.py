"""Events of the governance registers: transition exemptions (and their citations after they
ended), federated organisations and guests, personal-device groups, corporate phone requests.

Their payloads are ``{"entity": "register", "register": <name>, "uid": <entry>, "set": {...}}``
(and the ``reason`` for a change): :mod:`commsgov.records.verify` replays the ``set`` of each, and
``commsgov verify`` compares the result with the register tables (:mod:`commsgov.registers.replay`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .base import Chain, register

if TYPE_CHECKING:  # the registers' model imports the records core: no import at run time
    from commsgov.registers.model import (
        DeviceGroup,
        Exemption,
        ExemptionUse,
        FederatedOrganisation,
        PhoneRequest,
    )


class _Entered:
    """An entry added to a register: the payload sets its whole state."""

    __slots__ = ()
    chain: ClassVar[Chain] = "ledger"

    @property
    def record_uid(self) -> str | None:
        """Register entries are not records."""
        return None

    @property
    def target(self) -> str:
        """The register entry (the audit trail's target)."""
        entry: Any = getattr(self, "entry")  # noqa: B009 (declared by each event)
        return f"register:{entry.register}:{entry.uid}"

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        entry: Any = getattr(self, "entry")  # noqa: B009 (declared by each event)
        state = entry.state()
        uid = state.pop("uid")
        return {"entity": "register", "register": entry.register, "uid": uid, "set": state}


class _Changed:
    """Fields of a register entry changed: the payload sets them, with the reason."""

    __slots__ = ()
    chain: ClassVar[Chain] = "ledger"
    register: ClassVar[str] = ""

    @property
    def record_uid(self) -> str | None:
        """Register entries are not records."""
        return None

    @property
    def target(self) -> str:
        """The register entry (the audit trail's target)."""
        return f"register:{self.register}:{getattr(self, 'uid')}"  # noqa: B009

    def changes_set(self) -> dict[str, Any]:
        """The fields set, by name."""
        return dict(getattr(self, "changes"))  # noqa: B009

    def payload(self) -> dict[str, Any]:
        """The canonical payload hashed into the ledger."""
        return {
            "entity": "register",
            "register": self.register,
            "uid": getattr(self, "uid"),  # noqa: B009
            "set": self.changes_set(),
            "reason": getattr(self, "reason"),  # noqa: B009
        }


@register
@dataclass(frozen=True, slots=True)
class ExemptionGranted(_Entered):
    """Event ``exemption-granted``: a transition period was recorded for an agency or team.
    ``entry``: its team, members, scope, scenarios, first and last day, approver and mandate."""

    kind: ClassVar[str] = "exemption-granted"
    entry: Exemption


@register
@dataclass(frozen=True, slots=True)
class ExemptionChanged(_Changed):
    """Event ``exemption-changed``: fields of transition period ``uid`` were changed (``changes``,
    e.g. a new last day, or ended early) for ``reason``."""

    kind: ClassVar[str] = "exemption-changed"
    register: ClassVar[str] = "transition-exemptions"
    uid: str
    changes: dict[str, Any]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class ExemptionCited(_Entered):
    """Event ``exemption-cited``: an ended transition period was cited: ``entry`` says who asked
    the advisor under it, on which day, about which channel in which scenario."""

    kind: ClassVar[str] = "exemption-cited"
    entry: ExemptionUse


@register
@dataclass(frozen=True, slots=True)
class OrganisationRegistered(_Entered):
    """Event ``organisation-registered``: an external organisation was recorded as federated or
    with guest access. ``entry``: its name, domains, dates and iFix reference."""

    kind: ClassVar[str] = "organisation-registered"
    entry: FederatedOrganisation


@register
@dataclass(frozen=True, slots=True)
class OrganisationChanged(_Changed):
    """Event ``organisation-changed``: fields of organisation ``uid`` were changed (``changes``:
    domains, dates, its end) for ``reason``."""

    kind: ClassVar[str] = "organisation-changed"
    register: ClassVar[str] = "federated-organisations"
    uid: str
    changes: dict[str, Any]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class DeviceGroupRegistered(_Entered):
    """Event ``device-group-registered``: a group on personal devices was recorded. ``entry``:
    its name, purpose, members, owner, the day it was made and the day to disband it by."""

    kind: ClassVar[str] = "device-group-registered"
    entry: DeviceGroup


@register
@dataclass(frozen=True, slots=True)
class DeviceGroupChanged(_Changed):
    """Event ``device-group-changed``: fields of group ``uid`` were changed (``changes``: members,
    purpose, disband-by day) for ``reason``."""

    kind: ClassVar[str] = "device-group-changed"
    register: ClassVar[str] = "personal-device-groups"
    uid: str
    changes: dict[str, Any]
    reason: str


@register
@dataclass(frozen=True, slots=True)
class DeviceGroupDisbanded(_Changed):
    """Event ``device-group-disbanded``: group ``uid`` was disbanded on ``disbanded_on``
    (``reason``: how, e.g. "deleted by the owner")."""

    kind: ClassVar[str] = "device-group-disbanded"
    register: ClassVar[str] = "personal-device-groups"
    uid: str
    disbanded_on: str
    reason: str

    @property
    def target(self) -> str:
        """The register entry (the audit trail's target)."""
        return f"register:{self.register}:{getattr(self, 'uid')}"  # noqa: B009

    def changes_set(self) -> dict[str, Any]:
        """The field set: the day it was disbanded."""
        return {"disbanded_on": self.disbanded_on}


@register
@dataclass(frozen=True, slots=True)
class PhoneRequested(_Entered):
    """Event ``phone-requested``: a request for a corporate phone was recorded. ``entry``: the
    requester, their role, the reason and the day, pending the budget centre liaison officer."""

    kind: ClassVar[str] = "phone-requested"
    entry: PhoneRequest


@register
@dataclass(frozen=True, slots=True)
class PhoneRequestDecided(_Changed):
    """Event ``phone-request-decided``: the budget centre liaison officer ``decided_by`` decided
    request ``uid`` (``status``: ``approved`` or ``refused``) on ``decided_on``, with
    ``decision_note``."""

    kind: ClassVar[str] = "phone-request-decided"
    register: ClassVar[str] = "corporate-phone-requests"
    uid: str
    status: str
    decided_by: str
    decided_on: str
    decision_note: str | None

    @property
    def reason(self) -> str:
        """Why: the decision's note."""
        return self.decision_note or ""

    @property
    def target(self) -> str:
        """The register entry (the audit trail's target)."""
        return f"register:{self.register}:{getattr(self, 'uid')}"  # noqa: B009

    def changes_set(self) -> dict[str, Any]:
        """The fields set: the decision, by whom, when, and its note."""
        return {
            "status": self.status,
            "decided_by": self.decided_by,
            "decided_on": self.decided_on,
            "decision_note": self.decision_note,
        }

"""The governance registers, pure: transition exemptions, federated organisations and guests,
personal-device groups and corporate phone requests as plain data (:mod:`.model`), the
judgements made over them on a given day (:mod:`.judge`: the advisor's context, overdue groups,
ended exemptions still in use, reminders) and their verification against the ledger
(:mod:`.replay`). No I/O: the services read and write the store (``commsgov.services.registers*``).
"""

from __future__ import annotations

from .errors import RegisterConflict, RegisterError
from .judge import (
    CaptureAfter,
    InUse,
    Purpose,
    Reminder,
    context,
    group_state,
    in_use,
    permitted_purposes,
    purpose_of,
    reminders,
)
from .model import (
    DECISIONS,
    DeviceGroup,
    Exemption,
    ExemptionUse,
    FederatedOrganisation,
    PhoneRequest,
    changed,
    domain_of,
)

#: every register and its entry type, by the register's name
REGISTERS = {
    cls.register: cls
    for cls in (Exemption, FederatedOrganisation, DeviceGroup, PhoneRequest, ExemptionUse)
}

__all__ = [
    "DECISIONS",
    "REGISTERS",
    "CaptureAfter",
    "DeviceGroup",
    "Exemption",
    "ExemptionUse",
    "FederatedOrganisation",
    "InUse",
    "PhoneRequest",
    "Purpose",
    "RegisterConflict",
    "RegisterError",
    "Reminder",
    "changed",
    "context",
    "domain_of",
    "group_state",
    "in_use",
    "permitted_purposes",
    "purpose_of",
    "reminders",
]

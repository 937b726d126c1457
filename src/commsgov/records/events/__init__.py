"""Events: every change to the record is one of these, appended to the hash-chained ledger, and
every read of it is one too, for the audit trail. Each is a frozen dataclass registered under
its ``kind`` in :data:`EVENT_KINDS`, the one registry (docs tests iterate it).

- :mod:`~commsgov.records.events.record`: the record itself (captures, corrections, messages,
  disposals, outages, source files, exports);
- :mod:`~commsgov.records.events.retention`: holds, record classes, reviews, certificates,
  transfers;
- :mod:`~commsgov.records.events.registers`: the governance registers (exemptions, federated
  organisations, personal-device groups, corporate phone requests);
- :mod:`~commsgov.records.events.merge`: offline stores registered and merged (issue 17);
- :mod:`~commsgov.records.events.reads`: reads of the record (audit trail, not ledger).
"""

from __future__ import annotations

from .base import EVENT_KINDS, EventType, register, registered
from .merge import OfflineEntryMerged, OfflineStoreMerged, OfflineStoreRegistered
from .reads import FileRead, RecordRead, RecordsListed, RecordsSearched
from .record import (
    FilesLinked,
    MessagesAdded,
    OutageEnded,
    OutageStarted,
    RecordCaptured,
    RecordCorrected,
    RecordDisposed,
    RecordsExported,
    SourceAdded,
)
from .registers import (
    DeviceGroupChanged,
    DeviceGroupDisbanded,
    DeviceGroupRegistered,
    ExemptionChanged,
    ExemptionCited,
    ExemptionGranted,
    OrganisationChanged,
    OrganisationRegistered,
    PhoneRequestDecided,
    PhoneRequested,
)
from .retention import (
    DestructionCertified,
    HoldLifted,
    HoldPlaced,
    RetentionClassified,
    ReviewDecided,
    TransferBuilt,
    TransferCertified,
    TransferConfirmed,
)

#: any event of the ledger
Event = (
    RecordCaptured
    | RecordCorrected
    | MessagesAdded
    | RecordDisposed
    | OutageStarted
    | OutageEnded
    | RecordsExported
    | SourceAdded
    | FilesLinked
    | HoldPlaced
    | HoldLifted
    | RetentionClassified
    | ReviewDecided
    | DestructionCertified
    | TransferCertified
    | TransferBuilt
    | TransferConfirmed
    | ExemptionGranted
    | ExemptionChanged
    | ExemptionCited
    | OrganisationRegistered
    | OrganisationChanged
    | DeviceGroupRegistered
    | DeviceGroupChanged
    | DeviceGroupDisbanded
    | PhoneRequested
    | PhoneRequestDecided
    | OfflineStoreRegistered
    | OfflineEntryMerged
    | OfflineStoreMerged
)
#: any event of the audit trail
ReadEvent = RecordRead | RecordsListed | RecordsSearched | FileRead

__all__ = [
    "EVENT_KINDS",
    "DestructionCertified",
    "DeviceGroupChanged",
    "DeviceGroupDisbanded",
    "DeviceGroupRegistered",
    "Event",
    "EventType",
    "ExemptionChanged",
    "ExemptionCited",
    "ExemptionGranted",
    "FileRead",
    "FilesLinked",
    "HoldLifted",
    "HoldPlaced",
    "MessagesAdded",
    "OfflineEntryMerged",
    "OfflineStoreMerged",
    "OfflineStoreRegistered",
    "OrganisationChanged",
    "OrganisationRegistered",
    "OutageEnded",
    "OutageStarted",
    "PhoneRequestDecided",
    "PhoneRequested",
    "ReadEvent",
    "RecordCaptured",
    "RecordCorrected",
    "RecordDisposed",
    "RecordRead",
    "RecordsExported",
    "RecordsListed",
    "RecordsSearched",
    "RetentionClassified",
    "ReviewDecided",
    "SourceAdded",
    "TransferBuilt",
    "TransferCertified",
    "TransferConfirmed",
    "register",
    "registered",
]

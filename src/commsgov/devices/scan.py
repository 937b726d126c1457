"""Scanning inventories against the catalogue: which device carries which banned app, and what
an inventory cannot prove.

Rows stream through :class:`Scanner`; it keeps one small record per device (not per row), and
matches each distinct (identifiers, name) once, so a million-row export with a few thousand
distinct apps costs a few thousand matches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalogue import Catalogue, Match, Rule
from .inventory import Inventory, InventoryRow, Ownership

Status = Literal["non-compliant", "review", "personal", "not-known", "compliant"]
#: statuses in the order reports list them
STATUSES: tuple[Status, ...] = ("non-compliant", "review", "personal", "not-known", "compliant")

#: what a scan can never prove, said with every report
SNAPSHOT = (
    "An inventory is a snapshot taken when it was exported: an app installed since is not in it."
)
BYOD = (
    "MDM exports of personally owned (BYOD) devices list only the apps the MDM manages, so "
    "'no banned app found' on such a device is not known, not compliant."
)
UNKNOWN_OWNERSHIP = (
    "{n} device(s) have no ownership in the inventory (no column such as Ownership or "
    "ManagedDeviceOwnerType, and no --ownership): a banned app on them is flagged for review, "
    "and a clean list proves nothing."
)
AGGREGATE = (
    "The aggregate export counts devices per app and names none: it shows that a banned app is "
    "somewhere in the fleet, not on which devices (scan the raw export for that)."
)
NAME_MATCH = "A name match compares display names, not identifiers: check it before acting on it."


@dataclass(frozen=True, slots=True)
class AppFound:
    """A banned app found on a device: which, how it was matched, and where in the inventory."""

    app: str
    name: str
    channel: str
    matched_by: Literal["identifier", "name"]
    #: the identifier or display name as the inventory shows it
    seen: str
    score: float
    #: whether the matched identifier is confirmed (``None`` for a name match)
    confirmed: bool | None
    file: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "app": self.app,
            "name": self.name,
            "channel": self.channel,
            "matched_by": self.matched_by,
            "seen": self.seen,
            "score": self.score,
            "identifier_confirmed": self.confirmed,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class DeviceResult:
    """One device: who uses it, its ownership, its status, the banned apps and what to do."""

    device_id: str
    device_name: str
    user: str
    platform: str
    #: ``corporate``, ``personal`` or ``unknown``
    ownership: str
    status: Status
    apps: tuple[AppFound, ...]
    action: str
    file: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "device_id": self.device_id,
            "device_name": self.device_name,
            "user": self.user,
            "platform": self.platform,
            "ownership": self.ownership,
            "status": self.status,
            "apps": [a.to_dict() for a in self.apps],
            "action": self.action,
            "file": self.file,
        }


@dataclass(frozen=True, slots=True)
class FleetResult:
    """A banned app in an aggregate export: on how many devices, which it does not name."""

    app: AppFound
    platform: str
    device_count: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {**self.app.to_dict(), "platform": self.platform, "device_count": self.device_count}


@dataclass(frozen=True, slots=True)
class FileSummary:
    """One inventory read: its format and how many rows it had."""

    file: str
    format: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"file": self.file, "format": self.format, "rows": self.rows}


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The outcome of scanning inventories: every device that is not shown compliant, the
    counts of every status, aggregate findings, the rule applied and what cannot be proved."""

    files: tuple[FileSummary, ...]
    devices: tuple[DeviceResult, ...]
    counts: dict[str, int] = field(hash=False)
    fleet: tuple[FleetResult, ...]
    rule: Rule | None
    cannot_prove: tuple[str, ...]

    @property
    def needs_action(self) -> bool:
        """Whether any device is non-compliant or to review, or an aggregate export shows a
        banned app: a scheduled job should fail."""
        return bool(self.counts["non-compliant"] or self.counts["review"] or self.fleet)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``commsgov devices scan --json``)."""
        return {
            "files": [f.to_dict() for f in self.files],
            "counts": dict(self.counts),
            "needs_action": self.needs_action,
            "devices": [d.to_dict() for d in self.devices],
            "fleet": [f.to_dict() for f in self.fleet],
            "rule": self.rule.to_dict() if self.rule else None,
            "cannot_prove": list(self.cannot_prove),
        }


class Scanner:
    """Scan inventories one after another; :meth:`result` reports every device seen.

    ``ownership`` applies to devices whose inventory does not say (``None``: unknown).

    >>> import io
    >>> from commsgov.policy.loader import load_pack
    >>> from commsgov.devices.inventory import read_inventory
    >>> scanner = Scanner(Catalogue.from_pack(load_pack()), ownership="corporate")
    >>> scanner.add(read_inventory(io.BytesIO(b"package:org.thoughtcrime.securesms\\n"),
    ...                            name="phone-17.txt"))
    >>> device = scanner.result().devices[0]
    >>> device.device_id, device.status, device.apps[0].app
    ('phone-17', 'non-compliant', 'signal')
    """

    def __init__(self, catalogue: Catalogue, *, ownership: Ownership | None = None) -> None:
        self.catalogue = catalogue
        self.ownership = ownership or ""
        #: device id -> [name, user, platform, ownership, complete, found apps, file]
        self._devices: dict[str, list[Any]] = {}
        self._memo: dict[tuple[tuple[str, ...], str], Match | None] = {}
        self._files: list[FileSummary] = []
        self._fleet: list[FleetResult] = []

    def add(self, inventory: Inventory) -> None:
        """Consume an inventory's rows (raising its :class:`InventoryError` when one is bad)."""
        devices, memo, match = self._devices, self._memo, self.catalogue.match
        file, complete, count = inventory.file, inventory.complete, 0
        aggregate = inventory.format == "intune-aggregate"
        for row in inventory.rows:
            count += 1
            key = (row.app_ids, row.app_name)
            try:
                found = memo[key]
            except KeyError:
                found = memo[key] = match(identifiers=row.app_ids, name=row.app_name)
            if aggregate:
                if found is not None and row.device_count > 0:
                    self._fleet.append(
                        FleetResult(_found(found, file, row), row.platform, row.device_count)
                    )
                continue
            state = devices.get(row.device_id)
            if state is None:
                state = devices[row.device_id] = [
                    row.device_name, row.user, row.platform, row.ownership, complete, None, file,
                ]  # fmt: skip
            elif row.ownership and not state[3]:
                state[3] = row.ownership
            if found is not None:
                if state[5] is None:
                    state[5] = {}
                state[5].setdefault(found.app.id, _found(found, file, row))
        self._files.append(FileSummary(file, inventory.format, count))

    def result(self) -> ScanResult:
        """Every device's status; devices shown compliant are counted, not listed."""
        counts: Counter[str] = Counter({s: 0 for s in STATUSES})
        listed: list[DeviceResult] = []
        unknown = name_matches = 0
        for device_id, (name, user, platform, owner, complete, apps, file) in self._devices.items():
            ownership = owner or self.ownership or "unknown"
            unknown += ownership == "unknown"
            status = _status(ownership, complete, bool(apps))
            counts[status] += 1
            if status == "compliant":
                continue
            found = tuple(apps.values()) if apps else ()
            name_matches += any(a.matched_by == "name" for a in found)
            listed.append(
                DeviceResult(
                    device_id,
                    name,
                    user,
                    platform,
                    ownership,
                    status,
                    found,
                    _action(status, found),
                    file,
                )
            )
        listed.sort(key=lambda d: (STATUSES.index(d.status), d.device_name, d.device_id))
        notes = [SNAPSHOT]
        if counts["personal"] or counts["not-known"]:
            notes.append(BYOD)
        if unknown:
            notes.append(UNKNOWN_OWNERSHIP.format(n=unknown))
        if any(f.format == "intune-aggregate" for f in self._files):
            notes.append(AGGREGATE)
        if name_matches or any(f.app.matched_by == "name" for f in self._fleet):
            notes.append(NAME_MATCH)
        return ScanResult(
            files=tuple(self._files),
            devices=tuple(listed),
            counts=dict(counts),
            fleet=tuple(self._fleet),
            rule=self.catalogue.rule,
            cannot_prove=tuple(notes),
        )


def _found(match: Match, file: str, row: InventoryRow) -> AppFound:
    confirmed = match.identifier.confirmed if match.identifier is not None else None
    return AppFound(match.app.id, match.app.name, match.app.channel, match.matched_by,
                    match.seen, match.score, confirmed, file, row.line)  # fmt: skip


def _status(ownership: str, complete: bool | None, found: bool) -> Status:
    """The device rule ("no MMAs on corporate devices") applied to what the inventory shows.

    >>> _status("corporate", None, True), _status("personal", None, False)
    ('non-compliant', 'not-known')
    """
    if found:
        return {"corporate": "non-compliant", "personal": "personal"}.get(ownership, "review")  # type: ignore[return-value]
    if complete or (complete is None and ownership == "corporate"):
        return "compliant"
    return "not-known"


def _action(status: Status, apps: tuple[AppFound, ...]) -> str:
    names = ", ".join(a.name for a in apps)
    if status == "non-compliant":
        return f"Remove {names} from this corporate device."
    if status == "review":
        return f"Find out whether this device is corporate; if it is, remove {names}."
    if status == "personal":
        return (
            f"None on the device (personally owned); {names} may not be used for government work."
        )
    return "Cannot tell: the inventory does not list every app on this device."

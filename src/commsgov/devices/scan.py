"""Scanning inventories against the catalogue: which device carries which banned app, and what
an inventory cannot prove.

Rows stream through :class:`Scanner`; it keeps one small record per device (not per row), and
matches each distinct (identifiers, name) once, so a million-row export with a few thousand
distinct apps costs a few thousand matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalogue import Catalogue, Match, Rule
from .errors import InventoryError
from .inventory import Inventory, InventoryRow, Ownership, RowBlock, read_inventory

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
#: distinct apps (and identifier or name cells) remembered as matched or not, at most
_MEMO = 100_000

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

    Memory is kept per device, not per row. Where a device with no banned app is compliant (an
    MDM export scanned with ``ownership="corporate"``), such a device first seen in a block of
    rows is just an id in a set; should a later row give it a banned app or an ownership, its
    first row (name, user, platform) is taken from the block before, or else looked up by
    reading its inventory again (so a device whose rows are together is never looked up). An
    inventory that cannot be read again (no ``reopen``) keeps every device's first row instead.

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
        #: device id -> [name, user, platform, ownership, complete, found apps, file] for every
        #: device not in a plain set; name, user and platform are None until its first row is
        #: looked up again
        self._devices: dict[str, list[Any]] = {}
        #: per inventory added: the devices first seen there with nothing to report (UTF-8 ids)
        self._plain: list[set[bytes]] = []
        #: per inventory added: devices first seen there whose first row must be looked up
        self._orphans: list[set[str]] = []
        self._inventories: list[Inventory] = []
        #: the last block read (of the inventory being added) and the devices first seen there
        self._recent: tuple[RowBlock, set[bytes]] | None = None
        self._memo: dict[tuple[tuple[str, ...], str], Match | None] = {}
        #: the app cells of rows read in blocks (identifiers and name, as bytes), and those of a
        #: banned app
        self._seen: set[Any] = set()
        self._banned: set[Any] = set()
        self._files: list[FileSummary] = []
        self._fleet: list[FleetResult] = []

    def add(self, inventory: Inventory) -> None:
        """Consume an inventory's rows (raising its :class:`InventoryError` when one is bad)."""
        index = len(self._inventories)
        self._inventories.append(inventory)
        self._plain.append(set())
        self._orphans.append(set())
        self._recent = None
        aggregate = inventory.format == "intune-aggregate"
        # devices can stay plain only where a device without a banned app is compliant, and
        # where a first row can be read again should it be needed
        lazy = (
            inventory.reopen is not None
            and not aggregate
            and _status(self.ownership or "unknown", inventory.complete, False) == "compliant"
        )
        count = 0
        if inventory.batches is None:
            count = self._add_rows(inventory.rows, index, aggregate)
        else:
            for batch in inventory.batches:
                if isinstance(batch, RowBlock):
                    count += batch.count
                    self._add_block(batch, index, lazy)
                else:
                    count += self._add_rows(batch, index, aggregate)
        self._recent = None
        self._files.append(FileSummary(inventory.file, inventory.format, count))

    def _match(self, row: InventoryRow) -> Match | None:
        key = (row.app_ids, row.app_name)
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) >= _MEMO:
                self._memo.clear()  # an export of unique keys must not grow it without bound
            found = self._memo[key] = self.catalogue.match(identifiers=key[0], name=key[1])
            return found

    def _add_rows(self, rows: Iterable[InventoryRow], index: int, aggregate: bool) -> int:
        """Rows read one by one: every device first seen here keeps its first row."""
        devices, plain = self._devices, any(self._plain)
        file, complete = self._inventories[index].file, self._inventories[index].complete
        count = 0
        for row in rows:
            count += 1
            found = self._match(row)
            if aggregate:
                if found is not None and row.device_count > 0:
                    self._fleet.append(
                        FleetResult(_found(found, file, row), row.platform, row.device_count)
                    )
                continue
            state = devices.get(row.device_id)
            if state is None:
                where = self._where(row.device_id.encode()) if plain else -1
                if where >= 0:
                    if found is None and not row.ownership:
                        continue  # still nothing to report
                    state = self._unplain(row.device_id.encode(), where)
                else:
                    state = self._new(row, complete, file)
            if row.ownership and not state[3]:
                state[3] = row.ownership
            if found is not None:
                if state[5] is None:
                    state[5] = {}
                state[5].setdefault(found.app.id, _found(found, file, row))
        return count

    def _add_block(self, block: RowBlock, index: int, lazy: bool) -> None:
        """A block read at once: only rows with a banned app or an ownership are looked at one
        by one; every other row only adds its device to a set (in a few C calls)."""
        devices = self._devices
        file, complete = self._inventories[index].file, self._inventories[index].complete
        hits = self._hits(block)
        owned = block.owned()
        present = set(block.devices)
        known: dict[bytes, list[Any]] = {}
        if devices:
            for device_id in devices.keys() & map(bytes.decode, present):
                known[device_id.encode()] = devices[device_id]
        fresh = present.difference(known)
        for plain in self._plain:
            if plain:
                fresh = fresh.difference(plain)
        movers = {block.devices[i] for i in hits}.union(owned).difference(known)
        # eager: each device's first row in the block (built backwards, so the first wins)
        rows = range(block.count - 1, -1, -1)
        first = None if lazy else dict(zip(reversed(block.devices), rows, strict=True))
        for raw in movers:
            if raw in fresh:
                at = block.devices.index(raw) if first is None else first[raw]
                known[raw] = self._new(block.row(at), complete, file)
            else:
                known[raw] = self._unplain(raw, self._where(raw))
        if lazy:
            self._plain[index].update(fresh.difference(movers))
            self._recent = (block, fresh)
        else:
            assert first is not None
            for raw in fresh.difference(movers):
                self._new(block.row(first[raw]), complete, file)
        for raw, at in owned.items():
            state = known[raw]
            if not state[3]:
                state[3] = block.row(at).ownership
        for at in hits:
            row = block.row(at)
            found = self._match(row)
            assert found is not None  # a row with a banned app's identifier or name
            state = known[block.devices[at]]
            if state[5] is None:
                state[5] = {}
            state[5].setdefault(found.app.id, _found(found, file, row))

    def _new(self, row: InventoryRow, complete: bool | None, file: str) -> list[Any]:
        """A record for a device first seen in ``row`` (its name, user and platform)."""
        state = self._devices[row.device_id] = [
            row.device_name, row.user, row.platform, "", complete, None, file,
        ]  # fmt: skip
        return state

    def _hits(self, block: RowBlock) -> list[int]:
        """The rows of a block that show a banned app: each distinct combination of a row's
        identifier and name cells is matched once (as the careful path would match it), and
        the rows holding a banned one are found by C scans of a column."""
        columns = [*block.ids, *([block.names] if block.names is not None else [])]
        if not columns:
            return []
        # one set insert per row, whatever the number of app columns
        single = len(columns) == 1
        cells: set[Any] = set(columns[0]) if single else set(zip(*columns, strict=True))
        seen, banned = self._seen, self._banned
        if not seen.issuperset(cells):
            new = cells.difference(seen)
            if len(seen) + len(new) > _MEMO:
                seen.clear()  # unique keys on every row must not grow it without bound
                banned.clear()
                new = cells
            ids = len(block.ids)
            for key in new:
                texts = [cell.decode("utf-8") for cell in ((key,) if single else key)]
                found = self.catalogue.match(
                    identifiers=tuple(v for v in texts[:ids] if v),
                    name=texts[ids] if block.names is not None else "",
                )
                if found is not None:
                    banned.add(key)
            seen.update(new)
        rows: set[int] = set()
        for key in cells.intersection(banned):
            # scan the first column for its cell, and check the others where it is found
            parts = (key,) if single else key
            rows.update(
                at
                for at in _positions(columns[0], parts[0])
                if all(column[at] == part for column, part in zip(columns, parts, strict=True))
            )
        return sorted(rows)

    def _where(self, raw: bytes) -> int:
        """The inventory whose plain set holds a device (``-1``: none)."""
        return next((i for i, plain in enumerate(self._plain) if raw in plain), -1)

    def _unplain(self, raw: bytes, where: int) -> list[Any]:
        """A plain device now has something to report: give it a record, with its first row
        from the block before if it was first seen there, else to be looked up again."""
        self._plain[where].discard(raw)
        inventory = self._inventories[where]
        device_id = raw.decode("utf-8")
        state = self._devices[device_id] = [
            None, None, None, "", inventory.complete, None, inventory.file,
        ]  # fmt: skip
        recent = self._recent
        if where == len(self._inventories) - 1 and recent is not None and raw in recent[1]:
            first = recent[0].row(recent[0].devices.index(raw))
            state[0:3] = first.device_name, first.user, first.platform
        else:
            self._orphans[where].add(device_id)
        return state

    def _look_up_first_rows(self) -> None:
        """Read inventories again for the first rows of devices that were plain until a later
        row gave them something to report."""
        for index, wanted in enumerate(self._orphans):
            if not wanted:
                continue
            inventory = self._inventories[index]
            assert inventory.reopen is not None  # devices are plain only where it is given
            left = {d.encode("utf-8"): d for d in wanted}
            try:
                with inventory.reopen() as stream:
                    again = read_inventory(
                        stream, name=inventory.file, format=inventory.format,
                        columns=inventory.columns,
                    )  # fmt: skip
                    for batch in again.batches or ():
                        if isinstance(batch, RowBlock):
                            firsts = [
                                batch.row(batch.devices.index(raw))
                                for raw in left.keys() & batch.devices
                            ]
                        else:
                            firsts = [r for r in batch if r.device_id.encode("utf-8") in left]
                        for row in firsts:
                            if left.pop(row.device_id.encode("utf-8"), None) is not None:
                                state = self._devices[row.device_id]
                                state[0:3] = row.device_name, row.user, row.platform
                        if not left:
                            break
            except OSError as exc:
                raise InventoryError(
                    f"cannot read it again: {exc.strerror or exc}", file=inventory.file
                ) from None
            if left:
                raise InventoryError(
                    f"changed while it was scanned (device {next(iter(left.values()))!r} is no "
                    "longer in it): scan it again",
                    file=inventory.file,
                )
            wanted.clear()

    def result(self) -> ScanResult:
        """Every device's status; devices shown compliant are counted, not listed."""
        self._look_up_first_rows()
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
        for inventory, plain in zip(self._inventories, self._plain, strict=True):
            ownership = self.ownership or "unknown"
            status = _status(ownership, inventory.complete, False)
            assert status == "compliant" or not plain  # devices are plain only where it is so
            counts[status] += len(plain)
            unknown += len(plain) if ownership == "unknown" else 0
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


def _positions(column: list[bytes], cell: bytes) -> Iterator[int]:
    """Where ``cell`` is in ``column``: a banned cell is rare, and list.index compares in C.

    >>> list(_positions([b"a", b"b", b"a"], b"a"))
    [0, 2]
    """
    at = -1
    try:
        while True:
            at = column.index(cell, at + 1)
            yield at
    except ValueError:
        return


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

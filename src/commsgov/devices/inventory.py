"""Device inventories as rows: Intune discovered-apps exports, ``pm list packages`` output and
generic CSV reports with a column mapping. Streams are handed in; nothing here opens a file.

Each parser is a generator: a million-row export is read one row at a time, and an error names
the file and line where it stopped.

>>> import io
>>> inv = read_inventory(io.BytesIO(b"package:com.whatsapp\\npackage:android\\n"),
...                      name="phone-17.txt")
>>> inv.format, [(r.device_id, r.app_ids) for r in inv.rows]
('pm-list', [('phone-17', ('com.whatsapp',)), ('phone-17', ('android',))])
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Literal, NamedTuple

from .errors import ColumnMapError, InventoryError

if TYPE_CHECKING:
    from _csv import Reader as _reader

Format = Literal["intune", "intune-aggregate", "pm-list", "csv"]
FORMATS: tuple[Format, ...] = ("intune", "intune-aggregate", "pm-list", "csv")
Ownership = Literal["corporate", "personal"]

#: the fields a generic CSV maps to its columns (``--columns field=Header,...``)
#: bytes decoded at a time (a block ends at a line break)
_BLOCK = 1 << 20

CSV_FIELDS = ("device", "device-name", "user", "platform", "ownership", "app-id", "app-name")


class InventoryRow(NamedTuple):
    """One app on one device (or, in an aggregate export, on ``device_count`` devices)."""

    line: int
    device_id: str
    device_name: str
    user: str
    platform: str
    #: ``corporate``, ``personal`` or ``""`` when the row does not say
    ownership: str
    #: identifiers the row gives (bundle id, package name, Intune's key), first the likeliest
    app_ids: tuple[str, ...]
    app_name: str
    #: devices an aggregate row counts (``0`` in per-device rows)
    device_count: int = 0


@dataclass(frozen=True)
class Inventory:
    """A parsed inventory: its format, whether it lists every app, and its rows (a generator)."""

    file: str
    format: Format
    #: ``True``: the source lists every installed app (``pm list packages``); ``None``: it
    #: depends on the device (an MDM lists every app of a corporate device, only managed apps
    #: of a personal one)
    complete: bool | None
    rows: Iterator[InventoryRow]


def header_key(text: str) -> str:
    """Fold a column header so that case, spaces and punctuation do not matter.

    >>> header_key(" Application Name"), header_key("ManagedDeviceOwnerType")
    ('applicationname', 'manageddeviceownertype')
    """
    return re.sub(r"[^0-9a-z]", "", text.casefold())


_CORPORATE = (
    "corporate",
    "company",
    "corporateowned",
    "companyowned",
    "cope",
    "cobo",
    "organization",
)
_PERSONAL = ("personal", "personallyowned", "byod", "employee", "private", "user")
_OWNERSHIP = {
    **dict.fromkeys(_CORPORATE, "corporate"),
    **dict.fromkeys(_PERSONAL, "personal"),
    **dict.fromkeys(("", "unknown", "none"), ""),
}


def ownership_of(value: str, *, file: str, line: int) -> str:
    """Normalise an ownership cell (``Corporate``, ``Personal``, ``BYOD``, ...); ``""`` = unknown.

    >>> ownership_of("Company", file="x.csv", line=2), ownership_of("BYOD", file="x.csv", line=2)
    ('corporate', 'personal')
    """
    found = _OWNERSHIP.get(header_key(value))
    if found is None:
        raise InventoryError(
            f"ownership {value!r} is neither corporate nor personal", file=file, line=line
        )
    return found


#: Intune column (folded) for each field, in order of preference
_INTUNE = {
    "device_id": ("deviceid", "intunedeviceid", "manageddeviceid"),
    "device_name": ("devicename",),
    "user": ("userprincipalname", "upn", "emailaddress", "useremail", "username", "userid"),
    "platform": ("platform", "os", "operatingsystem"),
    "ownership": ("ownership", "manageddeviceownertype", "ownertype", "deviceownership"),
    "app_id": ("applicationid", "bundleid", "packagename"),
    "app_key": ("applicationkey",),
    "app_name": ("applicationname",),
    "device_count": ("devicecount",),
}


def parse_columns(spec: str) -> dict[str, str]:
    """Parse a column mapping ``field=Header,...`` for a generic CSV inventory.

    >>> parse_columns("device=Serial Number, app-id=Bundle ID,app-name=App Name")
    {'device': 'Serial Number', 'app-id': 'Bundle ID', 'app-name': 'App Name'}
    """
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        field, sep, header = part.partition("=")
        field, header = field.strip(), header.strip()
        if not sep or not header:
            raise ColumnMapError(
                f"{part.strip()!r}: write field=Header (fields: {', '.join(CSV_FIELDS)})"
            )
        if field not in CSV_FIELDS:
            raise ColumnMapError(f"unknown field {field!r} (fields: {', '.join(CSV_FIELDS)})")
        mapping[field] = header
    if "device" not in mapping:
        raise ColumnMapError("the mapping needs device=<column naming the device>")
    if "app-id" not in mapping and "app-name" not in mapping:
        raise ColumnMapError("the mapping needs app-id=<column> or app-name=<column>")
    return mapping


def read_inventory(
    stream: IO[bytes],
    *,
    name: str,
    format: Format | None = None,
    columns: Mapping[str, str] | None = None,
) -> Inventory:
    """Recognise an inventory's format from its first line and return its rows as a generator.

    ``columns`` (see :func:`parse_columns`) reads a generic CSV; otherwise the format is
    detected: ``pm list packages`` output, or an Intune discovered-apps export (raw, per-device
    or aggregate). Raises :class:`InventoryError` naming the file and line.
    """
    first = stream.readline()
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InventoryError(
            "UTF-16 text: export or save the inventory as UTF-8", file=name, line=1
        )
    first = first.removeprefix(b"\xef\xbb\xbf")
    lines = _decoded(stream, first, name)
    if columns is not None or format == "csv":
        if not columns:
            raise InventoryError("a generic CSV needs a column mapping (--columns)", file=name)
        return Inventory(name, "csv", None, _generic_rows(lines, name, columns))
    if format == "pm-list" or (format is None and first.lstrip().startswith(b"package:")):
        return Inventory(name, "pm-list", True, _pm_rows(lines, name))
    if not first.strip():
        raise InventoryError("empty inventory (or a blank first line)", file=name, line=1)
    rows, found = _intune_rows(lines, name)
    if format is not None and format != found:
        raise InventoryError(f"not an {format} export (its header is {found}'s)", file=name, line=1)
    return Inventory(name, found, None, rows)


def _decoded(raw: IO[bytes], first: bytes, name: str) -> Iterator[str]:
    """Decode a block at a time (fast), yet report a byte that is not UTF-8 with its line:
    blocks end at a line break, so the line is the breaks before the bad byte, plus one."""
    line = 1
    pending = first
    while True:
        block = raw.read(_BLOCK)
        data = pending + block
        if block:
            cut = data.rfind(b"\n") + 1
            data, pending = (data[:cut], data[cut:]) if cut else (b"", data)
            if not data:
                continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line + data.count(b"\n", 0, exc.start)
            start = data.rfind(b"\n", 0, exc.start) + 1
            raise InventoryError(
                f"not UTF-8 text ({exc.reason} at byte {exc.start - start + 1} of the line)",
                file=name,
                line=bad,
            ) from None
        line += data.count(b"\n")
        yield from io.StringIO(text, newline="")
        if not block:
            return


def _device_from_file(name: str) -> str:
    """A single-device inventory (``pm list``, a per-device export without device columns) is
    named after its file: ``phone-17.txt`` is device ``phone-17``."""
    return PurePath(name).stem or name


_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


def _pm_rows(lines: Iterator[str], name: str) -> Iterator[InventoryRow]:
    """``pm list packages`` with or without ``-f`` (``package:PATH=NAME``), ``-i``
    (``  installer=...``), ``-U`` (`` uid:...``) and ``--show-versioncode``
    (`` versionCode:...``)."""
    device = _device_from_file(name)
    for number, text in enumerate(lines, 1):
        text = text.strip()
        if not text:
            continue
        if not text.startswith("package:"):
            raise InventoryError(
                f"expected 'package:<name>' (pm list packages output), found {text[:40]!r}",
                file=name,
                line=number,
            )
        fields = text[8:].split()
        if not fields:
            raise InventoryError("'package:' without a package name", file=name, line=number)
        package = fields[0].rsplit("=", 1)[-1]  # -f: the path may itself contain '='
        for extra in fields[1:]:
            if not extra.startswith(("versionCode:", "installer=", "uid:")):
                raise InventoryError(
                    f"unexpected {extra!r} after the package name", file=name, line=number
                )
        if not _PACKAGE.fullmatch(package):
            raise InventoryError(
                f"{package!r} is not an Android package name", file=name, line=number
            )
        yield InventoryRow(number, device, device, "", "Android", "", (package,), "")


def _csv(lines: Iterator[str], name: str) -> tuple[_reader, list[str]]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InventoryError(f"malformed CSV header ({exc})", file=name, line=1) from None
    if not header or not any(h.strip() for h in header):
        raise InventoryError("empty inventory (no header)", file=name, line=1)
    return reader, header


def _records(reader: _reader, width: int, name: str) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their line, refusing a row whose field count differs from the header's
    (a truncated export or a stray delimiter would otherwise shift every column)."""
    try:
        for row in reader:
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                raise _width_error(width, len(row), name, reader.line_num)
            yield reader.line_num, row
    except csv.Error as exc:
        raise InventoryError(
            f"malformed CSV ({exc})", file=name, line=reader.line_num or 1
        ) from None


def _intune_rows(lines: Iterator[str], name: str) -> tuple[Iterator[InventoryRow], Format]:
    reader, header = _csv(lines, name)
    keys = [header_key(h) for h in header]
    where = {k: i for i, k in reversed(list(enumerate(keys)))}

    def col(field: str) -> int:
        return next((where[k] for k in _INTUNE[field] if k in where), -1)

    if col("app_name") < 0 and col("app_id") < 0:
        raise InventoryError(
            "not a recognised inventory: expected an Intune discovered-apps export "
            "(ApplicationName, ...), 'pm list packages' output, or --columns for another CSV",
            file=name,
            line=1,
        )
    fmt: Format = (
        "intune-aggregate" if col("device_count") >= 0 and col("device_id") < 0 else "intune"
    )
    return _intune_iter(reader, len(header), name, fmt, [col(f) for f in _INTUNE]), fmt


def _intune_iter(
    reader: _reader, width: int, name: str, fmt: Format, cols: list[int]
) -> Iterator[InventoryRow]:
    dev, dname, user, plat, own, aid, akey, aname, count = cols
    single = _device_from_file(name) if dev < 0 and fmt == "intune" else ""
    # one C call picks every text field; a missing column reads the empty cell appended last
    pick = itemgetter(*(c if c >= 0 else width for c in (dev, dname, user, plat, aname)))
    new = tuple.__new__  # a row per line: skip NamedTuple's slower constructor
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                raise _width_error(width, len(row), name, line)
            row.append("")
            device, device_name, who, platform, app_name = pick(row)
            if aid < 0:
                key = row[akey]
                ids: tuple[str, ...] = (key,) if key else ()
            else:
                ids = tuple(row[i] for i in (aid, akey) if i >= 0 and row[i])
            owner = ownership_of(row[own], file=name, line=line) if own >= 0 else ""
            n = 0
            if count >= 0:
                try:
                    n = int(row[count] or 0)
                except ValueError:
                    raise InventoryError(
                        f"DeviceCount {row[count]!r} is not a number", file=name, line=line
                    ) from None
            if dev < 0:
                device = single
            elif not device and fmt == "intune":
                raise InventoryError("a row without a DeviceId", file=name, line=line)
            yield new(InventoryRow, (
                line, device, device_name if dname >= 0 else device, who, platform, owner, ids,
                app_name, n,
            ))  # fmt: skip
    except csv.Error as exc:
        raise InventoryError(
            f"malformed CSV ({exc})", file=name, line=reader.line_num or 1
        ) from None


def _width_error(width: int, found: int, name: str, line: int) -> InventoryError:
    """A row whose field count differs from the header's: a truncated export or a stray
    delimiter would otherwise shift every column."""
    return InventoryError(
        f"expected {width} fields as in the header, found {found}", file=name, line=line
    )


def _generic_rows(
    lines: Iterator[str], name: str, columns: Mapping[str, str]
) -> Iterator[InventoryRow]:
    reader, header = _csv(lines, name)
    where = {header_key(h): i for i, h in reversed(list(enumerate(header)))}
    cols: dict[str, int] = {}
    for field in CSV_FIELDS:
        if field in columns:
            found = where.get(header_key(columns[field]))
            if found is None:
                raise InventoryError(
                    f"no column {columns[field]!r} (mapped to {field}) in the header",
                    file=name,
                    line=1,
                )
            cols[field] = found
    get = cols.get
    dev, dname, user, plat = (get(f, -1) for f in ("device", "device-name", "user", "platform"))
    own, aid, aname = (get(f, -1) for f in ("ownership", "app-id", "app-name"))
    new = tuple.__new__
    for line, row in _records(reader, len(header), name):
        device = row[dev]
        if not device:
            raise InventoryError(f"no device in column {columns['device']!r}", file=name, line=line)
        owner = ownership_of(row[own], file=name, line=line) if own >= 0 else ""
        yield new(InventoryRow, (
            line, device, row[dname] if dname >= 0 else device, row[user] if user >= 0 else "",
            row[plat] if plat >= 0 else "", owner, (row[aid],) if aid >= 0 and row[aid] else (),
            row[aname] if aname >= 0 else "", 0,
        ))  # fmt: skip

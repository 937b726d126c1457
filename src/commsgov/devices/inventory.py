"""Device inventories as rows: Intune discovered-apps exports, ``pm list packages`` output and
generic CSV reports with a column mapping. Streams are handed in; nothing here opens a file.

Each parser is a generator: a million-row export is read a block at a time, and an error names
the file and line where it stopped. A CSV inventory comes in batches. Lines the fast path can
prove plain (every field unquoted, or every field quoted without quotes inside, and as many as
the header has) are split into columns a block at a time in a few C calls (a :class:`RowBlock`);
any other line (a blank or ragged one, a quote inside a field, a field across lines, a row with
no device or an unknown ownership) is read one record at a time by :mod:`csv`, which also names
the line of anything wrong. Either way the rows are the same.

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import compress, count
from operator import itemgetter, ne
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Literal, NamedTuple, TypeAlias

from .errors import ColumnMapError, InventoryError

if TYPE_CHECKING:
    from _csv import Reader as _reader

Format = Literal["intune", "intune-aggregate", "pm-list", "csv"]
FORMATS: tuple[Format, ...] = ("intune", "intune-aggregate", "pm-list", "csv")
Ownership = Literal["corporate", "personal"]

#: the fields a generic CSV maps to its columns (``--columns field=Header,...``)
CSV_FIELDS = ("device", "device-name", "user", "platform", "ownership", "app-id", "app-name")

#: bytes read at a time, then the rest of the line
_BLOCK = 1 << 16
#: the fast path splits at most this many bytes at once (a whole block, not copied); after a
#: line it could not take it starts again from the minimum, so that a file of odd lines costs
#: little more than csv
_WINDOW_MAX = 1 << 16
_WINDOW_MIN = 1 << 12
#: rows per batch of rows read one by one
_BATCH = 1024
#: whether plain lines are read a block at a time (tests turn it off to compare both paths)
_FAST = True
#: every byte except those that give a CSV line its shape (deleted to compare shapes at once)
_NOT_SHAPE = bytes(b for b in range(256) if b not in b',"\n\r\x00')
_NOT_BREAK = bytes(b for b in range(256) if b not in b"\n\r\x00")


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


class RowBlock:
    """Rows the fast path read at once, one line each from ``line`` on: for each field the
    inventory has, a column of raw cells (UTF-8 bytes, already checked); :meth:`row` gives the
    :class:`InventoryRow` the careful path would have made of a row.

    >>> data = b"ApplicationKey,ApplicationName,DeviceId\\ncom.whatsapp,WhatsApp,d1\\n"
    >>> [block] = read_inventory(io.BytesIO(data), name="x.csv").batches or ()
    >>> block.count, block.devices, block.row(0).app_ids, block.row(0).line
    (1, [b'd1'], ('com.whatsapp',), 2)
    """

    __slots__ = ("_cells", "_table", "count", "devices", "ids", "line", "names", "ownership")

    def __init__(self, table: _Table, line: int, count: int, cells: dict[int, list[bytes]]) -> None:
        self._table, self._cells = table, cells
        self.line, self.count = line, count
        #: the device cell of each row
        self.devices = cells[table.dev]
        #: the columns of identifiers, likeliest first
        self.ids = [cells[c] for c in table.ids]
        #: the app's display name of each row (``None``: no such column)
        self.names = cells[table.aname] if table.aname >= 0 else None
        #: the ownership cell of each row (``None``: no such column)
        self.ownership = cells[table.own] if table.own >= 0 else None

    def row(self, index: int) -> InventoryRow:
        """Row ``index`` of the block (0 is the first)."""
        cells = [""] * (self._table.width + 1)
        for column, values in self._cells.items():
            cells[column] = values[index].decode("utf-8")
        return self._table.build(cells, self.line + index)

    def owned(self) -> dict[bytes, int]:
        """Each device a row of this block gives an ownership, with the first such row."""
        if self.ownership is None:
            return {}
        owner = self._table.owner
        given = {v for v in set(self.ownership) if owner(v)}
        if not given:
            return {}
        flags = list(map(given.__contains__, self.ownership))
        rows = list(compress(range(self.count), flags))
        devices = list(compress(self.devices, flags))
        # built backwards, so each device keeps its first row
        return dict(zip(reversed(devices), reversed(rows), strict=True))


Batch: TypeAlias = "list[InventoryRow] | RowBlock"


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
    #: the same rows in batches (reading one reads the other): lists of rows read one by one,
    #: and blocks read at once (:class:`RowBlock`); ``None`` when only ``rows`` is given
    batches: Iterator[Batch] | None = None
    #: opens the inventory again, so that a scan can look up a row it did not keep (``None``:
    #: it cannot be read twice, so a scan keeps every device's first row)
    reopen: Callable[[], IO[bytes]] | None = None
    #: the column mapping a generic CSV was read with (to read it again)
    columns: Mapping[str, str] | None = None


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
    reopen: Callable[[], IO[bytes]] | None = None,
) -> Inventory:
    """Recognise an inventory's format from its first line and return its rows as a generator.

    ``columns`` (see :func:`parse_columns`) reads a generic CSV; otherwise the format is
    detected: ``pm list packages`` output, or an Intune discovered-apps export (raw, per-device
    or aggregate). ``reopen`` opens the same inventory again (a scan then keeps less in memory).
    Raises :class:`InventoryError` naming the file and line.
    """
    first = stream.readline()
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InventoryError(
            "UTF-16 text: export or save the inventory as UTF-8", file=name, line=1
        )
    first = first.removeprefix(b"\xef\xbb\xbf")
    lines = _Lines(stream, first, name)
    if columns is not None or format == "csv":
        if not columns:
            raise InventoryError("a generic CSV needs a column mapping (--columns)", file=name)
        batches = _generic_batches(lines, name, columns)
        return Inventory(name, "csv", None, _rows(batches), batches, reopen, columns)
    if format == "pm-list" or (format is None and first.lstrip().startswith(b"package:")):
        batches = _in_batches(_pm_rows(_texts(lines), name))
        return Inventory(name, "pm-list", True, _rows(batches), batches, reopen)
    if not first.strip():
        raise InventoryError("empty inventory (or a blank first line)", file=name, line=1)
    batches, found = _intune_batches(lines, name)
    if format is not None and format != found:
        raise InventoryError(f"not an {format} export (its header is {found}'s)", file=name, line=1)
    return Inventory(name, found, None, _rows(batches), batches, reopen)


def _rows(batches: Iterator[Batch]) -> Iterator[InventoryRow]:
    for batch in batches:
        if isinstance(batch, list):
            yield from batch
        else:
            yield from map(batch.row, range(batch.count))


def _in_batches(rows: Iterator[InventoryRow]) -> Iterator[Batch]:
    batch: list[InventoryRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _Lines:
    """A stream's lines, read a block at a time, counted as :mod:`csv` counts them (a lone
    carriage return ends a line too).

    A block ends at a line break and is checked to be UTF-8 as a whole (fast); a byte that is
    not is reported with its line when the reading gets there, after any earlier error.
    """

    def __init__(self, raw: IO[bytes], first: bytes, name: str) -> None:
        self.name = name
        self._raw = raw
        #: whole lines, and the position of the next one
        self.buf = b""
        self.pos = 0
        #: the number of the last line taken
        self.taken = 0
        self._pending = first
        self._eof = False
        self._bad: str | None = None
        #: what is left of a line split at lone carriage returns, last first
        self._parts: list[str] = []

    def more(self) -> bool:
        """Whether a line is left (reading the next block when this one is done)."""
        while self.pos >= len(self.buf) and not self._parts:
            if self._bad is not None:
                raise InventoryError(self._bad, file=self.name, line=self.taken + 1)
            if self._eof:
                return False
            self._read()
        return True

    @property
    def whole(self) -> bool:
        """Whether the position is at the start of a line of the stream (not inside one)."""
        return not self._parts

    def _read(self) -> None:
        data = self._raw.read(_BLOCK)
        if self._pending:
            data, self._pending = self._pending + data, b""
        if data and not data.endswith(b"\n"):
            data += self._raw.readline()  # the rest of the line: one copy, not a cut and a join
        if not data:
            self._eof = True
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                start = data.rfind(b"\n", 0, exc.start) + 1
                column = exc.start - start + 1
                self._bad = f"not UTF-8 text ({exc.reason} at byte {column} of the line)"
                data, self._eof = data[:start], True
        self.buf, self.pos = data, 0

    def take(self) -> str | None:
        """The next line, with its line break (``None`` at the end)."""
        if not self._parts:
            if not self.more():
                return None
            buf, pos = self.buf, self.pos
            end = buf.find(b"\n", pos) + 1 or len(buf)
            text = buf[pos:end].decode("utf-8")
            self.pos = end
            cr = text.find("\r")
            if cr < 0 or cr == len(text) - 1 or (cr == len(text) - 2 and text[-1] == "\n"):
                self.taken += 1
                return text
            self._parts = list(io.StringIO(text, newline=""))[::-1]
        self.taken += 1
        return self._parts.pop()

    def chunk(self, size: int) -> bytes:
        """Whole lines from the position: about ``size`` bytes, and at least one line (the
        rest of the block from a block's size on: a block ends with the rest of a line)."""
        buf, pos = self.buf, self.pos
        end = pos + size
        if end >= len(buf) or size >= _BLOCK:
            return buf[pos:]
        end = buf.rfind(b"\n", pos, end) + 1 or buf.find(b"\n", end) + 1 or len(buf)
        return buf[pos:end]

    def skip(self, size: int, lines: int) -> None:
        """Move past ``lines`` whole lines of ``size`` bytes, read by the fast path."""
        self.pos += size
        self.taken += lines


def _texts(lines: _Lines) -> Iterator[str]:
    while (text := lines.take()) is not None:
        yield text


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


def _csv(lines: _Lines, name: str) -> tuple[_reader, list[str]]:
    # one reader for the whole file: it reads exactly the lines of each record it is asked for,
    # so the fast path can take the lines in between
    reader = csv.reader(_texts(lines), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InventoryError(f"malformed CSV header ({exc})", file=name, line=1) from None
    if not header or not any(h.strip() for h in header):
        raise InventoryError("empty inventory (no header)", file=name, line=1)
    return reader, header


def _intune_batches(lines: _Lines, name: str) -> tuple[Iterator[Batch], Format]:
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
    dev = col("device_id")
    table = _Table(
        name,
        len(header),
        dev=dev,
        device_name=col("device_name"),
        user=col("user"),
        platform=col("platform"),
        ownership=col("ownership"),
        ids=(col("app_id"), col("app_key")),
        app_name=col("app_name"),
        device_count=col("device_count"),
        single=_device_from_file(name) if dev < 0 and fmt == "intune" else "",
        no_device="a row without a DeviceId" if fmt == "intune" else None,
        ownership_first=True,
    )
    return _csv_batches(lines, reader, table), fmt


def _generic_batches(lines: _Lines, name: str, columns: Mapping[str, str]) -> Iterator[Batch]:
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
    table = _Table(
        name,
        len(header),
        dev=cols["device"],
        device_name=get("device-name", -1),
        user=get("user", -1),
        platform=get("platform", -1),
        ownership=get("ownership", -1),
        ids=(get("app-id", -1),),
        app_name=get("app-name", -1),
        device_count=-1,
        single="",
        no_device=f"no device in column {columns['device']!r}",
        ownership_first=False,
    )
    yield from _csv_batches(lines, reader, table)


class _Table:
    """Where a CSV inventory keeps each field (``-1``: nowhere), how a record becomes an
    :class:`InventoryRow`, and the fast path's reading of whole blocks of lines."""

    def __init__(
        self,
        name: str,
        width: int,
        *,
        dev: int,
        device_name: int,
        user: int,
        platform: int,
        ownership: int,
        ids: tuple[int, ...],
        app_name: int,
        device_count: int,
        single: str,
        no_device: str | None,
        ownership_first: bool,
    ) -> None:
        self.name, self.width = name, width
        self.dev, self.dname, self.own, self.aname = dev, device_name, ownership, app_name
        self.count = device_count
        self.ids = tuple(c for c in ids if c >= 0)
        self.single, self.no_device, self.ownership_first = single, no_device, ownership_first
        # one C call picks every text field; a missing column reads the empty cell added last
        self._pick = itemgetter(
            *(c if c >= 0 else width for c in (dev, device_name, user, platform, app_name))
        )
        #: the columns the fast path keeps
        self.needed = sorted(
            {c for c in (dev, device_name, user, platform, ownership, app_name) if c >= 0}
            | set(self.ids)
        )
        #: whether blocks of lines can be read at once: a device column, no counts to check,
        #: and lines of two fields or more (a blank line would look like one empty field)
        self.fast = _FAST and dev >= 0 and device_count < 0 and width >= 2
        self._owners: dict[bytes, str | None] = {}

    def build(self, row: list[str], line: int) -> InventoryRow:
        """The row a record makes (``row`` has the empty cell appended)."""
        device, device_name, who, platform, app_name = self._pick(row)
        owner = ""
        if self.own >= 0 and self.ownership_first:
            owner = ownership_of(row[self.own], file=self.name, line=line)
        n = 0
        if self.count >= 0:
            try:
                n = int(row[self.count] or 0)
            except ValueError:
                raise InventoryError(
                    f"DeviceCount {row[self.count]!r} is not a number", file=self.name, line=line
                ) from None
        if self.dev < 0:
            device = self.single
        elif not device and self.no_device:
            raise InventoryError(self.no_device, file=self.name, line=line)
        if self.own >= 0 and not self.ownership_first:
            owner = ownership_of(row[self.own], file=self.name, line=line)
        ids = tuple([v for v in map(row.__getitem__, self.ids) if v])
        return tuple.__new__(InventoryRow, (  # a row per line: skip NamedTuple's constructor
            line, device, device_name if self.dname >= 0 else device, who, platform, owner, ids,
            app_name, n,
        ))  # fmt: skip

    def record(self, row: list[str], line: int) -> InventoryRow | None:
        """The row a CSV record makes, ``None`` for a blank line; a record whose field count
        differs from the header's is refused (a truncated export or a stray delimiter would
        otherwise shift every column)."""
        if len(row) != self.width:
            if not row or (len(row) == 1 and not row[0].strip()):
                return None
            raise InventoryError(
                f"expected {self.width} fields as in the header, found {len(row)}",
                file=self.name,
                line=line,
            )
        row.append("")
        return self.build(row, line)

    def owner(self, cell: bytes) -> str | None:
        """What an ownership cell says (``corporate``, ``personal``, ``""``), ``None`` when
        :func:`ownership_of` would refuse it."""
        try:
            return self._owners[cell]
        except KeyError:
            found = self._owners[cell] = _OWNERSHIP.get(header_key(cell.decode("utf-8")))
            return found

    def read_block(self, chunk: bytes, line: int) -> tuple[RowBlock | None, int]:
        """Read the leading lines of ``chunk`` that the fast path can prove plain, as a block
        of rows from ``line`` on, and how many bytes they take (``None, 0``: not even one)."""
        first = chunk.find(b"\n")
        if first < 0:
            return None, 0  # the last line, without a line break: read it carefully
        eol = b"\r\n" if first and chunk[first - 1] == 13 else b"\n"
        if chunk[0] == 34:  # '"': every field quoted?
            rows, size, cells = self._quoted(chunk, eol)
        else:
            rows, size, cells = self._plain(chunk, eol)
        if rows:
            sound = self._sound(cells, rows)
            if sound < rows:
                rows, size = sound, _line_end(chunk, sound)
                cells = {c: v[:rows] for c, v in cells.items()}
        if not rows:
            return None, 0
        return RowBlock(self, line, rows, cells), size

    def _plain(self, chunk: bytes, eol: bytes) -> tuple[int, int, dict[int, list[bytes]]]:
        """Lines without quotes, each with the header's number of commas."""
        quote = chunk.find(b'"')
        if quote >= 0:
            chunk = chunk[: chunk.rfind(b"\n", 0, quote) + 1]
        shape = chunk.translate(None, _NOT_SHAPE)
        rows = shape.count(b"\n")  # counted in the shape: a tenth of the bytes
        if not rows:
            return 0, 0, {}
        unit = b"," * (self.width - 1) + eol
        if shape != unit * rows:
            rows = _agreeing(shape, unit, rows)
            if not rows:
                return 0, 0, {}
            chunk = chunk[: _line_end(chunk, rows)]
        flat = chunk.replace(eol, b",").split(b",")
        if _long_line(chunk) and max(map(len, flat)) > csv.field_size_limit():
            return 0, 0, {}  # csv refuses a field that long: let it name the line
        w, end = self.width, rows * self.width
        return rows, len(chunk), {c: flat[c:end:w] for c in self.needed}

    def _quoted(self, chunk: bytes, eol: bytes) -> tuple[int, int, dict[int, list[bytes]]]:
        """Lines of quoted fields (``"a","b"``) without a quote, line break or NUL inside."""
        per = 2 * self.width  # pieces a line splits into at its quotes
        pieces = chunk.split(b'"')
        rows = (len(pieces) - 1) // per
        # between the quotes: a field, then a comma or (after the last field) the line break
        seps, want = pieces[2::2], ([b","] * (self.width - 1) + [eol]) * rows
        if len(pieces) == per * rows + 1 and seps == want:
            size, head = len(chunk), chunk
        else:
            wrong = next(compress(count(), map(ne, seps, want)), len(want))
            rows = wrong // self.width
            if not rows:
                return 0, 0, {}
            size = sum(map(len, pieces[: per * rows + 1])) + per * rows
            head = chunk[:size]
        # and no line break or NUL inside a field: csv would read a field across lines
        if head.translate(None, _NOT_BREAK) != eol * rows:
            return 0, 0, {}
        if _long_line(head) and max(map(len, pieces[1 : per * rows : 2])) > csv.field_size_limit():
            return 0, 0, {}
        stop = per * rows
        return rows, size, {c: pieces[1 + 2 * c : stop : per] for c in self.needed}

    def _sound(self, cells: dict[int, list[bytes]], rows: int) -> int:
        """How many leading rows the careful path would take as they are: it must read a row
        without a device, or with an ownership it does not know, to refuse it by its line."""
        if self.no_device:
            devices = cells[self.dev]
            if b"" in devices:
                rows = devices.index(b"")
        if self.own >= 0:
            column = cells[self.own][:rows]
            wrong = [v for v in set(column) if self.owner(v) is None]
            if wrong:
                rows = min(map(column.index, wrong))
        return rows


def _long_line(chunk: bytes) -> bool:
    """Whether a line of ``chunk`` may be longer than csv's field size limit (only then can a
    field be): a line that long spans a whole window of half the limit without a line break.

    >>> _long_line(b"a,b\\n" * 100_000), _long_line(b"a" * 300_000 + b"\\n")
    (False, True)
    """
    half = max(csv.field_size_limit() // 2, 1)
    return any(chunk.find(b"\n", start, start + half) < 0 for start in range(0, len(chunk), half))


def _agreeing(shape: bytes, unit: bytes, rows: int) -> int:
    """How many leading lines have the shape ``unit`` (by bisection: each test is a memcmp)."""
    size, want = len(unit), unit * rows
    low, high = 0, rows
    while low < high:
        mid = (low + high + 1) // 2
        if shape[: mid * size] == want[: mid * size]:
            low = mid
        else:
            high = mid - 1
    return low


def _line_end(chunk: bytes, lines: int) -> int:
    """The offset just past the first ``lines`` lines of ``chunk``."""
    end = 0
    for _ in range(lines):
        end = chunk.index(b"\n", end) + 1
    return end


def _csv_batches(lines: _Lines, reader: _reader, table: _Table) -> Iterator[Batch]:
    rows: list[InventoryRow] = []
    window = top = _WINDOW_MAX
    try:
        while lines.more():
            if table.fast and lines.whole:
                chunk = lines.chunk(window)
                block, size = table.read_block(chunk, lines.taken + 1)
                if block is not None:
                    if rows:
                        yield rows
                        rows = []
                    yield block
                    lines.skip(size, block.count)
                    window = min(window * 2, top) if size == len(chunk) else _WINDOW_MIN
                    continue
                window = _WINDOW_MIN
            row = table.record(next(reader), lines.taken)
            if row is not None:
                rows.append(row)
                if len(rows) == _BATCH:
                    yield rows
                    rows = []
    except csv.Error as exc:
        raise InventoryError(
            f"malformed CSV ({exc})", file=table.name, line=lines.taken or 1
        ) from None
    if rows:
        yield rows

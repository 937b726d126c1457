"""The fast path (plain lines read a block at a time, devices kept as a set of ids, first rows
looked up again) gives exactly what reading every row with csv gives: the same rows, the same
findings and statuses, the same error on the same line.

Blocks are made tiny here so that every file crosses many of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsgov.devices import Catalogue, Inventory, InventoryError, Scanner, read_inventory
from commsgov.devices import inventory as inventory_module
from commsgov.policy.loader import load_pack

CATALOGUE = Catalogue.from_pack(load_pack())

# (usual values, odd values): a row takes an odd value now and then, as in a real export
DEVICES = (["dev-1", "dev-2", "dev-3", "6f1c0a52-0000-4000-8000-000000000001"],
           ["DEV-1", "d,4", 'd"5', " dev-1"])  # fmt: skip
KEYS = (["com.example.notes", "com.example.maps", "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f"],
        ["com.whatsapp", "NET.WHATSAPP.WHATSAPP", " org.thoughtcrime.securesms ", "",
         "ph.telegra.Telegraph", "com.whatſapp"])  # fmt: skip
NAMES = (["Notes", "Maps", "Example App 4"],
         ["WhatsApp", "Telegram Desktop version 4.8.1", "Telegramm Desktop", "Signals", "",
          "Maps, offline", 'Say "hi"', "Viber", "Sïgnal", "multi\nline"])  # fmt: skip
DEVICE_NAMES = (["Phone 1", "Phone 2"], ["Lap,top", "Ünïcode", ""])
USERS = (["ann@gov.scot", "bob@gov.scot"], ["", "Bob Jones"])
OWNERSHIP = (["Corporate", "Personal", ""], ["BYOD", "company"])
#: one bad line a file may have: (what, the line as written)
DAMAGE = {
    "ragged": "com.example.notes,Notes,dev-1,Phone 1,ann@gov.scot{own}\n",
    "no device": "com.example.notes,Notes,,Phone 1,ann@gov.scot,iOS{own}\n",
    "bad ownership": "com.example.notes,Notes,dev-1,Phone 1,ann@gov.scot,iOS,maybe\n",
    "unclosed quote": 'com.example.notes,"Notes,dev-1,Phone 1,ann@gov.scot,iOS{own}\n',
    "not utf-8": "com.example.notes,Not\udcffes,dev-1,Phone 1,ann@gov.scot,iOS{own}\n",
    "blank": "\n",
    "lone carriage return": "com.example.notes,Notes,dev-1,Ph\rone 1,ann@gov.scot,iOS{own}\n",
}
HEADER = ["ApplicationKey", "ApplicationName", "DeviceId", "DeviceName", "UserName", "Platform"]
COLUMNS = {"device": "DeviceId", "app-id": "ApplicationKey", "app-name": "ApplicationName",
           "device-name": "DeviceName", "user": "UserName", "platform": "Platform"}  # fmt: skip


@contextmanager
def sizes(block: int, window: int, least: int, *, fast: bool = True) -> Iterator[None]:
    """Blocks of ``block`` bytes, windows from ``least`` to ``window`` bytes, fast path on/off."""
    module: Any = inventory_module
    saved = (module._BLOCK, module._WINDOW_MAX, module._WINDOW_MIN, module._BATCH, module._FAST)
    module._BLOCK, module._WINDOW_MAX, module._WINDOW_MIN = block, window, least
    module._BATCH, module._FAST = 3, fast
    try:
        yield
    finally:
        (module._BLOCK, module._WINDOW_MAX, module._WINDOW_MIN, module._BATCH,
         module._FAST) = saved  # fmt: skip


def _line(cells: list[str], style: str, eol: str) -> str:
    if style == "quoted":
        return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + eol
    out = io.StringIO()
    csv.writer(out, lineterminator=eol).writerow(cells)
    return out.getvalue()


def cell(values: tuple[list[str], list[str]]) -> st.SearchStrategy[str]:
    usual, odd = values
    return st.sampled_from(usual * 30 + odd)


rows_strategy = st.lists(
    st.tuples(
        cell(KEYS),
        cell(NAMES),
        cell(DEVICES),
        cell(DEVICE_NAMES),
        cell(USERS),
        cell(OWNERSHIP),
        st.sampled_from(["plain"] * 4 + ["quoted"]),
    ),
    max_size=80,
)
damage = st.none() | st.none() | st.tuples(st.sampled_from(sorted(DAMAGE)), st.integers(0, 80))


def make_file(
    rows: list[tuple[Any, ...]],
    *,
    owned: bool,
    crlf: bool,
    last_eol: bool,
    bad: tuple[str, int] | None = None,
) -> bytes:
    eol = "\r\n" if crlf else "\n"
    header = HEADER + (["Ownership"] if owned else [])
    lines = [",".join(header) + eol]
    for key, name, dev, dname, user, own, style in rows:
        cells = [key, name, dev, dname, user, "iOS"]
        if owned:
            cells.append(own)
        lines.append(_line(cells, style, eol))
    if bad is not None and (owned or bad[0] != "bad ownership"):
        lines.insert(min(bad[1], len(lines) - 1) + 1, DAMAGE[bad[0]].format(own=",BYOD" * owned))
    if not last_eol:
        lines[-1] = lines[-1].removesuffix(eol)
    return "".join(lines).encode("utf-8", "surrogateescape")


def parsed(data: bytes, columns: dict[str, str] | None) -> Any:
    try:
        inventory = read_inventory(io.BytesIO(data), name="inv.csv", columns=columns)
        return [tuple(r) for r in inventory.rows]
    except InventoryError as exc:
        return ("refused", str(exc), exc.line)


def scanned(files: list[bytes], mode: str, ownership: Any, columns: dict[str, str] | None) -> Any:
    """Scan ``files`` with rows read one by one (``rows``), or in batches keeping every first
    row (``eager``), or in batches with the files openable again (``lazy``)."""
    scanner = Scanner(CATALOGUE, ownership=ownership)
    try:
        for n, data in enumerate(files):
            name = f"inv-{n}.csv"
            if mode == "rows":
                with sizes(1 << 17, 1 << 17, 1 << 12, fast=False):
                    inv = read_inventory(io.BytesIO(data), name=name, columns=columns)
                    scanner.add(Inventory(inv.file, inv.format, inv.complete, inv.rows))
                continue
            reopen = (lambda data=data: io.BytesIO(data)) if mode == "lazy" else None
            scanner.add(read_inventory(io.BytesIO(data), name=name, columns=columns,
                                       reopen=reopen))  # fmt: skip
        return scanner.result().to_dict()
    except InventoryError as exc:
        return ("refused", str(exc), exc.line)


@settings(deadline=None)
@given(
    rows_strategy,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from([(64, 64, 16), (300, 128, 32), (1 << 17, 1 << 17, 1 << 12)]),
    damage,
)
def test_fast_and_careful_paths_read_the_same_rows(
    rows: list[tuple[Any, ...]],
    owned: bool,
    crlf: bool,
    last_eol: bool,
    generic: bool,
    block: tuple[int, int, int],
    bad: tuple[str, int] | None,
) -> None:
    data = make_file(rows, owned=owned, crlf=crlf, last_eol=last_eol, bad=bad)
    columns = {**COLUMNS, "ownership": "Ownership"} if generic and owned else None
    columns = columns or (COLUMNS if generic else None)
    with sizes(*block, fast=False):
        careful = parsed(data, columns)
    with sizes(*block):
        fast = parsed(data, columns)
    assert fast == careful


@settings(deadline=None, max_examples=150)
@given(
    rows_strategy,
    rows_strategy,
    st.sampled_from([False, False, True]),
    st.booleans(),
    st.sampled_from(["corporate", "corporate", "corporate", "personal", None]),
    st.sampled_from([(64, 64, 16), (300, 128, 32)]),
    damage,
)
def test_rows_eager_and_lazy_scans_agree(
    first: list[tuple[Any, ...]],
    second: list[tuple[Any, ...]],
    owned: bool,
    crlf: bool,
    ownership: Any,
    block: tuple[int, int, int],
    bad: tuple[str, int] | None,
) -> None:
    files = [make_file(first, owned=owned, crlf=crlf, last_eol=True),
             make_file(second, owned=False, crlf=not crlf, last_eol=True, bad=bad)]  # fmt: skip
    expected = scanned(files, "rows", ownership, None)
    with sizes(*block):
        assert scanned(files, "eager", ownership, None) == expected
        assert scanned(files, "lazy", ownership, None) == expected


def _export(rows: list[str]) -> bytes:
    return ("ApplicationKey,ApplicationName,DeviceId,DeviceName,UserName,Platform\n"
            + "".join(r + "\n" for r in rows)).encode()  # fmt: skip


class Opener:
    """Opens an inventory's bytes again, counting how often."""

    def __init__(self, data: bytes) -> None:
        self.data, self.opened = data, 0

    def __call__(self) -> io.BytesIO:
        self.opened += 1
        return io.BytesIO(self.data)


def _lazy_scan(files: list[tuple[bytes, Opener]], ownership: Any = "corporate") -> Any:
    scanner = Scanner(CATALOGUE, ownership=ownership)
    for n, (data, opener) in enumerate(files):
        scanner.add(read_inventory(io.BytesIO(data), name=f"f{n}.csv", reopen=opener))
    return scanner.result()


def test_a_first_row_far_back_is_looked_up_again_and_named() -> None:
    rows = ["com.example.a,Notes,victim,First name,ann@gov.scot,iOS"]
    rows += [f"com.example.a,Notes,other-{i},Other,x@gov.scot,iOS" for i in range(200)]
    rows += ["com.whatsapp,WhatsApp,victim,Renamed later,someone-else,Android"]
    data = _export(rows)
    opener = Opener(data)
    with sizes(256, 256, 64):
        result = _lazy_scan([(data, opener)])
    (device,) = result.devices
    # name, user and platform come from the device's first row, as the careful path gives
    assert (device.device_name, device.user, device.platform) == (
        "First name", "ann@gov.scot", "iOS",
    )  # fmt: skip
    assert device.apps[0].line == 203 and device.status == "non-compliant"
    assert result.counts["compliant"] == 200
    assert opener.opened == 1  # the file was read a second time, once


def test_rows_grouped_by_device_are_never_read_twice() -> None:
    rows = []
    for d in range(300):
        rows += [f"com.example.{a},App {a},dev-{d},Phone {d},u{d}@gov.scot,iOS" for a in range(4)]
        if d % 7 == 3:
            rows.append(f"com.whatsapp,WhatsApp,dev-{d},Phone {d},u{d}@gov.scot,iOS")
    data = _export(rows)
    opener = Opener(data)
    with sizes(512, 512, 64):  # devices straddle block boundaries: the block before is kept
        result = _lazy_scan([(data, opener)])
    assert opener.opened == 0
    assert result.counts["non-compliant"] == len([d for d in range(300) if d % 7 == 3])
    assert {d.device_name for d in result.devices} == {
        f"Phone {d}" for d in range(300) if d % 7 == 3
    }


def test_a_device_first_seen_in_an_earlier_file_takes_its_first_row_from_there() -> None:
    one = _export(["com.example.a,Notes,shared,From file one,ann@gov.scot,iOS"])
    two = _export(["com.example.b,Maps,x,X,x,iOS", "org.telegram.messenger,Telegram,shared,"
                   "From file two,bob@gov.scot,Android"])  # fmt: skip
    first, second = Opener(one), Opener(two)
    result = _lazy_scan([(one, first), (two, second)])
    (device,) = result.devices
    assert (device.device_name, device.file, device.apps[0].file) == (
        "From file one", "f0.csv", "f1.csv",
    )  # fmt: skip
    assert (first.opened, second.opened) == (1, 0)
    assert result.counts == {"non-compliant": 1, "review": 0, "personal": 0, "not-known": 0,
                             "compliant": 1}  # fmt: skip


def test_an_inventory_that_changed_before_it_was_read_again_is_refused() -> None:
    rows = ["com.example.a,Notes,victim,First,ann@gov.scot,iOS"]
    rows += [f"com.example.a,Notes,o-{i},O,o,iOS" for i in range(100)]
    rows += ["com.whatsapp,WhatsApp,victim,First,ann@gov.scot,iOS"]
    changed = Opener(_export(["com.example.a,Notes,someone-else,S,s,iOS"]))
    with sizes(256, 256, 64), pytest.raises(InventoryError) as caught:
        _lazy_scan([(_export(rows), changed)])
    assert caught.value.file == "f0.csv" and "changed while it was scanned" in str(caught.value)


def test_a_plain_scan_keeps_a_set_of_ids_not_a_record_per_device() -> None:
    rows = [f"com.example.{d % 50},App,dev-{d:06d},Phone {d},u{d}@gov.scot,iOS"
            for d in range(5000)]  # fmt: skip
    rows[10] = "com.whatsapp,WhatsApp,dev-000010,Phone 10,u10@gov.scot,iOS"
    data = _export(rows)
    lazy = Scanner(CATALOGUE, ownership="corporate")
    lazy.add(read_inventory(io.BytesIO(data), name="x.csv", reopen=Opener(data)))
    eager = Scanner(CATALOGUE, ownership="corporate")
    eager.add(read_inventory(io.BytesIO(data), name="x.csv"))
    assert lazy.result() == eager.result()
    assert len(lazy._devices) == 1 and len(eager._devices) == 5000
    # without an ownership to assume, every device is reported: nothing can be left plain
    unknown = Scanner(CATALOGUE)
    unknown.add(read_inventory(io.BytesIO(data), name="x.csv", reopen=Opener(data)))
    assert unknown.result().counts["not-known"] == 4999 and len(unknown._devices) == 5000


@pytest.mark.parametrize(
    ("lines", "line", "error"),
    [
        # the first bad line is named, whichever of its block's lines are wrong
        ([b"a,Notes,d1,N,u,iOS", b"a,Notes,d1,N,u", b"a,Not\xffes,d1,N,u,iOS"], 3, "expected 6"),
        ([b"a,Notes,d1,N,u,iOS", b"a,Not\xffes,d1,N,u,iOS", b"a,Notes,d1"], 3, "not UTF-8"),
        ([b"a,Notes,d1,N,u,iOS"] * 40 + [b'a,"Notes,d1,N,u,iOS'], 42, "malformed CSV"),
        ([b"a,Notes,d1,N,u,iOS"] * 40 + [b"a,Notes,,N,u,iOS"], 42, "without a DeviceId"),
        (
            [b'"a","Notes","d1","N","u","iOS"'] * 40 + [b'"a","Notes","","N","u","iOS"'],
            42,
            "without a DeviceId",
        ),
    ],
)
def test_errors_name_the_line_whichever_path_reads_it(
    lines: list[bytes], line: int, error: str
) -> None:
    data = b"ApplicationKey,ApplicationName,DeviceId,DeviceName,UserName,Platform\n"
    data += b"\n".join(lines) + b"\n"
    for block in ((64, 64, 16), (1 << 17, 1 << 17, 1 << 12)):
        for fast in (True, False):
            with sizes(*block, fast=fast):
                outcome = parsed(data, None)
            assert outcome[0] == "refused" and outcome[2] == line and error in outcome[1], (
                block, fast, outcome,
            )  # fmt: skip


def test_a_nul_byte_is_read_as_csv_reads_it() -> None:
    data = _export(["a,Notes,d1,N,u,iOS"] * 40 + ["a,Notes,d1,N,u,i\x00OS"])
    with sizes(64, 64, 16, fast=False):
        careful = parsed(data, None)
    with sizes(64, 64, 16):
        assert parsed(data, None) == careful
    assert careful[-1][4] == "i\x00OS"


def test_a_field_longer_than_csv_allows_is_refused_on_its_line() -> None:
    data = _export(["a,Notes,d1,N,u,iOS", "a," + "x" * 200 + ",d1,N,u,iOS"])
    limit = csv.field_size_limit(100)
    try:
        with sizes(1 << 17, 1 << 17, 1 << 12):
            outcome = parsed(data, None)
    finally:
        csv.field_size_limit(limit)
    assert outcome[0] == "refused" and outcome[2] == 3 and "field larger" in outcome[1]

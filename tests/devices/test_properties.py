"""Property tests: generated inventories round-trip through the parsers, matching ignores case
and punctuation, and no input, however damaged, raises anything but InventoryError."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from commsgov.devices import Catalogue, InventoryError, name_key, read_inventory
from commsgov.policy.loader import load_pack

CATALOGUE = Catalogue.from_pack(load_pack())

segment = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
packages = st.lists(segment, min_size=1, max_size=4).map(".".join)
flags = st.tuples(st.booleans(), st.booleans(), st.booleans())


@given(st.lists(st.tuples(packages, flags, st.integers(0, 10**9)), min_size=1, max_size=30))
def test_pm_list_round_trips_with_any_flags(
    items: list[tuple[str, tuple[bool, bool, bool], int]],
) -> None:
    lines = []
    for package, (with_path, with_version, with_installer), code in items:
        text = "package:"
        if with_path:
            text += f"/data/app/~~x{code}==/{package}-y==/base.apk="
        text += package
        if with_version:
            text += f" versionCode:{code}"
        if with_installer:
            text += "  installer=com.android.vending"
        lines.append(text)
    stream = io.BytesIO(("\n".join(lines) + "\n").encode())
    inventory = read_inventory(stream, name="tablet-9.txt")
    rows = list(inventory.rows)
    assert inventory.format == "pm-list" and inventory.complete is True
    assert [r.app_ids for r in rows] == [(p,) for p, _, _ in items]
    assert {r.device_id for r in rows} == {"tablet-9"}


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
    max_size=20,
)
HEADER = ["ApplicationKey", "ApplicationName", "DeviceId", "DeviceName", "UserName", "Platform"]


def _variant(header: str, style: int) -> str:
    spaced = "".join(f" {c}" if c.isupper() else c for c in header).strip()
    return [header, header.lower(), header.upper(), spaced, f" {spaced.lower()} "][style]


@given(
    st.lists(
        st.tuples(cell, cell, cell.filter(lambda s: s.strip() != ""), cell, cell, cell),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 4),
    st.booleans(),
)
def test_intune_export_round_trips_whatever_the_header_style(
    rows: list[tuple[str, ...]], style: int, crlf: bool
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_ALL)
    writer.writerow([_variant(h, style) for h in HEADER])
    writer.writerows(rows)
    inventory = read_inventory(io.BytesIO(out.getvalue().encode()), name="raw.csv")
    parsed = list(inventory.rows)
    assert inventory.format == "intune"
    assert [(r.app_ids, r.app_name, r.device_id, r.device_name, r.user, r.platform)
            for r in parsed] == [
        ((key,) if key else (), name, dev, dname, user, plat)
        for key, name, dev, dname, user, plat in rows
    ]  # fmt: skip


@given(st.binary(max_size=300))
def test_damaged_input_raises_only_inventory_error(data: bytes) -> None:
    for prefix in (b"", b"package:", b"ApplicationKey,ApplicationName,DeviceId\n"):
        try:
            list(read_inventory(io.BytesIO(prefix + data), name="x").rows)
        except InventoryError as exc:
            assert exc.file == "x"


@given(
    st.sampled_from(sorted({n for a in CATALOGUE.apps.values() for n in a.names})),
    st.sampled_from([str.upper, str.lower, str.title]),
    st.sampled_from(["", ".", " - ", "  "]),
)
def test_name_matching_ignores_case_and_punctuation(name: str, case: object, junk: str) -> None:
    expected = CATALOGUE.match(identifiers=(), name=name)
    assert expected is not None
    variant = case(name) + junk  # type: ignore[operator]
    found = CATALOGUE.match(identifiers=(), name=variant)
    assert found is not None and found.app.id == expected.app.id
    assert name_key(name_key(variant)) == name_key(variant)


@given(st.text(max_size=30))
def test_identifier_match_is_exact_or_nothing(text: str) -> None:
    found = CATALOGUE.match(identifiers=(text,), name="")
    kinds = ("package", "bundle-id", "store-package")
    known = {
        i.value.casefold()
        for a in CATALOGUE.apps.values()
        for i in a.identifiers
        if i.kind in kinds
    }
    assert (found is not None) == (text.strip().casefold() in known)
    for value in sorted(known)[:5]:  # and every known identifier does match, whatever its case
        assert CATALOGUE.match(identifiers=(value.upper(),), name="") is not None

"""Golden files: every ``tests/data/devices/<case>.<ext>`` is scanned with the bundled catalogue
and compared with ``<case>.expected.json`` beside it.

The expected file may hold ``"options"`` (``ownership``, ``columns``, ``format``) and, for an
inventory that must be refused, ``"error"`` (a substring of the message) and ``"line"``. Each
case is read twice: as a stream read once, and as a file the scan may open again, in blocks of a
few bytes (the fast path, devices kept as plain ids and first rows looked up again).
Regenerate with ``COMMSGOV_UPDATE_GOLDEN=1 pytest tests/devices/test_golden.py`` and review the
diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from commsgov.devices import Catalogue, InventoryError, Scanner, parse_columns, read_inventory
from commsgov.policy.loader import load_pack

from .test_fast_path import sizes

DATA = Path(__file__).resolve().parent.parent / "data" / "devices"
UPDATE = os.environ.get("COMMSGOV_UPDATE_GOLDEN") == "1"
CATALOGUE = Catalogue.from_pack(load_pack())


def cases() -> list[Path]:
    return sorted(
        p for p in DATA.iterdir() if not p.name.endswith(".expected.json") and p.is_file()
    )


def expected_path(case: Path) -> Path:
    return case.with_name(case.name.split(".", 1)[0] + ".expected.json")


def run_case(case: Path, options: dict[str, Any], *, reopen: bool = False) -> dict[str, Any]:
    name = f"devices/{case.name}"
    columns = parse_columns(options["columns"]) if "columns" in options else None
    scanner = Scanner(CATALOGUE, ownership=options.get("ownership"))
    with case.open("rb") as stream:
        try:
            scanner.add(
                read_inventory(
                    stream,
                    name=name,
                    format=options.get("format"),
                    columns=columns,
                    reopen=(lambda: case.open("rb")) if reopen else None,
                )
            )
        except InventoryError as exc:
            return {"error": str(exc), "line": exc.line}
    return scanner.result().to_dict()


@pytest.mark.parametrize("reopen", [False, True], ids=["once", "reopened-tiny-blocks"])
@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_golden(case: Path, reopen: bool) -> None:
    path = expected_path(case)
    expected = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    options = expected.get("options", {})
    if reopen:
        with sizes(64, 64, 16):
            got = run_case(case, options, reopen=True)
    else:
        got = run_case(case, options)
    if UPDATE and not reopen:
        keep = {"options": options} if options else {}
        if "error" in expected and "error" in got:
            got["error"] = expected["error"]  # keep the substring that is checked
        path.write_text(
            json.dumps({**keep, **got}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return
    assert path.exists(), f"no {path.name}; run with COMMSGOV_UPDATE_GOLDEN=1 and review it"
    if "error" in expected:
        assert "error" in got, f"expected a refusal, got {got.get('counts')}"
        assert expected["error"] in got["error"]
        assert got["error"].startswith(f"devices/{case.name}")  # the file is named
        assert got["line"] == expected.get("line")
        return
    assert "error" not in got, got.get("error")
    expected.pop("options", None)
    assert got == expected


def test_every_case_has_expected_output() -> None:
    missing = [c.name for c in cases() if not expected_path(c).exists()]
    assert not missing or UPDATE, f"cases without expected output: {missing}"


def test_refusals_and_shapes_are_all_covered() -> None:
    # each inventory shape the issue names has at least one golden case
    names = [c.name for c in cases()]
    for prefix in ("intune_raw", "intune_aggregate", "intune_per_device", "pm_list_plain",
                   "pm_list_f_i_versioncode", "pm_list_f_only", "jamf",
                   # ApplicationKey as an opaque key (the name must match) and as bundle ids
                   "intune_raw_applicationkey_opaque", "intune_raw_applicationkey_bundle_ids",
                   "intune_per_device_applicationid_and_opaque_key"):  # fmt: skip
        assert any(n.startswith(prefix) for n in names), prefix
    assert sum(n.split(".")[0].endswith("_refused") for n in names) >= 8

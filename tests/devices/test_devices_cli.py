"""`commsgov devices scan` and `devices blocklist` from the outside: outputs, exit codes, and
bad input refused with its file and line and no traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commsgov.cli.main import app
from commsgov.devices import BLOCKLIST_FORMATS

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "devices"


def run(*args: str | Path) -> tuple[int, str, str]:
    # wide enough that Rich does not wrap table cells or the quoted rule
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    return result.exit_code, result.stdout, result.stderr


def test_non_compliant_device_exits_1_with_table_user_and_action() -> None:
    code, out, _ = run("devices", "scan", DATA / "intune_raw_mixed_platforms.csv", "--ownership",
                       "corporate")  # fmt: skip
    assert code == 1
    assert "ann.smith@gov.scot" in out and "non-compliant" in out
    assert "[unconfirmed id]" in out  # Telegram X's package is unconfirmed
    assert "It will not be possible to download or retain mobile messaging" in out
    assert "cannot prove" in out


def test_clean_complete_inventory_exits_0() -> None:
    code, out, _ = run("devices", "scan", DATA / "pm_list_clean_personal_phone.txt")
    assert code == 0, out
    assert "1 compliant" in out


def test_byod_clean_device_is_not_known_and_said_so() -> None:
    code, out, _ = run("devices", "scan", DATA / "intune_with_ownership_column.csv", "--json")
    data = json.loads(out)
    assert code == 1
    statuses = {d["device_id"]: d["status"] for d in data["devices"]}
    assert statuses["p-2"] == "not-known" and "p-2" not in [
        d["device_id"] for d in data["devices"] if d["status"] == "compliant"
    ]
    assert any("BYOD" in note for note in data["cannot_prove"])


def test_json_and_csv_agree() -> None:
    path = DATA / "intune_raw_mixed_platforms.csv"
    _, out_json, _ = run("devices", "scan", path, "--ownership", "corporate", "--json")
    code, out_csv, _ = run("devices", "scan", path, "--ownership", "corporate", "--csv")
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(out_csv)))
    from_json = {
        (d["device_id"], a["app"]) for d in json.loads(out_json)["devices"] for a in d["apps"]
    }
    assert {(r["device_id"], r["app"]) for r in rows} == from_json
    assert {r["identifier_confirmed"] for r in rows} == {"true", "false", ""}


def test_generic_csv_needs_and_uses_columns() -> None:
    path = DATA / "jamf_applications_report.csv"
    code, _, err = run("devices", "scan", path)
    assert code == 2 and "jamf_applications_report.csv:1" in err
    columns = "device=Serial Number,app-id=Application Bundle ID"
    code, out, _ = run("devices", "scan", path, "--json", "--ownership", "corporate",
                       "--columns", columns)  # fmt: skip
    assert code == 1 and json.loads(out)["counts"]["non-compliant"] == 2


@pytest.mark.parametrize(
    "case", sorted(p.name for p in DATA.glob("*_refused.*") if "expected" not in p.name)
)
def test_bad_inventory_exits_2_naming_file_and_line(case: str) -> None:
    expected = json.loads((DATA / f"{case.split('.')[0]}.expected.json").read_text())
    extra = ["--columns", expected["options"]["columns"]] if "options" in expected else []
    code, out, err = run("devices", "scan", DATA / case, *extra)
    assert code == 2
    assert out == ""  # nothing half-written
    assert f"{case}:{expected['line']}: " in err and expected["error"] in err
    assert "Traceback" not in err


def test_missing_file_and_bad_mapping_exit_2() -> None:
    code, _, err = run("devices", "scan", DATA / "no-such-file.csv")
    assert code == 2 and "no-such-file.csv: cannot read" in err
    code, _, err = run("devices", "scan", DATA / "jamf_applications_report.csv", "--columns", "x=y")
    assert code == 2 and "--columns: unknown field 'x'" in err


@pytest.mark.parametrize("fmt", BLOCKLIST_FORMATS)
def test_every_blocklist_format_marks_unconfirmed(fmt: str, tmp_path: Path) -> None:
    code, out, err = run("devices", "blocklist", "--format", fmt)
    assert code == 0
    if fmt == "json":
        idents = [i for a in json.loads(out)["apps"] for i in a["identifiers"]]
        assert any(i["confirmed"] is False and i["source"] is None for i in idents)
        assert all(i["confirmed"] is (i["source"] is not None) for i in idents)
    elif fmt.startswith("intune-"):
        rows = list(csv.reader(io.StringIO(out)))
        assert rows and all(len(r) == 3 for r in rows)
        if fmt == "intune-android":
            assert all(
                r[0].startswith("https://play.google.com/store/apps/details?id=") for r in rows
            )
        if fmt == "intune-ios":
            assert all(r[0].startswith("https://apps.apple.com/") for r in rows)
            assert any(r[1].endswith("[unconfirmed]") for r in rows)
        if fmt == "intune-macos":
            assert ["org.whispersystems.signal-desktop", "Signal Private Messenger",
                    "Signal Messenger, LLC"] in rows  # fmt: skip
    else:
        lines = out.splitlines()
        assert any(line.startswith("# unconfirmed: ") for line in lines)
        assert "net.whatsapp.WhatsApp" in lines or "com.whatsapp" in lines
    assert "unconfirmed, marked" in err
    target = tmp_path / "list.txt"
    assert run("devices", "blocklist", "--format", fmt, "-o", target)[0] == 0
    assert target.read_text(encoding="utf-8") == out

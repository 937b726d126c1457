"""`commsgov advise`, `matrix`, `scenarios`, `channels` and `pack` from the outside."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commsgov import advise
from commsgov.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack" / "pack.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (["-s", "logistics", "-c", "whatsapp"], {"scenario": "logistics", "channel": "whatsapp"}),
        (["-s", "logistics", "-c", "whatsapp", "--outage"],
         {"scenario": "logistics", "channel": "whatsapp", "outage": True}),
        (["-s", "external-day-to-day", "-c", "teams-chat", "--external", "--federated"],
         {"scenario": "external-day-to-day", "channel": "teams-chat", "external": True,
          "federated": True}),
        (["-s", "working-abroad", "-c", "email", "--abroad", "--country-risk", "at-risk"],
         {"scenario": "working-abroad", "channel": "email", "abroad": True,
          "country_risk": "at-risk"}),
        (["-s", "logistics", "-c", "corporate-phone", "--device", "personal"],
         {"scenario": "logistics", "channel": "corporate-phone", "device": "personal"}),
        (["-s", "logistics"], {"scenario": "logistics"}),
    ],
)  # fmt: skip
def test_json_equals_python_api(args: list[str], kwargs: dict[str, object]) -> None:
    code, out, _ = run("advise", *args, "--json")
    assert code == 0
    assert json.loads(out) == advise(**kwargs).to_dict()  # type: ignore[arg-type]


def test_json_has_the_documented_fields() -> None:
    code, out, _ = run("advise", "-s", "logistics", "-c", "signal", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("scenario", "channel", "verdict", "conditions", "duties", "alternatives"):
        assert key in data
    assert data["verdict"] == "not-allowed"
    assert all(set(c) == {"document", "quote"} for c in data["citations"])
    _code, out, _ = run("advise", "-s", "logistics", "--json")
    data = json.loads(out)
    assert data["scenario"] == "logistics"
    assert data["channels"]["teams-channel"]["verdict"] == "not-allowed"


def test_human_output_is_a_panel_with_sources() -> None:
    code, out, _ = run("advise", "-s", "external-day-to-day", "-c", "teams-chat")
    assert code == 0
    assert "Conditional" in out and "Sources" in out and "federated" in out


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["-s", "logistic", "-c", "email"], "logistics"),
        (["-s", "logistics", "-c", "emial"], "email"),
    ],
)
def test_unknown_ids_exit_2_with_suggestions(args: list[str], suggestion: str) -> None:
    code, out, err = run("advise", *args)
    assert code == 2
    assert f"Did you mean {suggestion}" in err
    assert "Traceback" not in err + out


def test_missing_scenario_without_a_terminal_exits_2() -> None:
    code, _, err = run("advise")
    assert code == 2
    assert "--scenario" in err


def test_matrix_json_and_csv() -> None:
    code, out, _ = run("matrix", "--json")
    data = json.loads(out)
    assert data["columns"][0] == "corporate-phone"
    assert len(data["scenarios"]) == 18
    assert data["scenarios"][1]["cells"]["teams-chat"] == "Y**"
    code, out, _ = run("matrix", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 18
    assert rows[12]["scenario"] == "urgent-technical-out-of-hours" and rows[12]["ifix"] == "Y"
    code, out, _ = run("matrix")
    assert code == 0 and "ifix" in out and "guest access" in out


def test_scenarios_and_channels() -> None:
    code, out, _ = run("scenarios", "--json")
    assert code == 0
    assert [s["id"] for s in json.loads(out)][:2] == ["internal-day-to-day", "external-day-to-day"]
    _code, out, _ = run("channels", "--json")
    channels = {c["id"]: c for c in json.loads(out)}
    assert channels["other-mma"]["catch_all"] is True
    assert "whatsapp business" in channels["whatsapp"]["aliases"]


def test_pack_option_on_every_policy_command() -> None:
    for command in (["advise", "-s", "casework", "-c", "slack", "--json"], ["matrix", "--json"],
                    ["scenarios", "--json"], ["channels", "--json"]):  # fmt: skip
        code, out, err = run(*command, "--pack", str(EXAMPLE))
        assert code == 0, err
        assert "casework" in out or "slack" in out


def test_pack_validate(tmp_path: Path) -> None:
    code, out, _ = run("pack", "validate", str(EXAMPLE), "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    bad = tmp_path / "pack.yaml"
    bad.write_text(EXAMPLE.read_text().replace("kind: corporate", "kind: pigeon", 1))
    code, out, err = run("pack", "validate", str(bad))
    assert code == 1
    assert f"{bad}:" in err and "channels.0.kind" in err
    code, out, _ = run("advise", "-s", "casework", "--pack", str(bad))
    assert code == 1


def test_schema_in_docs_is_current() -> None:
    _code, out, _ = run("pack", "schema")
    docs = Path(__file__).resolve().parents[2] / "docs" / "policy-pack.schema.json"
    assert json.loads(out) == json.loads(docs.read_text()), "regenerate: commsgov pack schema"


# What keeps `commsgov advise` quick (its startup time is measured in benchmarks/bench_policy.py,
# not asserted here, where a loaded machine would make a timed test flaky): with the compiled pack
# cached, answering imports none of the heavy libraries.
_HEAVY = {
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "alembic",
    "yaml",
    "rich",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "httpx",
    "rapidfuzz",
}
_PROBE = """
import contextlib, io, json, runpy, sys
sys.argv = ["commsgov", "advise", "-s", "logistics", "-c", "sms", "--json"]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_module("commsgov", run_name="__main__")
    except SystemExit:
        pass
print(json.dumps({"answer": json.loads(out.getvalue()), "modules": sorted(sys.modules)}))
"""


def test_advise_imports_no_heavy_library_once_the_pack_is_cached(tmp_path: Path) -> None:
    env = {**os.environ, "COMMSGOV_CACHE_DIR": str(tmp_path)}
    exe = [sys.executable, "-c", _PROBE]
    subprocess.run(exe, capture_output=True, text=True, env=env, check=True)  # fills the cache
    second = json.loads(
        subprocess.run(exe, capture_output=True, text=True, env=env, check=True).stdout
    )
    assert second["answer"]["channel"] == "corporate-phone"
    loaded = {name.split(".")[0] for name in second["modules"]}
    assert loaded & _HEAVY == set()

"""The advisor over HTTP answers exactly what the command line answers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from commsgov.cli.main import app as cli

from .conftest import Api


def _cli(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_advise_matrix_scenarios_channels_match_the_cli(api: Api) -> None:
    client, _ = api.session("ann", "staff")
    advice = client.get(
        "/api/v1/advise",
        params={"scenario": "logistics", "channel": "whatsapp", "outage": "true"},
    )
    assert advice.status_code == 200
    assert advice.json() == _cli(
        "advise", "-s", "logistics", "-c", "whatsapp", "--outage", "--json"
    )
    assert advice.json()["verdict"] == "conditional"
    every = client.get("/api/v1/advise", params={"scenario": "logistics"}).json()
    assert every == _cli("advise", "-s", "logistics", "--json")
    for name in ("matrix", "scenarios", "channels"):
        assert client.get(f"/api/v1/{name}").json() == _cli(name, "--json"), name

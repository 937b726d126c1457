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


def test_ask_matches_the_cli_for_every_kind_of_answer(api: Api) -> None:
    client, csrf = api.session("ann", "staff")
    kinds = set()
    for question in (
        "Can I WhatsApp a colleague that I will be late for the meeting?",
        "SCOTS is down, can I use Signal to tell my team?",
        "How long must I keep messages?",
        "What is the weather like?",
        "Which app can I use to talk to a stakeholder?",
    ):
        served = client.post("/api/v1/ask", json={"question": question},
                             headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert served.status_code == 200, served.text
        assert served.json() == _cli("ask", question, "--json"), question
        assert "_dict" not in served.json()
        kinds.add(served.json()["kind"])
    assert len(kinds) >= 3, kinds  # the comparison covers more than one shape of answer


def test_advice_types_are_the_documented_response_models(api: Api) -> None:
    """The OpenAPI document describes the advisor's own dataclasses, not copies of them."""
    doc = api.app.openapi()
    names = set(doc["components"]["schemas"])
    assert {"Advice", "AdviceSet", "Answer", "Understood", "Choice", "Cite"} <= names
    assert "_dict" not in doc["components"]["schemas"]["Advice"]["properties"]
    assert "Citation" not in names

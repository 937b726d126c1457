"""Another organisation's pack (docs/example-pack): its own phrases, topics and questions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import commsgov
from commsgov.cli.main import app
from commsgov.policy.cache import compiled_pack
from commsgov.policy.compiled import CompiledPack
from commsgov.policy.validate import check_pack_file

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack" / "pack.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def pack() -> CompiledPack:
    return compiled_pack(EXAMPLE)


def test_the_example_pack_and_its_questions_validate() -> None:
    assert check_pack_file(EXAMPLE)["scenarios"] == 3  # raises if a question is mislabelled


def test_its_own_channel_phrases(pack: CompiledPack) -> None:
    answer = commsgov.ask("a journalist wants a comment, can I drop an email to them?", pack=pack)
    assert (answer.scenario, answer.channel) == ("press-enquiry", "email")
    assert answer.verdict == "allowed"
    assert answer.understood.channel_words == "drop an email"
    answer = commsgov.ask("can I DM on Slack a reporter who rang?", pack=pack)
    assert (answer.scenario, answer.channel, answer.verdict) == (
        "press-enquiry", "slack", "not-allowed"
    )  # fmt: skip
    assert answer.alternatives == ("email",)


def test_its_own_phone_in_its_star_scenario(pack: CompiledPack) -> None:
    # Allowed when checking on a lone worker, not otherwise: the pack's few dozen questions
    # make it sure enough of the lone-worker check to answer, the others as runners-up...
    from dataclasses import replace

    from commsgov.asking import _parts
    from commsgov.asking.answer import THRESHOLDS, answer_question

    question = "my colleague is alone on a home visit, can I text her from my own phone?"
    answer = commsgov.ask(question, pack=pack)
    assert (answer.kind, answer.channel, answer.verdict) == ("verdict", "own-phone", "allowed")
    assert answer.scenario == "lone-worker-check"
    assert {c.verdict for c in answer.runners_up} == {"not-allowed"}
    # ...and with less room for a not-allowed reading, it asks, the lone-worker check first
    lexicon, classifier = _parts(pack)
    strict = replace(THRESHOLDS, restrictive_max=0.01)
    answer = answer_question(question, pack=pack, lexicon=lexicon, classifier=classifier,
                             thresholds=strict)  # fmt: skip
    assert (answer.kind, answer.channel, answer.verdict) == ("choices", "own-phone", None)
    first = answer.choices[0]
    assert (first.scenario, first.verdict) == ("lone-worker-check", "allowed")
    assert {c.verdict for c in answer.choices[1:]} == {"not-allowed"}


def test_its_own_outage_rule(pack: CompiledPack) -> None:
    answer = commsgov.ask("the council network is down, can we use Threema?", pack=pack)
    assert (answer.channel, answer.verdict) == ("threema", "conditional")
    assert any("date, time and method" in c.quote for c in answer.citations)


def test_its_topics_answer_with_its_quotes(pack: CompiledPack) -> None:
    answer = commsgov.ask("how long does Slack keep messages?", pack=pack)
    assert (answer.kind, answer.topic, answer.verdict) == ("topic", "retention", None)
    assert answer.citations[0].quote == "Slack messages are kept for 90 days."
    assert all(c.document == "handbook.txt" for c in answer.citations)


def test_off_topic_names_its_organisation(pack: CompiledPack) -> None:
    answer = commsgov.ask("what's the capital of France?", pack=pack)
    assert (answer.kind, answer.verdict) == ("help", None)
    assert "Northshire Council" in (answer.answer or "")


def test_the_command_line_with_the_pack() -> None:
    question = "can I slack a colleague about a tenant's repair"
    result = runner.invoke(app, ["ask", question, "--json", "--pack", str(EXAMPLE)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["scenario"], data["channel"], data["verdict"]) == ("casework", "slack", "allowed")


def test_a_pack_without_a_questions_file_still_answers(tmp_path: Path) -> None:
    # Only the pack: scenario titles and descriptions, channel names and aliases.
    shutil.copytree(EXAMPLE.parent, tmp_path / "pack")
    file = tmp_path / "pack" / "pack.yaml"
    text = file.read_text(encoding="utf-8")
    file.write_text(text[: text.index("\n# How `commsgov ask`")] + "\n", encoding="utf-8")
    answer = commsgov.ask("Is WhatsApp allowed for routine casework?", pack=compiled_pack(file))
    assert (answer.channel, answer.verdict) == ("whatsapp", "not-allowed")

"""The compiled pack: its cache round trip, the memo of advise, retention compiled with it, and
no import loop between the compiled pack and its cache."""

from __future__ import annotations

import ast
from pathlib import Path

from commsgov.policy import cache, compiled
from commsgov.policy.advice import advise
from commsgov.policy.cache import compiled_pack, from_json, to_json

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack" / "pack.yaml"


def test_compiled_pack_does_not_import_its_cache() -> None:
    tree = ast.parse(Path(compiled.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert "cache" not in imported and "commsgov.policy.cache" not in imported
    assert "compiled" in {
        n.module
        for n in ast.walk(ast.parse(Path(cache.__file__).read_text()))
        if isinstance(n, ast.ImportFrom)
    }


def test_advise_remembers_answers_under_a_compiled_pack() -> None:
    # the command line passes a compiled pack: the memo must fire on that path too
    pack = compiled_pack(EXAMPLE)
    first = advise(scenario="casework", channel="slack", pack=pack)
    assert advise(scenario="casework", channel="slack", pack=pack) is first
    assert advise(scenario="casework", channel="slack", pack=EXAMPLE) is first
    other = from_json(to_json(pack), source=str(EXAMPLE))
    again = advise(scenario="casework", channel="slack", pack=other)
    assert again is not first and again == first  # a memo per pack, the same answer


def test_retention_schedules_are_compiled_with_the_pack() -> None:
    from commsgov.retention import schedules_from_pack

    fresh = from_json(to_json(compiled_pack()), source=None)  # as a later process reads it
    schedules = schedules_from_pack(fresh.retention)
    assert fresh._model == []  # no YAML or Pydantic model was loaded for them
    assert schedules["teams-chat"].label == "Teams chat"
    assert str(schedules["teams-chat"].period) == "P5D"
    assert schedules["captured-record"].period is None
    model = {r.id: r for r in compiled_pack().model.retention}
    for schedule in schedules.values():
        source = model[schedule.id]
        assert (schedule.action, schedule.trigger, schedule.mandate) == (
            source.action,
            source.trigger,
            source.mandate,
        )
        assert [d for d, _ in schedule.citations] == [c.document for c in source.cite]


def test_labels_come_from_the_pack() -> None:
    example = compiled_pack(EXAMPLE)
    assert {r.id: r.label for r in example.retention} == {"slack": "Slack message"}

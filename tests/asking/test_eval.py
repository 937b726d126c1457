"""The evaluation's own rules: held-out questions are never learned from, and its folds."""

from __future__ import annotations

import pytest
from benchmarks import ask_eval

from commsgov.asking.text import words


def _said(text: str) -> str:
    return " ".join(words(text))


def test_the_training_questions_are_each_asked_once() -> None:
    said = [_said(q["q"]) for q in ask_eval.training()]
    assert len(said) > 1000
    assert len(set(said)) == len(said), [s for s in set(said) if said.count(s) > 1]


def test_no_held_out_question_is_learned_from() -> None:
    # Every held-out file in the repository, whichever there are (the one the full report
    # reads may not have arrived): none of its questions is a training question.
    training = {_said(q["q"]) for q in ask_eval.training()}
    files = sorted(ask_eval.HELD_OUT.parent.glob("ask_heldout*.yaml"))
    for path in files:
        held = {_said(q["q"]) for q in ask_eval.held_out(path)}
        assert held and not held & training, path.name
    # the sets read before were moved into training, so they are no longer held out
    names = {p.name for p in files}
    assert not {"ask_heldout_2.yaml", "ask_heldout_3.yaml"} & names
    assert ask_eval.HELD_OUT.name == "ask_heldout_4.yaml"


def test_a_missing_held_out_file_stops_the_report_with_a_message() -> None:
    missing = ask_eval.ROOT / "benchmarks" / "data" / "no-such-set.yaml"
    with pytest.raises(ask_eval.MissingHeldOut) as raised:
        ask_eval.held_out(missing)
    message = str(raised.value)
    assert "no-such-set.yaml" in message and "missing" in message and "--cv" in message


def test_grouped_folds_keep_near_paraphrases_together() -> None:
    questions = [
        {"q": "my train is late, can I WhatsApp my manager", "scenario": "logistics"},
        {"q": "my train is running late, can I WhatsApp my manager?", "scenario": "logistics"},
        {"q": "the train is late so can I WhatsApp the manager", "scenario": "logistics"},
    ] + [
        {"q": text, "scenario": "logistics"}
        for text in (
            "room moved?",
            "tell everyone the venue changed by email",
            "taxi waiting outside, signal ok",
            "ferry cancelled so I'll miss it - text the chair from my own phone",
            "can I organise car sharing to the away day on Teams",
            "bus broke down",
        )
    ]
    folds = ask_eval.group_folds(questions)
    first = folds[questions[0]["q"]]
    assert folds[questions[1]["q"]] == folds[questions[2]["q"]] == first
    assert set(folds) == {q["q"] for q in questions}
    assert all(0 <= k < ask_eval.FOLDS for k in folds.values())
    # unrelated questions are spread over more than one fold
    assert len({folds[q["q"]] for q in questions[3:]}) > 1


def test_grouped_folds_of_unlike_questions_are_the_hash_folds() -> None:
    questions = [
        {"q": "is Signal allowed with stakeholders", "scenario": "external-day-to-day"},
        {"q": "what happens if I break the rules", "topic": "breach"},
    ]
    folds = ask_eval.group_folds(questions)
    assert folds == {q["q"]: ask_eval.fold_of(q["q"]) for q in questions}

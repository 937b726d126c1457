"""The classifier's training: labels taught by few questions count as much as the others."""

from __future__ import annotations

from commsgov.asking.classifier import fit


def _docs() -> tuple[list[list[str]], list[str]]:
    # "many" is taught by twenty questions, "few" by two; "shared" is in both
    docs = [["shared", f"word{i}"] for i in range(20)] + [["shared", "rare"], ["shared", "rare"]]
    return docs, ["many"] * 20 + ["few"] * 2


def test_balanced_training_gives_a_rare_label_its_weight() -> None:
    docs, labels = _docs()
    balanced = dict(fit(docs, labels).predict(["shared"]))
    plain = dict(fit(docs, labels, balanced=False).predict(["shared"]))
    # a question with only the shared word: the plain fit follows the counts, the balanced
    # one gives the rare label far more of a chance
    assert plain["many"] > 0.8
    assert balanced["few"] > 2 * plain["few"]


def test_the_rare_label_is_still_read_from_its_own_words() -> None:
    docs, labels = _docs()
    assert fit(docs, labels).predict(["shared", "rare"])[0][0] == "few"
    assert fit(docs, labels).predict(["word3"])[0][0] == "many"

"""A small text classifier whose parameters are plain data: multinomial logistic regression.

Features are strings (words, cue names); a question's vector weighs each by its inverse
document frequency and is scaled to unit length (TF-IDF). Training is stochastic gradient
descent in pure Python: a few hundred questions train in about a second, so the default install
needs neither scikit-learn nor numpy (``benchmarks/ask_eval.py`` compares the result with
scikit-learn's ``LogisticRegression`` on the same features). Answering is a sparse dot product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: what the parameters were made by; a change retrains every cached classifier
VERSION = 2


@dataclass(frozen=True, slots=True)
class Classifier:
    """Fitted parameters: labels, feature weights (one per label) and inverse document
    frequencies."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    idf: dict[str, float]

    def spelled(self, features: Sequence[str]) -> list[str]:
        """The features with a misspelt word replaced by the known word it is one slip from
        (two for words of eight letters or more): "collegue" counts as "colleague".

        >>> model = fit([["colleague", "late"], ["wifi", "down"]], ["logistics", "technical"])
        >>> model.spelled(["collegue", "late", "zzzzzz"])
        ['colleague', 'late', 'zzzzzz']
        """
        found = []
        for f in features:
            if f not in self.idf and len(f) >= 5 and f.isalpha():
                f = _closest_word(f, self._words()) or f
            found.append(f)
        return found

    def _words(self) -> list[str]:
        words: list[str] | None = _WORDS.get(id(self))
        if words is None or _WORDS_OF.get(id(self)) is not self:
            words = [f for f in self.idf if len(f) >= 4 and f.isalpha()]
            _WORDS[id(self)] = words
            _WORDS_OF[id(self)] = self
        return words

    def vector(self, features: Sequence[str]) -> dict[str, float]:
        """The TF-IDF vector of a question's features (unknown features are dropped)."""
        seen = {f: self.idf[f] for f in features if f in self.idf}
        norm = math.sqrt(sum(v * v for v in seen.values())) or 1.0
        return {f: v / norm for f, v in seen.items()}

    def predict(self, features: Sequence[str]) -> list[tuple[str, float]]:
        """Labels with their probabilities, most likely first.

        >>> model = fit([["late", "train"], ["wifi", "down"]], ["logistics", "technical"])
        >>> model.predict(["train"])[0][0]
        'logistics'
        """
        scores = list(self.bias)
        for f, x in self.vector(features).items():
            for k, w in enumerate(self.weights[f]):
                scores[k] += x * w
        probs = _softmax(scores)
        return sorted(zip(self.labels, probs, strict=True), key=lambda lp: -lp[1])

    def to_json(self) -> dict[str, Any]:
        """Plain data for the compiled-pack cache."""
        return {
            "version": VERSION,
            "labels": list(self.labels),
            "bias": list(self.bias),
            "weights": {f: list(w) for f, w in self.weights.items()},
            "idf": self.idf,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Classifier:
        """Rebuild from :meth:`to_json` output."""
        if data.get("version") != VERSION:
            raise ValueError("classifier parameters of another version")
        return cls(
            labels=tuple(data["labels"]),
            bias=tuple(data["bias"]),
            weights={f: tuple(w) for f, w in data["weights"].items()},
            idf=data["idf"],
        )


#: each classifier's plain-word features, for spelling (a frozen dataclass cannot hold them)
_WORDS: dict[int, list[str]] = {}
_WORDS_OF: dict[int, Classifier] = {}


def _closest_word(word: str, choices: list[str]) -> str | None:
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    slips = 2 if len(word) >= 8 else 1
    found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=slips)
    return found[0] if found is not None else None


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def fit(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    c: float = 30.0,
    epochs: int = 30,
    seed: int = 0,
) -> Classifier:
    """Fit the classifier by SGD on the regularised log loss (``c``: as scikit-learn's ``C``).

    Deterministic: the same documents, labels and seed give the same parameters.

    >>> model = fit([["a"], ["b"], ["a", "c"]], ["x", "y", "x"])
    >>> model.labels, model.predict(["c"])[0][0]
    (('x', 'y'), 'x')
    """
    import random  # only training needs it (its import is not free)

    names = tuple(sorted(set(labels)))
    index = {name: k for k, name in enumerate(names)}
    n = len(docs)
    df: dict[str, int] = {}
    for doc in docs:
        for f in set(doc):
            df[f] = df.get(f, 0) + 1
    idf = {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items()}
    probe = Classifier(names, (0.0,) * len(names), {}, idf)
    rows = [
        (list(probe.vector(doc).items()), index[label])
        for doc, label in zip(docs, labels, strict=True)
    ]
    k_count = len(names)
    weights: dict[str, list[float]] = {f: [0.0] * k_count for f in idf}
    # L2 spread over each feature's rows, so that every step shrinks a weight by the same share
    shrinks = {f: 1.0 / (c * max(1, df[f])) for f in idf}
    bias = [0.0] * k_count
    rng = random.Random(seed)
    order = list(range(n))
    step = 0
    exp = math.exp
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            x, y = rows[i]
            rate = 1.0 / (1.0 + 0.05 * step / n)  # decays over the epochs
            step += 1
            scores = bias
            for f, v in x:
                scores = [s + v * w for s, w in zip(scores, weights[f], strict=True)]
            top = max(scores)
            exps = [exp(s - top) for s in scores]
            total = sum(exps)
            grad = [e / total for e in exps]
            grad[y] -= 1.0  # the gradient of the log loss with respect to the scores
            for f, v in x:
                keep = 1.0 - rate * shrinks[f]
                rv = rate * v
                weights[f] = [w * keep - rv * g for w, g in zip(weights[f], grad, strict=True)]
            bias = [b - rate * g for b, g in zip(bias, grad, strict=True)]
    return Classifier(
        labels=names,
        bias=tuple(round(b, 5) for b in bias),
        weights={f: tuple(round(w, 5) for w in ws) for f, ws in weights.items()},
        idf={f: round(v, 5) for f, v in idf.items()},
    )

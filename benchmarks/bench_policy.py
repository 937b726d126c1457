"""commsgov.advise against AWS Cedar (cedarpy) on the same approved-channels matrix.

The Cedar policy set is generated from the same policy pack: one ``permit`` per allowed cell,
``**`` cells permitted when the organisation is federated, personal phones in ``*`` scenarios,
and any channel during an outage or transition period. Cedar gets its best case: policies and
entities parsed once (``PolicySet``/``Entities`` handles), as its documentation recommends.
Cedar answers allow/deny only; commsgov's answer carries verdict, conditions, duties,
alternatives and citations.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

TITLE = "Policy decisions: commsgov.advise vs AWS Cedar (cedarpy)"


def cedar_policies() -> str:
    """The matrix of the bundled pack, written as a Cedar policy set."""
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    out: list[str] = []
    for scenario in pack.scenarios.values():
        for column in pack.columns:
            cell = scenario.cells[column]
            if cell == "Y":
                cond = f'context.scenario == "{scenario.id}"'
            elif cell.startswith("Y"):
                cond = f'context.scenario == "{scenario.id}" && context.federated'
            else:
                continue
            out.append(
                f'permit(principal, action == Action::"use", resource == Channel::"{column}")'
                f" when {{ {cond} }};"
            )
    starred = [s.id for s in pack.scenarios.values() if "*" in s.marks]
    for channel in pack.channels.values():
        if channel.kind == "personal":
            ids = ", ".join(f'"{s}"' for s in starred)
            out.append(
                f'permit(principal, action == Action::"use", resource == Channel::"{channel.id}")'
                f" when {{ [{ids}].contains(context.scenario) }};"
            )
    out.append(
        'permit(principal, action == Action::"use", resource)'
        " when { context.outage || context.exemption };"
    )
    return "\n".join(out)


def requests() -> list[dict[str, Any]]:
    """Every scenario x channel x outage x federated combination."""
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    found = []
    for scenario, channel, outage, federated in itertools.product(
        pack.scenarios, pack.channels, (False, True), (False, True)
    ):
        found.append(
            {"scenario": scenario, "channel": channel, "outage": outage, "federated": federated}
        )
    return found


def _rate(fn: Callable[[], int], seconds: float) -> float:
    """Operations per second of ``fn`` (which returns how many it did), best of 5 rounds."""
    best = 0.0
    for _ in range(5):
        done = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            done += fn()
        best = max(best, done / (time.perf_counter() - start))
    return best


def _cli_times(runs: int, env: dict[str, str]) -> list[float]:
    command = [sys.executable, "-m", "commsgov", "advise", "-s", "logistics", "-c", "whatsapp"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*command, "--json"], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def run(quick: bool = False) -> str:
    import cedarpy

    from commsgov import advise
    from commsgov.policy.advice import Situation, decide
    from commsgov.policy.cache import compiled_pack

    pack = compiled_pack()
    reqs = requests()
    policies = cedarpy.PolicySet.from_str(cedar_policies())
    entities = cedarpy.Entities.from_json_str("[]")
    cedar_reqs = [
        {
            "principal": 'User::"staff"',
            "action": 'Action::"use"',
            "resource": f'Channel::"{r["channel"]}"',
            "context": {
                "scenario": r["scenario"],
                "outage": r["outage"],
                "federated": r["federated"],
                "exemption": False,
            },
        }
        for r in reqs
    ]
    # The two engines must agree on allow/deny before their speed means anything.
    disagreements = 0
    for r, c in zip(reqs, cedar_reqs, strict=True):
        ours = advise(**r)
        theirs = cedarpy.is_authorized(c, policies, entities).allowed
        permitted = ours.verdict == "allowed" or (  # type: ignore[union-attr]
            ours.verdict == "conditional" and (r["outage"] or r["federated"])  # type: ignore[union-attr]
        )
        if ours.channel == "social-media":  # type: ignore[union-attr]
            continue  # referred to another policy: Cedar has no such answer
        disagreements += permitted != theirs
    seconds = 1.0 if quick else 5.0
    n = len(reqs)
    situations = [Situation(**r) for r in reqs]

    cycle_c = itertools.cycle(cedar_reqs)
    cedar_single = _rate(
        lambda: (
            [cedarpy.is_authorized(next(cycle_c), policies, entities) for _ in range(100)] and 100
        ),
        seconds,
    )
    cedar_batch = _rate(
        lambda: len(cedarpy.is_authorized_batch(cedar_reqs, policies, entities)), seconds
    )
    cycle_r = itertools.cycle(reqs)
    ours_single = _rate(lambda: [advise(**next(cycle_r)) for _ in range(1000)] and 1000, seconds)
    ours_batch = _rate(lambda: len([advise(**r) for r in reqs]), seconds)
    ours_cold = _rate(lambda: len([decide(s, pack=pack) for s in situations]), seconds)

    env = {**os.environ}
    with tempfile.TemporaryDirectory() as cache:
        env["COMMSGOV_CACHE_DIR"] = cache
        cold_cli = _cli_times(1, env)[0]
        cli = _cli_times(5 if quick else 20, env)
    cli_median = statistics.median(cli)
    cli_best = min(cli)

    def us(rate: float) -> str:
        return f"{1e6 / rate:.2f} µs"

    rows = [
        ("Single decision, cedarpy `is_authorized`", cedar_single, 1.0),
        (
            "Single decision, `commsgov.advise` (full answer)",
            ours_single,
            ours_single / cedar_single,
        ),
        ("Single decision, `decide` uncached (full answer)", ours_cold, ours_cold / cedar_single),
        ("Batch, cedarpy `is_authorized_batch`", cedar_batch, cedar_batch / cedar_single),
        ("Batch, `commsgov.advise` over the batch", ours_batch, ours_batch / cedar_single),
    ]
    lines = [
        f"{n} requests (every scenario x channel x outage x federated), cycled; allow/deny "
        f"disagreements between the engines: **{disagreements}**.",
        "",
        "| engine | decisions/s | per decision | ratio to Cedar single |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, rate, ratio in rows:
        lines.append(f"| {name} | {rate:,.0f} | {us(rate)} | {ratio:.1f}x |")
    goal = ours_single / cedar_single
    lines += [
        "",
        f"Goal: `commsgov.advise` ≥ 30x Cedar's single-decision throughput: **{goal:.0f}x**"
        f" ({'met' if goal >= 30 else 'NOT met'}). `advise` memoises its pure answer; the"
        f" uncached `decide` row is the cost of computing one from scratch"
        f" ({ours_cold / cedar_single:.1f}x Cedar).",
        "",
        f"CLI `commsgov advise -s logistics -c whatsapp --json`, wall time with Python startup:"
        f" median **{cli_median * 1000:.0f} ms**, best {cli_best * 1000:.0f} ms over {len(cli)}"
        f" runs; first run with an empty pack cache {cold_cli * 1000:.0f} ms"
        f" (goal < 200 ms: {'met' if cli_median < 0.2 else 'NOT met'}).",
    ]
    return "\n".join(lines)

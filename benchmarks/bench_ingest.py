"""Ingest: parse 200,000-message WhatsApp exports beside whatstk and chat-miner; ingest into SQLite.

The chats are generated with whatstk's own generator (``whatstk-generate-chat``), in an Android
(d/m/y, 24 h) and an iOS (m/d/y, 12 h, seconds, brackets) layout. Every parser runs in a fresh
child process (so peak memory is its own), three times in interleaved rounds; the fastest
run counts. whatstk detects the
header itself (``auto_header``); chat-miner infers its date format itself. The end-to-end figure
is ``services.ingest_file`` into a fresh SQLite database: parse, store the original file,
write the messages, their ledger entries and the search index, in one transaction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TITLE = "Ingest: WhatsApp parsing (vs whatstk, chat-miner) and end-to-end ingest into SQLite"
ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "commsgov-bench-ingest"
LAYOUTS = {
    "Android d/m/y 24 h": ("android-dmy", "%d/%m/%y, %H:%M - %name:"),
    "iOS m/d/y 12 h": ("ios-mdy", "[%m/%d/%y %I:%M:%S %p] %name:"),
}

# Each child prints one JSON line: messages, seconds, first/last time in file order, how many
# times the time goes backwards in file order (the generated chats never do), peak memory (MiB).
_CHILD = r"""
import json, logging, resource, sys, time
logging.disable(logging.CRITICAL)
tool, path = sys.argv[1], sys.argv[2]
if tool == "commsgov":
    from zoneinfo import ZoneInfo
    from commsgov.ingest import whatsapp
    tz = ZoneInfo("Europe/London")
    def run():
        with open(path, "rb") as stream:
            return whatsapp.parse(stream, tz=tz, name=path).messages
    def summary(msgs):
        back = sum(b.at < a.at for a, b in zip(msgs, msgs[1:]))
        return len(msgs), msgs[0].at.isoformat(), msgs[-1].at.isoformat(), back
elif tool == "whatstk":
    from whatstk import WhatsAppChat
    def run():
        return WhatsAppChat.from_source(filepath=path).df
    def summary(df):
        back = int((df["date"].diff().dt.total_seconds() < 0).sum())
        return len(df), str(df["date"].iloc[0]), str(df["date"].iloc[-1]), back
elif tool == "chat-miner":
    from chatminer.chatparsers import WhatsAppParser
    def run():
        parser = WhatsAppParser(path)
        parser.parse_file()
        return parser.parsed_messages.get_df(as_pandas=True)
    def summary(df):
        times = df["timestamp"].iloc[::-1].reset_index(drop=True)  # newest first: file order
        back = int((times.diff().dt.total_seconds() < 0).sum())
        return len(df), str(times.iloc[0]), str(times.iloc[-1]), back
elif tool == "ingest":
    import tempfile
    from pathlib import Path
    from commsgov import services as svc
    from commsgov.services.ingest import ingest_file
    def run():
        with tempfile.TemporaryDirectory() as tmp:
            store = svc.open_store(f"sqlite:///{tmp}/bench.db", blob_dir=Path(tmp) / "blobs")
            try:
                result = ingest_file(store, Path(path), tz="Europe/London",
                                     actor=svc.Actor.cli("bench"))
            finally:
                store.close()
        return result
    def summary(result):
        return result.new_messages, "", "", 0
def high_water_kib():
    # VmHWM starts afresh at exec; ru_maxrss keeps the parent's peak across it (Linux), which
    # reported the runner's own size when another benchmark ran in it first
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = high_water_kib()
start = time.perf_counter()
output = run()
seconds = time.perf_counter() - start
peak = high_water_kib()
count, first, last, back = summary(output)
print(json.dumps({"messages": count, "seconds": seconds, "first": first, "last": last,
                  "backwards": back, "peak_mib": peak / 1024,
                  "growth_mib": (peak - before) / 1024}))
"""


def _generate(size: int) -> dict[str, Path]:
    """Generate (once, cached) one chat per layout with ``whatstk-generate-chat``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = {}
    missing = []
    for label, (stem, hformat) in LAYOUTS.items():
        path = CACHE / f"{stem}-{size}.txt"
        out[label] = path
        if not path.exists():
            missing.append((path, hformat))
    if missing:
        tool = Path(sys.executable).with_name("whatstk-generate-chat")
        cmd = [str(tool), "-o", str(CACHE), "-s", str(size), "--last-timestamp", "2024-06-01"]
        cmd += ["-f", *(h for _, h in missing), "--filenames", *(p.name for p, _ in missing)]
        subprocess.run(cmd, check=True, capture_output=True)
    return out


def _measure(tool: str, path: Path, repeat: int) -> dict[str, float | str | int]:
    env = dict(os.environ, TQDM_DISABLE="1", PYTHONPATH=str(ROOT / "src"))
    best: dict[str, float | str | int] | None = None
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, tool, str(path)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def _dry_run_process(path: Path) -> float:
    """Wall seconds of the whole ``commsgov ingest --dry-run`` process, startup included."""
    import time

    tool = Path(sys.executable).with_name("commsgov")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    start = time.perf_counter()
    subprocess.run(
        [str(tool), "ingest", "--dry-run", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    return time.perf_counter() - start


def run(quick: bool) -> str:
    size = 20_000 if quick else 200_000
    repeat = 1 if quick else 3
    files = _generate(size)
    lines = [
        f"{size:,}-message chats from `whatstk-generate-chat` (random lorem text and emoji, "
        "timestamps spread back from 2024-06-01 over more than a century, so two-digit years "
        "repeat). Best of "
        f"{repeat} interleaved run(s), each in a fresh process; memory is the peak resident "
        "size of that process (and its growth during the parse).",
        "",
        "| layout | parser | messages | first → last time (file order) | time goes back "
        "| msg/s | vs whatstk | peak MiB (growth) |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    end_to_end = []
    spreads: dict[str, list[float]] = {}
    ratios: dict[str, float] = {}
    misread = 0  # commsgov's "time goes back", which must stay 0
    process: dict[str, tuple[float, float, list[float]]] = {}  # best dry run, best whatstk, ratios
    for label, path in files.items():
        # rounds interleave the parsers so that load from elsewhere hits them alike
        results: dict[str, dict[str, float | str | int]] = {}
        for _ in range(repeat):
            round_seconds = {}
            for tool in ("commsgov", "whatstk", "chat-miner"):
                r = _measure(tool, path, 1)
                round_seconds[tool] = float(r["seconds"])
                if tool not in results or float(r["seconds"]) < float(results[tool]["seconds"]):
                    results[tool] = r
            # the whole command (startup, detection, parse) against whatstk's parse alone
            dry = _dry_run_process(path)
            best_dry, best_whatstk, process_ratios = process.get(label, (dry, 1e9, []))
            process[label] = (
                min(best_dry, dry),
                min(best_whatstk, round_seconds["whatstk"]),
                [*process_ratios, round_seconds["whatstk"] / dry],
            )
            spreads.setdefault(label, []).append(
                round_seconds["whatstk"] / round_seconds["commsgov"]  # same message counts
            )
        base = float(results["whatstk"]["messages"]) / float(results["whatstk"]["seconds"])
        misread += int(results["commsgov"]["backwards"])
        ratios[label] = (
            float(results["commsgov"]["messages"]) / float(results["commsgov"]["seconds"]) / base
        )
        for tool, r in results.items():
            rate = float(r["messages"]) / float(r["seconds"])
            first, last = str(r["first"])[:16], str(r["last"])[:16]
            lines.append(
                f"| {label} | {tool} | {int(r['messages']):,} | {first} → {last} "
                f"| {int(r['backwards']):,} | {rate:,.0f} "
                f"| {rate / base:.1f}x | {float(r['peak_mib']):.0f} "
                f"({float(r['growth_mib']):.0f}) |"
            )
        e2e = _measure("ingest", path, 1)
        end_to_end.append(
            f"| {label} | {int(e2e['messages']):,} | {float(e2e['seconds']):.2f} s "
            f"| {float(e2e['messages']) / float(e2e['seconds']):,.0f} "
            f"| {float(e2e['peak_mib']):.0f} |"
        )
    lines += [
        "",
        "Ratio commsgov/whatstk within each round (the machine is shared, so it moves): "
        + "; ".join(f"{label} {min(r):.1f}x-{max(r):.1f}x" for label, r in spreads.items())
        + ".",
        "",
        "Goal: at least 10x whatstk's messages per second (best runs): "
        + ("**met**" if min(ratios.values()) >= 10 and not misread else "**not met**")
        + " ("
        + ", ".join(f"{label} {ratio:.1f}x" for label, ratio in ratios.items())
        + "). The generated chats are in chronological order, so *time goes back* counts "
        "misread timestamps: the chats span "
        "more than a century with two-digit years, and a parser that puts every year in one "
        "century goes back in time where the century turns.",
        "",
        "The whole process: `commsgov ingest --dry-run FILE` timed from outside (interpreter "
        "startup, imports, format detection and the parse; nothing written), against whatstk's "
        "parse alone (its import and startup not counted), in the same rounds. Goal: at least "
        "5x: "
        + ("**met**" if min(min(r) for _, _, r in process.values()) >= 5 else "**not met**")
        + ".",
        "",
        "| layout | `commsgov ingest --dry-run` (process) | whatstk parse | ratio (best) "
        "| ratio per round |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {label} | {dry:.2f} s | {whatstk:.2f} s | {whatstk / dry:.1f}x "
            f"| {', '.join(f'{r:.1f}x' for r in rounds)} |"
            for label, (dry, whatstk, rounds) in process.items()
        ),
        "",
        "End to end: `services.ingest_file` into a fresh SQLite database (parse, store the "
        "original file content-addressed, deduplicate, write messages, ledger entries and search "
        "index). Goal: at least 100,000 messages per second.",
        "",
        "| layout | messages stored | time | msg/s | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: |",
        *end_to_end,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))

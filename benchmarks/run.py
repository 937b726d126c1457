"""Run the benchmarks and write their latest figures into ``docs/benchmarks.md``.

Usage: ``python -m benchmarks.run [NAME ...] [--quick]`` (``make bench`` runs them all).

Each ``benchmarks/bench_<name>.py`` defines ``TITLE`` and ``run(quick: bool) -> str`` returning a
Markdown section body. Each section of ``docs/benchmarks.md`` sits between
``<!-- bench:<name> -->`` and ``<!-- /bench:<name> -->`` markers, so running one benchmark
rewrites only its own section. Peers are measured side by side in the same run and reported as
ratios, because these machines are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Run them all with `make bench` (or `python -m benchmarks.run NAME` for one). Each benchmark measures
commsgov and its named peer side by side in one run and reports the ratio; absolute figures vary
with the machine (2 cores here) and its load. Sections are rewritten by the runner.
"""


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))


def update_section(doc: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(doc):
        return pattern.sub(lambda _: block, doc)
    return doc.rstrip() + "\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {available()})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--no-write", action="store_true", help="print, do not update the doc")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}: {module.TITLE}", flush=True)
        body = module.run(quick=args.quick)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = f"{platform.machine()}, Python {platform.python_version()}"
        section = f"## {module.TITLE}\n\n_Measured {stamp} on {machine}"
        section += f"{' (quick run)' if args.quick else ''}._\n\n{body}"
        print(section, flush=True)
        if not args.no_write:
            # Read the file afresh just before writing: another benchmark may have rewritten its
            # own section while this one ran, and only this section is ours to replace.
            doc = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
            DOC.parent.mkdir(exist_ok=True)
            DOC.write_text(update_section(doc, name, section), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

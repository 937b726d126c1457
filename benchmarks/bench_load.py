"""The load benchmark: 50 concurrent clients for a fixed time against ``commsgov serve`` on the
embedded SQLite store (one worker) and on PostgreSQL (a throwaway cluster,
:mod:`benchmarks.pg_cluster`; ``--workers 2``), over loopback HTTP.

On each backend, two runs, each a server process of its own, served by uvicorn with the same
options (:data:`commsgov.cli.serve_cmd.UVICORN_OPTIONS`, and as many workers as ``commsgov
serve`` has there):

1. **advisor vs bare**: ``GET /api/v1/advise`` (a bearer token, the permission check, the audit
   gate's checks, the advisor, the response model) against a bare FastAPI app returning the same
   JSON as a constant. The two are asked in alternating rounds (bare, advisor, bare, advisor) so
   that drift in the machine's load falls on both. Goal: the advisor at least 0.7x the bare
   app's requests/s, with 0 errors.
2. **mixed**: the same clients each cycle advise, capture and search. Afterwards every capture
   answered 201 is counted in the store (none lost, none doubled) and ``verify`` runs.

The clients speak HTTP/1.1 keep-alive over asyncio streams (a minimal client: a general one
would cost more than the server it measures). Latencies are per request, from sending it to
the last byte of its answer.

``python -m benchmarks.bench_load [--seconds 60] [--clients 50] [--backend sqlite|postgresql]``;
``python -m benchmarks.run load`` writes the figures of both backends into ``docs/benchmarks.md``
(``COMMSGOV_LOAD_SECONDS`` sets the time, ``--quick`` runs 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

from benchmarks.pg_cluster import PostgresServer, free_port, postgres_cluster

TITLE = (
    "Load: 50 clients against commsgov serve on SQLite and PostgreSQL "
    "(advisor vs a bare FastAPI app)"
)

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 50
SECONDS = 60.0
#: the advisor question every client asks (one channel: the common case)
ADVISE = {"scenario": "logistics", "channel": "whatsapp", "outage": "true"}
ADVISE_PATH = "/api/v1/advise?" + urlencode(ADVISE)
GOAL = 0.7
Backend = Literal["sqlite", "postgresql"]
#: worker processes of ``commsgov serve`` (and of the bare peer) on each backend
WORKERS: dict[str, int] = {"sqlite": 1, "postgresql": 2}


# -- the bare peer ----------------------------------------------------------------------------
def bare_app() -> Any:
    """A bare FastAPI app answering ``/api/v1/advise`` with the advisor's JSON, computed once."""
    from fastapi import FastAPI

    from commsgov.policy.advice import advise

    answer = advise(scenario=ADVISE["scenario"], channel=ADVISE["channel"], outage=True).to_dict()
    app = FastAPI()

    @app.get("/api/v1/advise")
    def constant() -> dict[str, Any]:
        return answer

    return app


# -- servers ----------------------------------------------------------------------------------
_free_port = free_port


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not start on port {port}")


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (``[]``: gone, or not Linux)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process and its live descendants (uvicorn's workers) have
    used so far (Linux; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        fields = _stat(current)
        if fields:
            total += int(fields[11]) + int(fields[12])
        todo.extend(children.get(current, ()))
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def _server(argv: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[int]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process, log)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Site:
    """A store with a staff member's API token, in a folder of its own."""

    folder: Path
    url: str
    token: str
    env: dict[str, str]


def _site(folder: Path, url: str | None = None) -> Site:
    """A store at ``url`` (default: SQLite in ``folder``) with a staff member's token."""
    from commsgov.accounts import Actor
    from commsgov.services import tokens, users
    from commsgov.store.handle import open_store

    url = url or f"sqlite:///{folder / 'commsgov.db'}"
    store = open_store(url, blob_dir=folder / "blobs")
    try:
        users.add_user(store, username="load", roles=["staff"], actor=Actor.cli("bench"),
                       password="load test password")  # fmt: skip
        made = tokens.create_token(store, username="load", name="load", actor=Actor.cli("bench"))
    finally:
        store.close()
    env = {**os.environ, "COMMSGOV_DATABASE_URL": url, "COMMSGOV_DATA_DIR": str(folder),
           "COMMSGOV_USER": "bench"}  # fmt: skip
    return Site(folder, url, made.token, env)


def _serve_commsgov(site: Site, port: int, workers: int = 1) -> Any:
    argv = [sys.executable, "-m", "commsgov", "serve", "--port", str(port), "--database",
            site.url, "--workers", str(workers)]  # fmt: skip
    return _server(argv, site.env, site.folder / "serve.log", port)


def _serve_bare(site: Site, port: int, workers: int = 1) -> Any:
    code = (
        "import uvicorn\n"
        "from commsgov.api.server import NoDelayHttp\n"
        "from commsgov.cli.serve_cmd import UVICORN_OPTIONS\n"
        f"uvicorn.run('benchmarks.bench_load:bare_app', factory=True, host='127.0.0.1', "
        f"port={port}, workers={workers}, http=NoDelayHttp, **UVICORN_OPTIONS)\n"
    )
    return _server([sys.executable, "-c", code], site.env, site.folder / "bare.log", port)


# -- clients ----------------------------------------------------------------------------------
@dataclass
class Tally:
    """What one kind of request did: latencies (seconds) and errors by status."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    #: CPU seconds the server used meanwhile (set for the advisor-vs-bare rounds)
    cpu: float = 0.0

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.cpu += other.cpu


def _request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n"
    )
    if body:
        head += (
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        )
    return (head + "\r\n").encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


Maker = Callable[[int, int], tuple[str, bytes, int, str]]
"""(client, n) -> (kind, request bytes, the status that counts as success, what it writes)"""


async def _client(port: int, number: int, make: Maker, until: float,
                  tallies: dict[str, Tally], made: list[str]) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while time.monotonic() < until:
            kind, request, want, writes = make(number, n)
            tally = tallies.setdefault(kind, Tally())
            start = time.perf_counter()
            try:
                status, _ = await _exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.errors[type(exc).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            tally.latencies.append(time.perf_counter() - start)
            if status != want:
                tally.errors[str(status)] += 1
            elif writes:
                made.append(writes)
            n += 1
    finally:
        writer.close()


def _load(
    port: int, clients: int, seconds: float, make: Maker
) -> tuple[dict[str, Tally], list[str]]:
    """``clients`` connections asking for ``seconds``: each kind's tally and the captures made."""
    tallies: list[dict[str, Tally]] = [{} for _ in range(clients)]
    made: list[str] = []

    async def main() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(_client(port, i, make, until, tallies[i], made) for i in range(clients))
        )

    asyncio.run(main())
    merged: dict[str, Tally] = {}
    for per_client in tallies:
        for kind, tally in per_client.items():
            merged.setdefault(kind, Tally()).merge(tally)
    return merged, made


# -- the runs ---------------------------------------------------------------------------------
def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


@dataclass
class Line:
    """One row of the report: requests/s, latency quantiles (ms) and errors."""

    name: str
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def per_cpu(self) -> float:
        """Requests per CPU second of the server (what the machine's other load cannot skew)."""
        return self.requests / self.cpu if self.cpu else 0.0

    @classmethod
    def of(cls, name: str, tally: Tally, seconds: float) -> Line:
        ordered = sorted(tally.latencies)
        return cls(name, len(ordered), seconds, _quantile(ordered, 0.5) * 1000,
                   _quantile(ordered, 0.95) * 1000, _quantile(ordered, 0.99) * 1000,
                   sum(tally.errors.values()), tally.cpu)  # fmt: skip


@dataclass
class LoadResult:
    """What :func:`measure` found."""

    clients: int
    seconds: float
    bare: Line
    advisor: Line
    mixed: list[Line]
    captures_answered: int
    captures_stored: int
    captures_doubled: int
    verified: bool
    verify_problem: str | None
    #: the machine's 1-minute load average when the run began (2 cores, shared)
    load_average: float = 0.0
    backend: Backend = "sqlite"
    #: worker processes of each server
    workers: int = 1

    @property
    def ratio(self) -> float:
        return self.advisor.rate / self.bare.rate if self.bare.rate else 0.0

    @property
    def cpu_ratio(self) -> float:
        """The advisor's requests per server CPU second over the bare app's."""
        return self.advisor.per_cpu / self.bare.per_cpu if self.bare.per_cpu else 0.0


def measure(*, clients: int = CLIENTS, seconds: float = SECONDS, folder: Path | None = None,
            backend: Backend = "sqlite", postgres: PostgresServer | None = None,
            workers: int | None = None) -> LoadResult:  # fmt: skip
    """Run both loads for ``seconds`` each with ``clients`` connections (see the module) on
    ``backend``: PostgreSQL on the cluster ``postgres`` (default: a throwaway one started and
    stopped here), ``workers`` processes per server (default :data:`WORKERS`)."""
    if backend == "postgresql" and postgres is None:
        with postgres_cluster(max_connections=200) as started:
            return measure(clients=clients, seconds=seconds, folder=folder, backend=backend,
                           postgres=started, workers=workers)  # fmt: skip
    workers = workers or WORKERS[backend]
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    with tempfile.TemporaryDirectory(prefix="commsgov-load-") as scratch:
        url = None
        if postgres is not None:
            name = f"load_{os.getpid()}_{time.monotonic_ns()}"
            postgres.admin(f"CREATE DATABASE {name}")
            url = postgres.url(name)
        site = _site(Path(folder or scratch), url)
        advise_port, bare_port = _free_port(), _free_port()
        advise_request = _request("GET", ADVISE_PATH, site.token)

        def advise_only(_: int, __: int) -> tuple[str, bytes, int, str]:
            return "advise", advise_request, 200, ""

        tallies: dict[str, Tally] = {"bare": Tally(), "advisor": Tally()}
        with (
            _serve_commsgov(site, advise_port, workers) as ours,
            _serve_bare(site, bare_port, workers) as peer,
        ):
            for _ in range(workers):  # warm both (imports, the pack, caches; every worker)
                _load(advise_port, 2 * workers, 0.5, advise_only)
                _load(bare_port, 2 * workers, 0.5, advise_only)
            for _ in range(2):  # alternating rounds: the machine's drift falls on both
                for name, port, pid in (("bare", bare_port, peer), ("advisor", advise_port, ours)):
                    before = _cpu_seconds(pid)
                    got, _ = _load(port, clients, seconds / 2, advise_only)
                    got["advise"].cpu = _cpu_seconds(pid) - before
                    tallies[name].merge(got["advise"])
        bare, advisor = (Line.of(k, tallies[k], seconds) for k in ("bare", "advisor"))

        search_request = _request("GET", "/api/v1/records/search?q=" + quote("load"), site.token)

        def mixed(client: int, n: int) -> tuple[str, bytes, int, str]:
            # clients start at different kinds, so a short run on a slow machine asks each
            kind = ("advise", "capture", "search")[(client + n) % 3]
            if kind == "advise":
                return kind, advise_request, 200, ""
            if kind == "search":
                return kind, search_request, 200, ""
            summary = f"load {client}-{n}"
            form = urlencode({"method": "sms", "at": "2026-11-19T10:00", "summary": summary})
            request = _request("POST", "/api/v1/captures", site.token, form.encode())
            return kind, request, 201, summary

        with _serve_commsgov(site, advise_port, workers):
            for _ in range(workers):  # every worker up and warm before the clock starts
                _load(advise_port, 2 * workers, 0.5, advise_only)
            got, made = _load(advise_port, clients, seconds, mixed)
        lines = [Line.of(kind, got.get(kind, Tally()), seconds)
                 for kind in ("advise", "capture", "search")]  # fmt: skip
        stored, verified, problem = _count_and_verify(site)
    counts = Counter(stored)
    return LoadResult(
        clients, seconds, bare, advisor, lines, len(made),
        sum(1 for s in made if counts.get(s) == 1), sum(1 for c in counts.values() if c > 1),
        verified, problem, load_average, backend, workers,
    )  # fmt: skip


def _count_and_verify(site: Site) -> tuple[list[str], bool, str | None]:
    """The summaries of every stored capture, and whether ``verify`` passes."""
    from commsgov import services as svc
    from commsgov.accounts import Actor
    from commsgov.store.handle import open_store

    store = open_store(site.url, blob_dir=site.folder / "blobs", migrate=False)
    try:
        with store.read() as conn:
            from sqlalchemy import text

            rows = conn.execute(text("SELECT summary FROM records")).scalars().all()
        report = svc.verify(store, actor=Actor.cli("bench"))
    finally:
        store.close()
    return [str(r) for r in rows], report.ok, None if report.ok else str(report.problem)


# -- the report -------------------------------------------------------------------------------
NAMES: dict[str, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def render(result: LoadResult) -> str:
    """The Markdown for one backend's run."""

    def row(line: Line, cpu: bool = False) -> str:
        per_cpu = f" {line.per_cpu:,.0f} |" if cpu else ""
        return (f"| {line.name} | {line.requests:,} | {line.rate:,.0f} |{per_cpu} {line.p50:.1f} | "
                f"{line.p95:.1f} | {line.p99:.1f} | {line.errors} |")  # fmt: skip

    head = ("| | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |\n"
            "|---|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    cpu_head = ("| | requests | requests/s | per server CPU s | p50 ms | p95 ms | p99 ms "
                "| errors |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    met = "met" if result.ratio >= GOAL and result.advisor.errors == 0 else "NOT met"
    lost = result.captures_answered - result.captures_stored
    verdict = "OK" if result.verified else f"BROKEN: {result.verify_problem}"
    workers = "one uvicorn worker" if result.workers == 1 else f"{result.workers} uvicorn workers"
    where = (
        "the embedded SQLite store"
        if result.backend == "sqlite"
        else "a throwaway PostgreSQL cluster on the same machine (stored files in the database)"
    )
    return "\n".join([
        f"### {NAMES[result.backend]}",
        "",
        f"{result.clients} clients, {result.seconds:g} s per run, keep-alive HTTP/1.1 over "
        f"loopback against {where}; each server {workers} started as `commsgov serve "
        f"--workers {result.workers}` starts them (access log on), the load generator on the "
        f"same 2 cores (shared: load average {result.load_average:.1f} when the run began).",
        "",
        f"**Advisor vs bare FastAPI** (`GET {ADVISE_PATH}`, a staff token; the bare app returns "
        f"the same JSON as a constant, served with as many workers): **{result.ratio:.2f}x** "
        f"the bare app's requests/s (goal ≥ {GOAL}x: {met}); per CPU second of the server "
        f"(its workers included; the machine's other load skews it less): "
        f"{result.cpu_ratio:.2f}x.",
        "",
        cpu_head, row(result.bare, cpu=True), row(result.advisor, cpu=True),
        "",
        "**Mixed** (each client cycles advise, capture, search; a fresh store):",
        "",
        head, *(row(line) for line in result.mixed),
        "",
        f"Captures answered 201: {result.captures_answered:,}; stored exactly once: "
        f"{result.captures_stored:,} (lost {lost}, doubled {result.captures_doubled}); "
        f"`verify` afterwards: {verdict}.",
    ])  # fmt: skip


def run(quick: bool = False) -> str:
    """The benchmark section: both backends, one after the other (``--quick``: 5 s per run)."""
    seconds = 5.0 if quick else float(os.environ.get("COMMSGOV_LOAD_SECONDS", SECONDS))
    backends: tuple[Backend, ...] = ("sqlite", "postgresql")
    return "\n\n".join(render(measure(seconds=seconds, backend=b)) for b in backends)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--seconds", type=float, default=SECONDS, help="time per run")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    chosen: list[Backend] = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in chosen:
        result = measure(clients=args.clients, seconds=args.seconds, backend=backend)
        print(render(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A throwaway PostgreSQL cluster, for the test suite (``tests/fixtures_db.py``) and the
benchmarks that run on PostgreSQL (``bench_load``): one place that finds the binaries, picks a
free port and starts and stops the cluster.

It runs Debian's binaries (``/usr/lib/postgresql/<version>/bin``: ``initdb`` and ``pg_ctl``, or
the ones on ``PATH``), as the ``postgres`` OS user when running as root, on a free port with its
unix socket in a temporary folder, tuned for speed rather than durability (``fsync=off``): what
it holds is thrown away. Missing binaries raise :class:`ClusterError` naming ``make system``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClusterError", "PostgresServer", "free_port", "pg_bin", "postgres_cluster"]


class ClusterError(RuntimeError):
    """The throwaway cluster cannot be started (binaries missing, initdb or pg_ctl failed)."""


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl`` (the newest Debian version, else ``PATH``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        return Path(shutil.which("initdb") or "").parent
    if not found:
        raise ClusterError(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb): the storage suite "
            "and the load benchmark run on PostgreSQL too. Install them with `make system` "
            "(apt-get install postgresql)."
        )
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster: its folder, socket folder and port."""

    root: Path
    port: int
    bindir: Path
    run_as: list[str]

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this cluster (over the unix socket)."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port={self.port}"

    def admin(self, sql: str) -> None:
        """Run one statement on the maintenance database, outside a transaction."""
        import psycopg

        with psycopg.connect(
            host=str(self.root),
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def postgres_cluster(*, max_connections: int = 50, settings: str = "") -> Iterator[PostgresServer]:
    """Start a throwaway cluster; stop it and remove its folder when the block ends.
    ``settings``: more ``-c name=value`` server options (a benchmark's memory, say)."""
    bindir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="commsgov-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, user="postgres", group="postgres")
    os.chmod(root, 0o755)
    data = root / "data"
    port = free_port()
    try:
        _run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
              "-E", "UTF8", "--locale=C", "--no-sync"])  # fmt: skip
        options = (
            f"-p {port} -k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off -c max_connections={max_connections} {settings}"
        )
        _run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
              str(root / "log"), "-w", "-t", "60", "start"])  # fmt: skip
        yield PostgresServer(root, port, bindir, run_as)
    finally:
        subprocess.run(  # (a cluster that never started: pg_ctl says so, nothing to stop)
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)

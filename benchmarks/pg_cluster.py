"""A throwaway PostgreSQL cluster, for the test suite (``tests/fixtures_db.py``) and the
benchmarks that run on PostgreSQL (``bench_load``): one place that finds the binaries, picks a
free port and starts and stops the cluster.

It runs Debian's binaries (``/usr/lib/postgresql/<version>/bin``: ``initdb`` and ``pg_ctl``, or
the ones on ``PATH``), as the ``postgres`` OS user when running as root, on a free port with its
unix socket in a temporary folder, tuned for speed rather than durability (``fsync=off``): what
it holds is thrown away. Missing binaries raise :class:`ClusterError` naming ``make system``.

A run that is killed leaves its folder behind (``/tmp/commsgov-pg-*``), and its server running
(``pg_ctl start`` detaches it), so starting a cluster first clears what earlier runs that are
gone left (:func:`remove_stale_clusters`): each folder names the process that made it
(``owner``); when that process has ended, a server still running from the folder is stopped
and the folder removed. Another run's folder, its run still going, is never touched.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ClusterError",
    "PostgresServer",
    "free_port",
    "pg_bin",
    "postgres_cluster",
    "remove_stale_clusters",
]

#: the name of a cluster's folder starts so (in the system's temporary folder)
PREFIX = "commsgov-pg-"
#: the file in a cluster's folder naming the process that made it, and its PID namespace
OWNER = "owner"
#: a folder naming no process is an earlier run's only when older than this (seconds): one
#: just made by a run starting now has not written its owner yet
GRACE = 600.0


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


def _namespace() -> str:
    """This process's PID namespace (a PID means the same process only within one)."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (someone else's counts: it is not ours to judge); one
    that has exited but is not yet reaped (a zombie, where PID 1 does not reap) does not."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _owner_gone(folder: Path) -> bool:
    """Whether ``folder`` names its owner and that process, in this PID namespace, has ended."""
    try:
        pid_text, _, space = (folder / OWNER).read_text().strip().partition(" ")
    except OSError:
        return False
    return pid_text.isdigit() and space == _namespace() and not _alive(int(pid_text))


def _stop_orphan(folder: Path) -> bool:
    """Stop the server left running from ``folder`` by a run that has ended (immediate
    shutdown, as a normal stop): only a ``postgres`` process whose data folder is this one's.
    Whether it has stopped."""
    data = folder / "data"
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (OSError, ValueError):
        return False
    ours = Path(argv[0]).name == "postgres" and any(
        flag == "-D" and value in (str(data), str(data.resolve()))
        for flag, value in itertools.pairwise(argv)
    )
    if not ours:
        return False
    try:
        os.kill(pid, signal.SIGQUIT)
    except OSError:
        return False
    for _ in range(200):  # up to 10 s
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _owner_running(folder: Path, *, now: float, grace: float) -> bool:
    """Whether the run that made ``folder`` may still be running: its ``owner`` names a live
    process (or one in another PID namespace, which cannot be checked), or, naming none, the
    folder is younger than ``grace``."""
    try:
        pid_text, _, space = (folder / OWNER).read_text().strip().partition(" ")
    except FileNotFoundError:
        try:
            return now - folder.stat().st_mtime < grace
        except OSError:
            return False  # (gone meanwhile)
    except OSError:
        return True  # unreadable: not ours to judge
    if not pid_text.isdigit() or space != _namespace():
        return True
    return _alive(int(pid_text))


def _server_running(folder: Path) -> bool:
    """Whether the cluster in ``folder`` runs: its ``postmaster.pid`` names a live process, or
    its socket answers (a server in another PID namespace)."""
    try:
        first = (folder / "data" / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except FileNotFoundError:
        pass
    except OSError:
        return True  # unreadable: not ours to judge
    else:
        if not first.isdigit() or _alive(int(first)):
            return True
    for sock in folder.glob(".s.PGSQL.*[0-9]"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(sock))
            except OSError:
                continue
            return True
    return False


def remove_stale_clusters(
    parent: Path | None = None, *, now: float | None = None, grace: float = GRACE
) -> list[Path]:
    """Remove the cluster folders in ``parent`` (default: the temporary folder) that runs
    killed before they could stop left behind: those whose owner is gone, after stopping the
    server a run that named itself left running there. Returns the folders removed."""
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(Path(parent or tempfile.gettempdir()).glob(PREFIX + "*")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        if _owner_running(folder, now=now, grace=grace):
            continue
        if _server_running(folder) and not (_owner_gone(folder) and _stop_orphan(folder)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def postgres_cluster(*, max_connections: int = 50, settings: str = "") -> Iterator[PostgresServer]:
    """Start a throwaway cluster; stop it and remove its folder when the block ends (and first
    remove the folders killed runs left). ``settings``: more ``-c name=value`` server options
    (a benchmark's memory, say)."""
    bindir = pg_bin()
    remove_stale_clusters()
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    (root / OWNER).write_text(f"{os.getpid()} {_namespace()}\n")
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
        for _ in range(20):  # (a server that has just stopped may still be removing its files)
            shutil.rmtree(root, ignore_errors=True)
            if not root.exists():
                break
            time.sleep(0.05)

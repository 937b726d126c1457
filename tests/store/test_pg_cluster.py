"""The throwaway PostgreSQL cluster the suite and the load benchmark start: a killed run's folder
is removed by the next start (the server it left running stopped first), another run's folder
that is still in use never is, and a normal stop leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.pg_cluster import GRACE, OWNER, postgres_cluster, remove_stale_clusters

ROOT = Path(__file__).resolve().parents[2]

#: the time the folders are judged at (no test reads the clock)
NOW = 1_800_000_000.0


def _dead_pid() -> int:
    """The PID of a process that has ended."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


def _namespace() -> str:
    return os.readlink("/proc/self/ns/pid")


def _folder(parent: Path, name: str, *, owner: str | None = None, server: int | None = None,
            age: float = 3600.0) -> Path:  # fmt: skip
    """A cluster folder as a run leaves it: its owner file, its server's postmaster.pid."""
    folder = parent / name
    (folder / "data").mkdir(parents=True)
    if owner is not None:
        (folder / OWNER).write_text(owner + "\n")
    if server is not None:
        (folder / "data" / "postmaster.pid").write_text(f"{server}\n/x/data\n1800000000\n5432\n")
    os.utime(folder, (NOW - age, NOW - age))
    return folder


def test_only_the_folders_of_runs_that_are_gone_are_removed(tmp_path: Path) -> None:
    dead, me, here = _dead_pid(), os.getpid(), _namespace()
    stale = _folder(tmp_path, "commsgov-pg-stale", owner=f"{dead} {here}", server=dead)
    killed = _folder(tmp_path, "commsgov-pg-nodata", owner=f"{dead} {here}")
    older = _folder(tmp_path, "commsgov-pg-older", server=dead)  # made before the owner file
    kept = [
        # another run, running now: its owner is alive (whatever its server)
        _folder(tmp_path, "commsgov-pg-live", owner=f"{me} {here}", server=dead),
        # its run gone, but what its postmaster.pid names is no postgres of this folder (here,
        # this test): never signalled
        _folder(tmp_path, "commsgov-pg-serving", owner=f"{dead} {here}", server=me),
        # a server still running from a folder naming no owner: perhaps another run's
        _folder(tmp_path, "commsgov-pg-oldserving", server=me),
        # a PID from another PID namespace means nothing here
        _folder(tmp_path, "commsgov-pg-elsewhere", owner=f"{dead} pid:[1]"),
        # just made by a run starting now, its owner not written yet
        _folder(tmp_path, "commsgov-pg-new", age=GRACE / 2),
        # not a cluster's folder
        _folder(tmp_path, "other-stale", owner=f"{dead} {here}", server=dead),
    ]
    # a server whose process this namespace cannot see, answering on its socket
    remote = _folder(tmp_path, "commsgov-pg-sock", owner=f"{dead} {here}", server=dead)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(str(remote / ".s.PGSQL.5432"))
        listening.listen()
        removed = remove_stale_clusters(tmp_path, now=NOW)
    assert removed == sorted([stale, killed, older])
    assert not stale.exists() and not killed.exists() and not older.exists()
    assert all(folder.exists() for folder in [*kept, remote])
    # the socket gone quiet, that folder is stale too; the rest stay
    assert remove_stale_clusters(tmp_path, now=NOW) == [remote]
    assert all(folder.exists() for folder in kept)


def test_a_cluster_names_its_owner_and_removes_its_folder_when_it_stops() -> None:
    with postgres_cluster() as server:
        owner = (server.root / OWNER).read_text().split()
        assert owner == [str(os.getpid()), _namespace()]
        server.admin("SELECT 1")
    assert not server.root.exists()


def test_a_killed_runs_server_is_stopped_and_its_folder_removed() -> None:
    # a folder of its own under /tmp (the server's user must reach it; its socket path must
    # stay short), as the temporary folder of a run that is then killed
    parent = Path(tempfile.mkdtemp(prefix="cg-pgt-", dir="/tmp"))
    parent.chmod(0o755)
    script = (
        "from benchmarks.pg_cluster import postgres_cluster\n"
        "import time\n"
        "with postgres_cluster() as s:\n    print(s.root, flush=True)\n    time.sleep(600)\n"
    )
    server = 0
    with subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                          text=True, env={**os.environ, "TMPDIR": str(parent)}) as run:  # fmt: skip
        try:
            assert run.stdout is not None
            folder = Path(run.stdout.readline().strip())
            assert folder.parent == parent
            server = int((folder / "data" / "postmaster.pid").read_text().split()[0])
            run.kill()  # killed: no stop, and pg_ctl detached the server from it
            run.wait()
            assert _state(server) != "Z"  # still running
            assert remove_stale_clusters(parent, now=NOW) == [folder]
            assert not folder.exists() and _state(server) == "Z"
        finally:
            run.kill()
            if server and _state(server) != "Z" and str(parent) in _command(server):
                os.kill(server, signal.SIGQUIT)  # (the server this test started, if it failed)
            shutil.rmtree(parent, ignore_errors=True)


def _state(pid: int) -> str:
    """A process's state letter (``Z``: it has exited, reaped or not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def _command(pid: int) -> str:
    """A process's command line."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""

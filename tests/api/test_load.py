"""The load benchmark, briefly: ``commsgov serve`` and the bare peer under concurrent clients,
nothing failing, every capture stored once and the chain verifying afterwards (the figures
themselves are the benchmark's, in docs/benchmarks.md: this machine is too noisy to assert a
ratio on)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from benchmarks import bench_load


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_short_load_run_fails_nothing_and_loses_no_capture(
    tmp_path: Path, backend: bench_load.Backend, request: pytest.FixtureRequest
) -> None:
    postgres = request.getfixturevalue("postgres_server") if backend == "postgresql" else None
    result = bench_load.measure(clients=8, seconds=2.0, folder=tmp_path, backend=backend,
                                postgres=postgres)  # fmt: skip
    assert (result.backend, result.workers) == (backend, bench_load.WORKERS[backend])
    assert result.bare.requests > 0 and result.advisor.requests > 0
    assert (result.bare.errors, result.advisor.errors) == (0, 0)
    kinds = {line.name: line for line in result.mixed}
    assert set(kinds) == {"advise", "capture", "search"}
    assert all(line.requests > 0 and line.errors == 0 for line in result.mixed)
    assert result.captures_answered == kinds["capture"].requests
    assert result.captures_stored == result.captures_answered  # none lost
    assert result.captures_doubled == 0
    assert result.verified, result.verify_problem
    assert result.advisor.cpu > 0 and result.bare.cpu > 0
    section = bench_load.render(result)
    assert (
        "| advisor |" in section
        and "| capture |" in section
        and "verify` afterwards: OK" in section
        and f"--workers {result.workers}" in section
    )


def test_the_bare_peer_answers_what_the_advisor_answers() -> None:
    from fastapi.testclient import TestClient

    from commsgov.policy.advice import advise

    with TestClient(bench_load.bare_app()) as client:
        served = client.get(bench_load.ADVISE_PATH).json()
    assert served == advise(scenario="logistics", channel="whatsapp", outage=True).to_dict()


def test_the_server_turns_nagle_off_on_every_connection() -> None:
    """With several workers uvicorn's own listening socket does not say TCP, and asyncio then
    leaves Nagle on: each answer waited ~40 ms for a delayed ACK. The protocol turns it off."""
    from commsgov.api.server import NoDelayHttp

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return self.sock if name == "socket" else default

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayHttp.__new__(NoDelayHttp)
        with pytest.raises(AttributeError):  # (uvicorn's own set-up needs a configured protocol)
            protocol.connection_made(Transport(sock))
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0

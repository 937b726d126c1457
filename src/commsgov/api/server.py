"""How ``commsgov serve`` serves: uvicorn's HTTP protocol with Nagle's algorithm off (imported
only when serving, so the command line does not load uvicorn to start)."""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["NoDelayHttp"]

try:  # the protocol uvicorn's "auto" picks
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Http
except ImportError:  # httptools is optional
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Http  # type: ignore[assignment]


class NoDelayHttp(_Http):
    """uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

    With ``--workers`` above 1 uvicorn makes the listening socket itself (protocol number 0),
    and asyncio only turns Nagle off for sockets that say TCP: an answer sent in two writes
    (head, then body) then waits for the client's delayed ACK, about 40 ms a request."""

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

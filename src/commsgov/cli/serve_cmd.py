"""``commsgov serve``: migrate the store and serve the web app and the HTTP API with uvicorn.

On a store with no users it first creates ``admin`` and prints a one-time password, once (it is
stored only as an Argon2id hash and never logged); ``--demo`` loads demo users of every role and
a small sample record instead. Needs no terminal: nothing is asked.
"""

from __future__ import annotations

import os
import sys
from contextlib import closing
from typing import Annotated, Any

import typer

from .common import DatabaseOption, fail, open_database

#: how uvicorn serves the app (benchmarks/bench_load.py serves its bare peer the same way)
UVICORN_OPTIONS: dict[str, Any] = {
    "proxy_headers": False,  # the app honours X-Forwarded-* from COMMSGOV_TRUSTED_PROXIES only
    "server_header": False,
    "log_level": "info",
    # and the HTTP protocol of commsgov.api.server.NoDelayHttp (imported when serving)
}


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (one store, one chain).")
    ] = 1,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Load demo users of every role and a small sample record."),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Migrate the store and serve the web app at / and the API under /api/v1 (the main job)."""
    try:
        import uvicorn
    except ModuleNotFoundError:
        fail("commsgov serve needs the server extra: pip install 'commsgov[server]'")
    from commsgov.services import users

    from .common import actor

    out = sys.stdout
    with closing(open_database(database)) as store:  # creates or migrates the store
        url = store.url
        if demo:
            from commsgov.services.demo import load_demo

            loaded = load_demo(store, actor=actor())
            out.write("demo users (username / password):\n")
            for username, role, password in loaded.users:
                out.write(f"  {username:<22} {password}   ({role})\n")
            if loaded.loaded:
                out.write("sample record: an outage, a capture, a WhatsApp chat and a hold\n")
        first = users.ensure_first_admin(store)
        if first is not None:
            out.write(
                "first start: created user 'admin' with the one-time password\n"
                f"    {first.password}\n"
                "(shown once, never stored in clear: sign in and change it now)\n"
            )
    # the workers read their settings from the environment
    os.environ["COMMSGOV_DATABASE_URL"] = url
    shown = f"[{host}]" if ":" in host else host
    out.write(
        f"commsgov serving the advisor at http://{shown}:{port}/ and the API at "
        f"http://{shown}:{port}/api/v1 (Ctrl+C to stop)\n"
    )
    out.flush()
    from commsgov.api.server import NoDelayHttp

    uvicorn.run(
        "commsgov.api.app:create_app", factory=True, host=host, port=port, workers=workers,
        http=NoDelayHttp, **UVICORN_OPTIONS,
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve")(serve)

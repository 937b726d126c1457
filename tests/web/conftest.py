"""The web suite: the app (API and pages) on a fresh store, SQLite and PostgreSQL, with a fixed
clock, and helpers to sign in through the sign-in page and read what a page shows; and for the
browser tests, ``commsgov serve --demo`` run as a real process (``server``) and one headless
Chromium for the whole run (``browser``, ``as_user``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from benchmarks.pg_cluster import free_port
from fastapi.testclient import TestClient

from commsgov.api.app import create_app
from commsgov.config import Settings
from tests.api.conftest import PASSWORD, Api, Clock

__all__ = [
    "DESKTOP",
    "PASSWORD",
    "PHONE",
    "Api",
    "Server",
    "csrf_of",
    "page_sign_in",
    "serve",
    "sign_in",
    "sign_in_token",
]  # fmt: skip


@pytest.fixture
def web(store: Any, tmp_path: Path) -> Iterator[Api]:
    """The app on a fresh store, its uploads and staged files under ``tmp_path``."""
    clock = Clock()
    settings = Settings(database_url=store.url, data_dir=tmp_path / "data")
    yield Api(create_app(settings, store=store, clock=clock), store, clock, settings)


def sign_in_token(client: TestClient) -> str:
    """The sign-in form's own CSRF token (its cookie is now in ``client``)."""
    found = re.search(r'id="sign-in-token" value="([^"]+)"', client.get("/sign-in").text)
    assert found is not None
    return found[1]


def sign_in(web: Api, name: str, *roles: str, password: str = PASSWORD) -> TestClient:
    """A client signed in as ``name`` through the sign-in form."""
    web.user(name, *roles)
    client = web.client()
    answer = client.post(
        "/sign-in",
        data={"username": name, "password": password, "csrf_token": sign_in_token(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    """The session's CSRF token as a page's forms carry it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


# -- the browser tests ------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Server:
    """A running ``commsgov serve --demo``: its address and database."""

    base: str
    database: str
    process: subprocess.Popen[bytes]


def serve(database_url: str, folder: Path) -> Server:
    port = free_port()
    log = folder / "serve.log"
    env = {**os.environ, "COMMSGOV_DATABASE_URL": database_url, "COMMSGOV_DATA_DIR": str(folder)}
    env.pop("COMMSGOV_USER", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "commsgov", "serve", "--demo", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
    for _ in range(600):  # up to a minute
        if b"Application startup complete" in log.read_bytes():
            return Server(f"http://127.0.0.1:{port}", database_url, process)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    pytest.fail("commsgov serve did not start:\n" + log.read_text(errors="replace"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``commsgov serve --demo`` on a store of its own, on each database."""
    folder = tmp_path_factory.mktemp(f"serve-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'web.db'}"
    else:
        pg = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("_postgres_template")
        name = f"web_{os.getpid()}"
        pg.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        url = pg.url(name)
    running = serve(url, folder)
    yield running
    running.process.terminate()
    running.process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's) for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium not found at /usr/bin/chromium: install it with `make system`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def as_user(browser: Any, server: Server) -> Iterator[Any]:
    """Open a new browser context signed in as a demo user: ``as_user("staff")``."""
    contexts: list[Any] = []

    def open_as(role: str | None, *, viewport: dict[str, int] = DESKTOP, js: bool = True) -> Any:
        context = browser.new_context(viewport=viewport, java_script_enabled=js)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        if role is not None:
            page_sign_in(page, server, f"demo-{role}", f"demo-{role}-password")
        return page

    yield open_as
    for context in contexts:
        context.close()


def page_sign_in(page: Any, server: Server, username: str, password: str) -> None:
    """Sign in through the sign-in page in a browser."""
    page.goto(server.base + "/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.ds_form button[type=submit]")
    page.wait_for_load_state()

"""The web pages and the API share their prefix without importing each other's app."""

from __future__ import annotations

import subprocess
import sys


def test_web_errors_do_not_import_the_app() -> None:
    """web.errors needs only the prefix: importing it must not pull in api.app (a circle)."""
    probe = (
        "import sys, commsgov.web.errors as e, commsgov.api.paths as p\n"
        "assert 'commsgov.api.app' not in sys.modules, 'api.app imported'\n"
        "print(p.API_PREFIX)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "/api/v1"


def test_app_serves_under_the_shared_prefix() -> None:
    from commsgov.api.app import API_PREFIX, create_app
    from commsgov.api.paths import API_PREFIX as SHARED
    from commsgov.config import Settings

    app = create_app(Settings(database_url="sqlite://"))
    assert API_PREFIX is SHARED
    assert app.openapi_url == f"{SHARED}/openapi.json"

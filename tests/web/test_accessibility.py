"""Every page passes axe-core (no serious or critical violation) at desktop and phone widths,
in Chromium, against ``commsgov serve --demo`` on SQLite (the pages are the same on PostgreSQL,
where ``test_browser.py`` runs the journeys too).

``COMMSGOV_SCREENSHOTS=1 pytest tests/web/test_accessibility.py`` also saves each page at both
widths to ``docs/screenshots/`` (the README shows them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import DESKTOP, PHONE, Server, serve

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``commsgov serve --demo`` on SQLite only."""
    folder = tmp_path_factory.mktemp("serve-axe")
    running = serve(f"sqlite:///{folder / 'web.db'}", folder)
    yield running
    running.process.terminate()
    running.process.wait(timeout=20)


#: (role, page name, address, something to do first)
PAGES = [
    (None, "sign-in", "/sign-in", None),
    ("staff", "advisor", "/", None),
    ("staff", "advisor-answer", "/?scenario=logistics&channel=WhatsApp&outage=true", None),
    ("staff", "advisor-every-channel", "/?scenario=external-day-to-day", None),
    ("staff", "advisor-question", "/", "ask"),
    ("staff", "advisor-error", "/?scenario=logistics&channel=whatsap", None),
    ("staff", "matrix", "/matrix", None),
    ("staff", "scenario", "/scenarios/logistics", None),
    ("staff", "channels", "/channels", None),
    ("staff", "channel", "/channels/whatsapp", None),
    ("staff", "password", "/password", None),
    ("staff", "refused", "/admin/users", None),
    ("staff", "not-found", "/no-such-page", None),
    ("admin", "users", "/admin/users", None),
    ("admin", "user", "/admin/users/demo-staff", None),
    ("admin", "tokens", "/admin/tokens", None),
    ("admin", "pack", "/admin/pack", None),
    ("auditor", "audit", "/audit", None),
    ("auditor", "audit-verify", "/audit/verify", None),
    ("records-manager", "registers", "/registers", None),
    ("records-manager", "exemptions", "/registers/exemptions", None),
    ("records-manager", "exemption", "/registers/exemptions", "entry"),
    ("records-manager", "groups", "/registers/groups", None),
    ("records-manager", "group", "/registers/groups", "entry"),
    ("records-manager", "phones", "/registers/phones", None),
    ("records-manager", "phone", "/registers/phones", "entry"),
    ("records-manager", "register-error", "/registers/exemptions", "bad-form"),
    ("staff", "organisations", "/registers/organisations", None),
    ("staff", "organisation", "/registers/organisations", "entry"),
    (
        "staff",
        "advisor-register",
        "/?scenario=external-day-to-day&channel=teams-chat&with=someone%40partner.example",
        None,
    ),
    ("staff", "capture", "/capture", None),
    ("staff", "capture-error", "/capture", "submit"),
    ("staff", "records", "/records", None),
    ("staff", "records-error", "/records?since=someday", None),
    ("staff", "record", "/records?q=agreed", "open-first"),
    ("staff", "receipt", "/records?q=agreed", "receipt"),
    ("staff", "upload", "/upload", None),
    ("staff", "upload-preview", "/upload", "preview"),
    ("records-manager", "record-retention", "/records?q=agreed", "open-first-held"),
    ("records-manager", "dashboard", "/governance", None),
    ("records-manager", "exceptions", "/governance/exceptions", None),
    ("records-manager", "outages", "/governance/outages", None),
    ("records-manager", "holds", "/governance/holds", None),
    ("records-manager", "holds-error", "/governance/holds", "submit"),
    ("records-manager", "review", "/governance/review", None),
    ("records-manager", "transfers", "/governance/transfers", None),
]

CHAT = "19/11/2026, 09:00 - Ann Smith: The line is agreed\n19/11/2026, 09:01 - Bob Jones: Good\n"


def _first(page: Any, action: str, folder: Path) -> None:
    """Do what a page needs first: ask, submit an empty form, open a record, upload a file."""
    if action == "ask":
        page.fill("#question", "Can I WhatsApp my manager that I'm running late?")
        page.press("#question", "Enter")
        page.wait_for_selector("#answer-title")
    elif action == "submit":
        page.click("main form button[type=submit]")
        page.wait_for_selector(".ds_error-summary")
    elif action in ("open-first", "open-first-held", "receipt"):
        page.click("#results tbody a >> nth=0")
        page.wait_for_selector("#ledger")
        if action == "open-first-held":  # its holds, loaded in place
            page.wait_for_selector("#record-holds")
        if action == "receipt":
            page.click("text=Get a receipt")
            page.wait_for_selector("#receipt")
    elif action == "entry":  # the first entry of the register's list
        page.click("#entries tbody tr a")
        page.wait_for_selector(".ds_summary-list")
    elif action == "bad-form":  # a form posted with a mistake: errors beside the fields
        page.click("text=Add exemption")
        page.wait_for_selector(".ds_error-summary")
    elif action == "preview":
        chat = folder / "WhatsApp Chat with Line cell.txt"
        chat.write_text(CHAT, encoding="utf-8")
        page.set_input_files("#file", [str(chat)])
        page.click("text=Check the files")
        page.wait_for_selector("#preview-title")


def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_every_page_passes_axe_at_desktop_and_phone_widths(
    browser: Any, server: Server, as_user: Any, tmp_path: Path
) -> None:
    """No serious or critical axe-core violation on any page, at either width."""
    shots = os.environ.get("COMMSGOV_SCREENSHOTS") == "1"
    if shots:
        SHOTS.mkdir(parents=True, exist_ok=True)
    axe = _axe()
    found: list[str] = []
    pages: dict[tuple[str | None, str], Any] = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for role, name, url, first in PAGES:
            page = pages.get((role, width))
            if page is None:
                page = pages[(role, width)] = as_user(role, viewport=viewport)
            page.goto(server.base + url)
            if first is not None:
                _first(page, first, tmp_path)
            results = axe.run(page, options={"resultTypes": ["violations"]})
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    found.append(f"{name} ({width}): {violation['id']}: {targets}")
            if shots:
                page.screenshot(
                    path=str(SHOTS / f"{name}-{width}.jpg"), full_page=True, type="jpeg", quality=70
                )
    assert found == [], "\n".join(found)


def test_pages_answer_without_errors_in_the_console(as_user: Any, server: Server) -> None:
    """The pages load their scripts (the CSP allows them) and raise nothing."""
    page = as_user("staff")
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    for url in ("/", "/matrix", "/channels/whatsapp"):
        page.goto(server.base + url)
        page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.DS === 'object' && typeof window.htmx === 'object'")
    assert [m for m in messages if m.startswith("error")] == [] and page.errors == []
    assert page.title() == "WhatsApp – commsgov"  # each page has its own title

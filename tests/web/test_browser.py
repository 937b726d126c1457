"""The web app in a real browser: Debian's Chromium driven by Playwright, against a
``commsgov serve --demo`` this suite starts itself (a real process on a free port), on SQLite
and on PostgreSQL, with one browser for the whole run (see ``conftest.py``). Accessibility and
screenshots are in ``test_accessibility.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server, page_sign_in

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]

# The design system's checkboxes are styled labels over the box: a person clicks the label.

CAPTURE = ["Capture", "Upload chats", "Records"]
NAV = {
    "staff": ["Advisor", "Matrix", "Channels and apps", *CAPTURE],
    "records-manager": ["Advisor", "Matrix", "Channels and apps", *CAPTURE],
    "auditor": ["Advisor", "Matrix", "Channels and apps", "Records", "Audit trail", "Users",
                "API tokens", "Policy pack"],
    "admin": ["Advisor", "Matrix", "Channels and apps", "Users", "API tokens", "Policy pack"],
}  # fmt: skip


@pytest.mark.parametrize("role", list(NAV))
def test_sign_in_as_each_role(as_user: Any, server: Server, role: str) -> None:
    from playwright.sync_api import expect

    page = as_user(role)
    expect(page.locator("h1")).to_have_text("Which channel may I use?")
    assert page.url == server.base + "/"
    nav = page.locator(".ds_site-header__navigation .ds_site-navigation__link")
    expect(nav).to_have_text(NAV[role])
    expect(page.locator(".cg-account")).to_contain_text(f"demo-{role}")
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".cg-notice")).to_contain_text("You have signed out")
    assert page.errors == []


def test_ask_the_advisor_with_outage_off_and_on(as_user: Any, server: Server) -> None:
    """With JavaScript: each change updates the answer in place and the address follows."""
    from playwright.sync_api import expect

    page = as_user("staff")
    page.select_option("#scenario", "logistics")
    page.fill("#channel", "WhatsApp")
    page.press("#channel", "Tab")  # the field's change event: the answer follows
    title = page.locator("#advice-title")
    expect(title).to_have_text("WhatsApp: not allowed")
    page.click("label[for=outage]")
    expect(title).to_have_text("WhatsApp: allowed with conditions")
    expect(page.locator("#advice")).to_contain_text("Capture and retain every communication")
    assert "outage=true" in page.url and "channel=WhatsApp" in page.url
    page.click("label[for=outage]")
    expect(title).to_have_text("WhatsApp: not allowed")
    page.reload()  # the address is the answer: it can be linked to
    expect(title).to_have_text("WhatsApp: not allowed")
    assert page.errors == []


def test_the_advisor_works_without_javascript(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page = as_user("staff", js=False)
    page.select_option("#scenario", "logistics")
    page.fill("#channel", "WhatsApp")
    page.click("label[for=outage]")
    page.click("text=Show the answer")
    expect(page.locator("#advice-title")).to_have_text("WhatsApp: allowed with conditions")
    page.fill("#question", "Can I WhatsApp my manager that I'm running late?")
    page.press("#question", "Enter")
    expect(page.locator("#answer-title")).to_have_text("WhatsApp: not allowed")


def test_the_question_box(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page = as_user("staff")
    page.fill("#question", "SCOTS is down after a cyber attack, can we use Signal?")
    page.press("#question", "Enter")
    expect(page.locator("#answer-title")).to_have_text("Signal: allowed with conditions")
    expect(page.locator("#answer")).to_contain_text("From Use of mobile messaging apps")
    assert page.url == server.base + "/"  # answered in place
    page.fill("#question", "")
    page.press("#question", "Enter")
    expect(page.locator("#answer .ds_error-summary")).to_contain_text("Type your question")
    expect(page.locator("#answer .ds_error-summary")).to_be_focused()


def test_admin_adds_a_user_and_an_auditor_finds_it(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    admin = as_user("admin")
    admin.goto(server.base + "/admin/users")
    admin.fill("#username", "web.newcomer")
    admin.fill("#display_name", "Nia Newcomer")
    admin.click("label[for=role-staff]")
    admin.click("text=Add user")
    expect(admin.locator("#created-title")).to_have_text("User web.newcomer added")
    password = admin.locator("#one-time-password").inner_text()
    assert len(password) >= 12
    newcomer = as_user(None)
    page_sign_in(newcomer, server, "web.newcomer", password)
    expect(newcomer.locator("h1")).to_have_text("Change your password")

    auditor = as_user("auditor")
    auditor.goto(server.base + "/audit")
    auditor.select_option("#action", "user-created")  # the filter form answers in place
    auditor.click("#main-content form button[type=submit]")
    rows = auditor.locator("#results tbody tr")
    expect(rows.first).to_contain_text("user:web.newcomer")
    expect(rows.first).to_contain_text("demo-admin")
    assert "action=user-created" in auditor.url
    auditor.goto(server.base + "/audit?action=signed-in&actor=web.newcomer")
    expect(auditor.locator("#results tbody tr")).to_have_count(1)
    auditor.goto(server.base + "/audit/verify")
    expect(auditor.locator("main")).to_contain_text("Intact")


def test_staff_cannot_open_admin_pages(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page = as_user("staff")
    for url in ("/admin/users", "/admin/tokens", "/admin/pack", "/audit"):
        answer = page.goto(server.base + url)
        assert answer.status == 403
        expect(page.locator("h1")).to_have_text("You cannot open this page")


def test_a_form_without_its_csrf_token_is_refused(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page = as_user("admin")
    page.goto(server.base + "/admin/users")
    page.fill("#username", "web.intruder")
    page.click("label[for=role-admin]")
    page.eval_on_selector("#add-user + form input[name=csrf_token]", "field => field.remove()")
    page.click("text=Add user")
    expect(page.locator("h1")).to_have_text("This form could not be accepted")
    page.goto(server.base + "/admin/users")
    expect(page.locator("main")).not_to_contain_text("web.intruder")

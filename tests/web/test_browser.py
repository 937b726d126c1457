"""The web app in a real browser: Debian's Chromium driven by Playwright, against a
``commsgov serve --demo`` this suite starts itself (a real process on a free port), on SQLite
and on PostgreSQL, with one browser for the whole run (see ``conftest.py``). Accessibility and
screenshots are in ``test_accessibility.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Server, page_sign_in

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]

# The design system's checkboxes are styled labels over the box: a person clicks the label.

CAPTURE = ["Capture", "Upload chats", "Records"]
NAV = {
    "staff": ["Advisor", "Matrix", "Channels and apps", *CAPTURE],
    "records-manager": ["Advisor", "Matrix", "Channels and apps", *CAPTURE, "Governance",
                        "Registers"],
    "auditor": ["Advisor", "Matrix", "Channels and apps", "Records", "Governance", "Registers",
                "Audit trail", "Users", "API tokens", "Policy pack"],
    "admin": ["Advisor", "Matrix", "Channels and apps", "Registers", "Users", "API tokens",
              "Policy pack"],
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


def test_a_records_manager_keeps_the_groups_register(as_user: Any, server: Server) -> None:
    """A group recorded through the form (its purpose not a permitted use, so flagged), its
    page, and the list's filter updating the table in place while the address follows."""
    from playwright.sync_api import expect

    page = as_user("records-manager")
    page.click(".ds_site-header__navigation >> text=Registers")
    expect(page.locator("h1")).to_have_text("Registers")
    page.click("text=Personal-device groups")
    page.fill("#add-name", "Browser: project chat")
    page.select_option("#add-purpose", "other")
    page.fill("#add-purpose_other", "project updates")
    page.fill("#add-owner", "demo-staff")
    page.fill("#add-members", "demo-staff\nBob Jones")
    page.fill("#add-created_on", "2026-11-20")
    page.fill("#add-disband_by", "2026-11-21")
    page.click("text=Add group")
    expect(page.locator("h1")).to_have_text("Browser: project chat")
    expect(page.locator(".cg-notice")).to_contain_text("added to the register")
    expect(page.locator("main")).to_contain_text("Purpose not permitted")
    page.click("text=All groups")
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(2)  # the demo's group and this one
    page.select_option("#state", "disbanded")  # the filter answers in place
    expect(page.locator("#entries")).to_contain_text("no entries in this state")
    assert "state=disbanded" in page.url
    page.select_option("#state", "")
    expect(rows).to_have_count(2)
    # a mistake shows beside its field, focus on the summary, nothing recorded
    page.fill("#add-name", "Backwards")
    page.select_option("#add-purpose", "wellbeing-check")
    page.fill("#add-owner", "demo-staff")
    page.fill("#add-created_on", "2026-11-20")
    page.fill("#add-disband_by", "2026-11-01")
    page.click("text=Add group")
    expect(page.locator(".ds_error-summary")).to_contain_text("before it was made")
    expect(page.locator("#add-disband_by-error")).to_be_visible()
    assert page.errors == []


# -- the record -----------------------------------------------------------------------------
def test_capture_a_record_and_keep_its_receipt(as_user: Any, server: Server) -> None:
    """With JavaScript: errors come back in place (the summary takes the focus), then the
    receipt is shown and downloads."""
    import json

    from playwright.sync_api import expect

    page = as_user("staff")
    page.goto(server.base + "/capture")
    page.fill("#at", "2026-11-19 10:00")
    page.fill("#summary", "Agreed the press line by text")
    page.click("text=Save to the record")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_contain_text("a method (channel id) is required")
    expect(summary).to_be_focused()
    expect(page.locator("#method-error")).to_be_visible()
    expect(page.locator("#summary")).to_have_value("Agreed the press line by text")
    page.fill("#method", "SMS")
    page.fill("#with", "Bob Jones <+447700900002>")
    page.click("text=Save to the record")
    expect(page.locator("h1")).to_have_text("Saved to the record")
    uid = page.locator("#captured-uid").inner_text()
    with page.expect_download() as download:
        page.click("text=Download the receipt")
    receipt = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert receipt["record_uid"] == uid and len(receipt["record_sha256"]) == 64
    page.click("text=Open the record")
    expect(page.locator("main")).to_contain_text("Bob Jones <+447700900002>")
    expect(page.locator("#ledger tbody tr")).to_have_count(1)
    assert page.errors == []


def test_capture_works_without_javascript(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page = as_user("records-manager", js=False)
    page.goto(server.base + "/capture")
    page.fill("#method", "WhatsApp")
    page.fill("#at", "not a time")
    page.fill("#summary", "A note")
    page.click("text=Save to the record")
    expect(page.locator("#at-error")).to_be_visible()
    expect(page.locator(".ds_error-summary a[href='#at']")).to_be_visible()
    page.fill("#at", "2026-11-19 11:00")
    page.click("text=Save to the record")
    expect(page.locator("h1")).to_have_text("Saved to the record")
    page.click("text=Open the record")
    expect(page.locator("#policy-exception")).to_contain_text("Policy exception")


def test_search_the_record_and_staff_see_only_their_own(as_user: Any, server: Server) -> None:
    from playwright.sync_api import expect

    manager = as_user("records-manager")
    manager.goto(server.base + "/capture")
    manager.fill("#method", "SMS")
    manager.fill("#at", "2026-11-18 09:00")
    manager.fill("#summary", "Manager's private budget note")
    manager.click("text=Save to the record")
    expect(manager.locator("h1")).to_have_text("Saved to the record")
    uid = manager.locator("#captured-uid").inner_text()
    manager.goto(server.base + "/records")
    manager.fill("#q", "budget")
    manager.click("#main-content form button[type=submit]")  # answers in place
    expect(manager.locator("#results tbody tr")).to_have_count(1)
    assert "q=budget" in manager.url

    staff = as_user("staff")
    staff.goto(server.base + "/records?q=budget")
    expect(staff.locator("#no-records")).to_be_visible()
    answer = staff.goto(server.base + f"/records/{uid}")
    assert answer is not None and answer.status == 404
    expect(staff.locator("h1")).to_have_text("Page not found")
    staff.goto(server.base + "/records")  # the demo's own records are theirs
    expect(staff.locator("#results tbody tr").first).to_be_visible()
    staff.click("text=Only policy exceptions")
    staff.click("#main-content form button[type=submit]")
    # (the demo's records were captured within the rules: none is an exception)
    expect(staff.locator("#no-records")).to_be_visible()
    assert "exceptions=true" in staff.url


def _whatsapp_zip(folder: Path) -> Path:
    import zipfile

    chat = (
        "19/11/2026, 09:00 - Ann Smith: Photo of the agreed line\n"
        "19/11/2026, 09:01 - Ann Smith: IMG-20261119-WA0001.jpg (file attached)\n"
        "19/11/2026, 09:02 - Bob Jones: This message was deleted\n"
    )
    path = folder / "WhatsApp Chat with Line cell.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with Line cell.txt", chat)
        archive.writestr("IMG-20261119-WA0001.jpg", b"\xff\xd8\xff not really a photo")
    return path


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_upload_a_whatsapp_zip_and_see_its_messages(
    as_user: Any, server: Server, tmp_path: Path, js: bool
) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / ("js" if js else "plain")
    folder.mkdir()
    page = as_user("staff", js=js)
    page.goto(server.base + "/upload")
    page.set_input_files("#file", [str(_whatsapp_zip(folder))])
    if js:  # HTMX sends the files to be read in the background and follows the reading
        with page.expect_response(lambda r: r.url.endswith("/upload/stage")) as staged:
            page.click("text=Check the files")
        assert staged.value.status == 200
    else:  # one post, answered with the preview
        page.click("text=Check the files")
    expect(page.locator("#preview-title")).to_have_text("Check what will be stored")
    expect(page.locator(".cg-count")).to_have_text("3")
    expect(page.locator(".cg-preview")).to_contain_text("IMG-20261119-WA0001.jpg")
    page.click("text=Store 1 file in the record")
    expect(page.locator("#stored-title")).to_have_text("Stored in the record")
    page.click(".cg-stored a >> nth=0")
    main = page.locator("main")
    expect(main).to_contain_text("Photo of the agreed line")
    expect(page.locator(".cg-flag")).to_contain_text(["deleted"])
    # the photo is shown in the page, from the checked route, as what its bytes are
    photo = page.locator("img.cg-media__item")
    expect(photo).to_have_attribute("alt", "IMG-20261119-WA0001.jpg")
    shown = page.request.get(server.base + str(photo.get_attribute("src")))
    assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["content-disposition"].startswith("inline;")
    with page.expect_download() as download:
        page.click("a:text('IMG-20261119-WA0001.jpg')")
    assert Path(download.value.path()).read_bytes() == b"\xff\xd8\xff not really a photo"
    if js:
        assert page.errors == []


# -- keeping the record ---------------------------------------------------------------------
def test_keep_the_record_and_an_auditor_finds_it_all(as_user: Any, server: Server) -> None:
    """A records manager declares and ends an outage, places and lifts a hold, approves a
    disposal from the review queue; an auditor finds each in the audit trail and can change
    none of it."""
    import subprocess
    import sys

    from playwright.sync_api import expect

    page = as_user("records-manager")
    page.goto(server.base + "/governance/outages")
    page.fill("#reason", "Browser test: Teams down")
    page.click("text=Declare the outage")
    expect(page.locator(".cg-notice")).to_contain_text("The outage has been declared.")
    row = page.locator("#outages tbody tr", has_text="Browser test: Teams down")
    row.locator("text=End this outage").click()
    expect(page.locator(".cg-notice")).to_contain_text("declared over")

    page.goto(server.base + "/governance/holds")
    page.click("text=Place the hold")  # nothing given: the errors say what is missing
    expect(page.locator(".ds_error-summary")).to_contain_text("needs a name")
    page.fill("#name", "Browser test: inquiry")
    page.fill("#mandate", "Inquiry into the outage")
    page.fill("#search", "outage")
    page.click("text=Place the hold")
    expect(page.locator(".cg-notice")).to_contain_text("The hold has been placed.")
    held = page.locator(".cg-hold", has_text="Browser test: inquiry")
    expect(held).to_contain_text("In force")
    held.locator("input[name=reason]").fill("Inquiry closed")
    held.locator("text=Lift this hold").click()
    expect(page.locator(".cg-hold", has_text="Browser test: inquiry")).to_contain_text("Lifted")

    page.goto(server.base + "/capture")
    page.fill("#method", "Teams chat")
    page.fill("#at", "2026-01-05 09:00")
    page.fill("#summary", "Browser test: routine chat")
    page.click("text=Save to the record")
    uid = page.locator("#captured-uid").inner_text()
    subprocess.run(
        [sys.executable, "-m", "commsgov", "retention", "classify", uid, "--class", "teams-chat",
         "--reason", "test set-up", "--by", "test", "--database", server.database],
        check=True, capture_output=True,
    )  # fmt: skip
    # the queue filtered without JavaScript (a GET form), then with HTMX (in place)
    plain = as_user("records-manager", js=False)
    plain.goto(server.base + "/governance/review")
    plain.fill("#method", "Teams chat")
    plain.select_option("#action", "delete")
    plain.click("text=Show what is due")
    expect(plain.locator("#matching")).to_have_text("1 record matches the filters.")
    expect(plain.locator(f"#pick-{uid}")).to_have_count(1)
    assert "method=Teams+chat" in plain.url and "action=delete" in plain.url
    page.goto(server.base + "/governance/review")
    page.select_option("#review_stage", "2")
    page.click("text=Show what is due")
    expect(page.locator("#matching")).to_contain_text("0 records match the filters")
    assert "review_stage=2" in page.url
    page.select_option("#review_stage", "1")
    page.fill("#method", "Teams chat")
    page.click("text=Show what is due")
    expect(page.locator("#matching")).to_have_text("1 record matches the filters.")
    page.click(f"label[for=pick-{uid}]")
    page.click("label[for=decision-destroy]")
    page.fill("#reason", "Routine chat, nothing of note")
    page.click("text=Record the decision")
    expect(page.locator("#decided")).to_contain_text(f"{uid}: destroy, now approved-destroy")
    assert page.errors == []

    auditor = as_user("auditor")
    for action, target in (("outage-started", None), ("hold-placed", None),
                           ("hold-lifted", None), ("review-decided", uid)):  # fmt: skip
        auditor.goto(server.base + f"/audit?action={action}&actor=demo-records-manager")
        rows = auditor.locator("#results tbody tr")
        expect(rows.first).to_contain_text(action)
        if target:
            expect(rows.first).to_contain_text(target)
    for url in ("/governance/outages", "/governance/holds", "/governance/review"):
        auditor.goto(server.base + url)
        expect(auditor.locator("main form[method=post]")).to_have_count(0)

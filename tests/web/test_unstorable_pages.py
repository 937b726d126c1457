"""Text no database can hold (a NUL) typed into a page's form or address: refused naming the
field, the same on SQLite and PostgreSQL (which cannot store a NUL and would otherwise fail
inside the driver), with nothing stored."""

from __future__ import annotations

import re

import pytest

from commsgov.accounts import Actor
from commsgov.services import reads

from .conftest import Api, csrf_of, sign_in

CLI = Actor.cli("test")


@pytest.mark.parametrize("field", ["summary", "subject", "with"])
def test_a_nul_in_a_posted_form_is_refused_naming_the_field(web: Api, field: str) -> None:
    meg = sign_in(web, "meg", "records-manager")
    token = csrf_of(meg.get("/capture").text)
    fields = {"method": "sms", "at": "2026-11-19 10:00", "summary": "Agreed", field: "a\x00b"}
    answer = meg.post("/capture", data={"csrf_token": token, **fields}, follow_redirects=False)
    assert answer.status_code in {400, 422}, answer.text
    assert field in answer.text and "NUL" in answer.text
    assert reads.list_records(web.store, actor=CLI) == []


def test_a_nul_in_a_page_address_is_refused_naming_the_parameter(web: Api) -> None:
    meg = sign_in(web, "meg", "records-manager")
    answer = meg.get("/records", params={"q": "budget\x00", "method": "sms"})
    assert answer.status_code in {400, 422}, answer.text
    assert "q:" in answer.text and "NUL" in answer.text
    assert meg.get("/records", params={"q": "budget"}).status_code == 200


# Each page with a form: every text field of each of its forms is given a NUL in turn, the
# others a plain word.
PAGES = [
    "/capture", "/governance/outages", "/governance/holds",
    "/governance/transfers", "/registers/exemptions", "/registers/organisations",
    "/registers/groups", "/registers/phones", "/admin/users", "/admin/tokens", "/password",
]  # fmt: skip

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_TEXTUAL = {"text", "date", "email", "password"}
_FIELD = re.compile(r"<(input|textarea)\b([^>]*)>", re.S)


def _forms(html: str) -> list[tuple[str, list[str]]]:
    """Each form posting somewhere, and the names of its text fields."""
    found = []
    for form in _FORM.finditer(html):
        action = re.search(r'action="([^"]+)"', form[1])
        if action is None or 'method="post"' not in form[1] or action[1] == "/sign-out":
            continue
        names = []
        for tag, attrs in _FIELD.findall(form[2]):
            name = re.search(r'name="([^"]+)"', attrs)
            kind = re.search(r'type="([^"]+)"', attrs)
            textual = tag == "textarea" or kind is None or kind[1] in _TEXTUAL
            if name and name[1] != "csrf_token" and textual:
                names.append(name[1])
        if names:
            found.append((action[1], names))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_no_form_answers_a_nul_with_a_server_error(web: Api, page: str) -> None:
    client = sign_in(web, "meg", "records-manager", "admin")
    html = client.get(page).text
    forms = _forms(html)
    assert forms, f"no form with a text field on {page}"
    for action, fields in forms:
        for field in fields:
            data = {name: "ok" for name in fields} | {field: "a\x00b", "csrf_token": csrf_of(html)}
            answer = client.post(action, data=data, follow_redirects=False)
            assert answer.status_code < 500, (page, action, field, answer.text[-400:])
            if answer.status_code >= 400:
                assert "NUL" in answer.text or field in answer.text, (page, action, field)

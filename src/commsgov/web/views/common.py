"""What the views share: reading a posted form, and errors shown beside their fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from commsgov.api.deps import UNSTORABLE, UnstorableText
from commsgov.records.errors import InvalidFieldError


async def _form(request: Request) -> FormData:
    # the CSRF check may have read it already: Starlette keeps it, so this is the same object
    form = await request.form()
    # Text no database can hold is refused here, naming the field, for every page alike (the
    # API refuses it as it reads a body): PostgreSQL would otherwise fail inside its driver.
    for name, value in form.multi_items():
        if isinstance(value, str) and (UNSTORABLE.search(value) or UNSTORABLE.search(name)):
            raise UnstorableText(f"{name}: a NUL or unpaired surrogate character", field=name)
    return form


#: the posted form of a request
Form = Annotated[FormData, Depends(_form)]


def text(form: FormData, name: str, limit: int = 2000) -> str:
    """One text field of a form ('' when absent), cut to ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def texts(form: FormData, name: str, limit: int = 200) -> list[str]:
    """Every value of a repeated field (checkboxes), each cut to ``limit`` characters."""
    return [v[:limit] for v in form.getlist(name) if isinstance(v, str)]


def field_error(exc: InvalidFieldError) -> dict[str, str]:
    """An error summary entry: the field at fault and what is wrong with it."""
    return {exc.field: exc.message}


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site (never another site: ``//host`` or a scheme)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default

"""The four roles, and the separation of duties between them.

- ``staff`` ask the advisor, capture and ingest, and see only the records they captured or took
  part in;
- ``records-manager`` see and manage all records, holds, review, disposal and transfer;
- ``auditor`` read everything, the audit trail included, and change nothing;
- ``admin`` manage users, tokens and the policy pack, and do **not** read record content unless
  they also hold a records role.

A person may hold several roles; what they may do is the union (see
:mod:`commsgov.accounts.permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from commsgov.records.errors import InvalidFieldError


class Role(StrEnum):
    """A role a user (or an API token) holds."""

    staff = "staff"
    records_manager = "records-manager"
    auditor = "auditor"
    admin = "admin"


#: every role, in the order documents list them
ROLES: tuple[Role, ...] = tuple(Role)

#: the roles that may read record content (admins may not, unless they also hold one of these)
RECORD_READERS: frozenset[Role] = frozenset({Role.staff, Role.records_manager, Role.auditor})


#: how much of the record a caller may read: every record, their own, or none
RecordAccess = Literal["all", "own", "none"]


def record_access(roles: Iterable[str]) -> RecordAccess:
    """How much of the record someone holding ``roles`` may read: ``all`` (records managers,
    auditors), ``own`` (staff: the records they captured or took part in) or ``none`` (an
    admin holding no records role: separation of duties).

    >>> record_access(["staff"]), record_access(["staff", "auditor"]), record_access(["admin"])
    ('own', 'all', 'none')
    """
    held = set(roles)
    if held & {Role.records_manager, Role.auditor}:
        return "all"
    return "own" if Role.staff in held else "none"


def parse_roles(values: Iterable[str], *, field: str = "roles") -> tuple[Role, ...]:
    """Roles from their names, sorted in :data:`ROLES` order, each once.

    Raises :class:`InvalidFieldError` naming ``field`` for an unknown role.

    >>> parse_roles(["admin", "staff", "admin"])
    (<Role.staff: 'staff'>, <Role.admin: 'admin'>)
    >>> parse_roles(["boss"])
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: roles: unknown role 'boss' (roles: staff, ...)
    """
    chosen = set()
    for value in values:
        name = value.strip().lower()
        try:
            chosen.add(Role(name))
        except ValueError:
            known = ", ".join(ROLES)
            raise InvalidFieldError(field, f"unknown role {value!r} (roles: {known})") from None
    return tuple(r for r in ROLES if r in chosen)

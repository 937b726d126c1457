"""Accounts, roles, permissions and the audit trail: the pure part (no I/O, no frameworks).

- :mod:`.actor`: :class:`Actor`, who does something and from where: the one actor every service
  (the record's, retention's and the accounts') takes.
- :mod:`.roles`: the four roles and what each may do (separation of duties).
- :mod:`.permissions`: the permission table as data, one entry per route and action.
- :mod:`.events`: every audit event kind, a documented dataclass, in one registry.
- :mod:`.chain`: the audit trail's hash chain (the ledger's maths, over audit entries).
- :mod:`.throttle`: when failed sign-ins lock an account or an address, and for how long.
- :mod:`.credentials`: how session, token and password secrets are made, hashed and checked.

The services (``commsgov.services.users``, ``tokens``, ``sessions``, ``audit``) put these to work
against the store; the command line and the HTTP API call the services.
"""

from __future__ import annotations

from .actor import Actor
from .roles import ROLES, Role, parse_roles

__all__ = ["ROLES", "Actor", "Role", "parse_roles"]

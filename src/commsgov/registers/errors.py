"""Errors raised by the registers; see :mod:`commsgov.errors` for the tree shells map.

A field at fault is a :class:`commsgov.records.errors.InvalidFieldError` and an entry not found a
:class:`commsgov.records.errors.NotFoundError`, as everywhere else.
"""

from __future__ import annotations

from commsgov.errors import CommsgovError, Conflict


class RegisterError(CommsgovError):
    """Base class of the errors the registers raise."""


class RegisterConflict(RegisterError, Conflict):
    """The register's state forbids it: a domain already another's, a request already decided."""

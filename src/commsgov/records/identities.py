"""Identities: the email addresses and phone numbers that name a person, in one normal form, so
that a user's identities (their account) and a record's participants can be matched exactly.

An email address is compared in lower case; a phone number as ``+`` and digits, without spaces,
dots, dashes or brackets (``+44 7700 900001`` is ``+447700900001``; a national form such as
``07700 900001`` stays a different number: give a user both if the record holds both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["email_identity", "identity_of", "participant_identities", "phone_identity"]

_EMAIL = re.compile(r"[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+")
_PHONE = re.compile(r"\+?[0-9]{6,15}")
_PHONE_NOISE = re.compile(r"[\s().-]")


def email_identity(text: str) -> str | None:
    """``text`` as an email identity, or ``None`` if it is not an email address.

    >>> email_identity(" Ann.Smith@Gov.Scot "), email_identity("Ann Smith")
    ('ann.smith@gov.scot', None)
    """
    value = text.strip().lower()
    return value if _EMAIL.fullmatch(value) else None


def phone_identity(text: str) -> str | None:
    """``text`` as a phone identity, or ``None`` if it is not a phone number.

    >>> phone_identity("+44 (0)7700-900.001"), phone_identity("Ann")
    ('+4407700900001', None)
    """
    value = _PHONE_NOISE.sub("", text)
    return value if _PHONE.fullmatch(value) else None


def identity_of(text: str | None) -> str | None:
    """``text`` as an identity (an email address or a phone number), else ``None``."""
    if not text:
        return None
    return email_identity(text) or phone_identity(text)


def participant_identities(participants: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The identities a record's participants (canonical dictionaries) carry, sorted, each
    once: a participant's number, and their name where it is an address or a number (an SMS
    or Signal export names people by number).

    >>> participant_identities([{"name": "Ann", "number": "+44 7700 900001"},
    ...                         {"name": "bob@gov.scot", "number": None}, {"name": "Cy"}])
    ('+447700900001', 'bob@gov.scot')
    """
    found = {identity_of(p.get(key)) for p in participants for key in ("name", "number")}
    return tuple(sorted(v for v in found if v))

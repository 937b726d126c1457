"""Words of a question: folded to lower case, punctuation dropped, lightly stemmed."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^0-9a-z]+")
_SUFFIXES = ("ing", "ed", "es", "s")


def words(text: str) -> list[str]:
    """The question's words, lower case, with punctuation (apostrophes too) as a break.

    >>> words("Can't I WhatsApp my line-manager?")
    ['can', 't', 'i', 'whatsapp', 'my', 'line', 'manager']
    """
    return _NON_WORD.sub(" ", text.casefold().replace("’", "'")).split()


def stem(word: str) -> str:
    """A crude stem, enough for "inspecting"/"inspection"-style variants to share a feature.

    >>> [stem(w) for w in ("meetings", "texted", "inspecting", "bus", "news")]
    ['meeting', 'text', 'inspect', 'bus', 'new']
    """
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


_CLAUSE = re.compile(r"[.,;:!?()\n]+|\s[-–—]+\s")


def clauses(text: str) -> list[int]:
    """For each of :func:`words`' words, the number of the clause it is in (punctuation breaks).

    >>> clauses("Teams is down, not SCOTS")
    [0, 0, 0, 1, 1]
    """
    found: list[int] = []
    for number, part in enumerate(_CLAUSE.split(text)):
        found.extend([number] * len(words(part)))
    return found

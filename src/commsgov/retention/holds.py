"""Holds: named freezes on disposal (an inquiry, an FOI request, a standing pause).

A hold has a name, a mandate (on whose authority), a scope and who placed it. Within a scope,
each kind of criterion that is given must match (record ids, participants, methods, the date
range, outages, a saved search, record classes); within one kind, any listed value matches. So
``participants={"ann"}, date_from=2020-03-01`` holds Ann's items from March 2020 on. A scope with
no criterion at all is refused: a hold says what it holds.

A participant matches however the name is spaced, punctuated or ordered (``Ann  Smith``,
``Smith, Ann``: :func:`participant_matches`), and a number on its last nine digits; when in
doubt, a hold keeps.

Lifting a hold is its own act (who, when, why); a lifted hold no longer protects anything and
due dates are recomputed. The standing "deletion paused" rule of a schedule is a hold scoped to
that schedule's record class (:func:`paused_holds`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .errors import HoldError
from .schedules import Item, Schedule

__all__ = [
    "NAME_SEPARATORS",
    "NUMBER_DIGITS",
    "Hold",
    "HoldScope",
    "holds_on",
    "name_words",
    "number_key",
    "participant_matches",
    "paused_holds",
]


#: what separates the words of a name or number (the same set in SQL:
#: :func:`commsgov.store.repo_retention.scope_predicate`)
NAME_SEPARATORS = (
    " \t\n\r\v\f,.;:()[]{}<>/\\|'\"`-_+@!?#%&*=~^$"
    "\u00a0\u2002\u2003\u2009\u200a\u202f\u3000\u2019\u2013\u2014\u3001\uff0c"
)
_SPLIT = str.maketrans(dict.fromkeys(NAME_SEPARATORS, " "))
#: only ASCII letters change case, as SQL's lower() does everywhere (SQLite; PostgreSQL "C")
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)  # fmt: skip
#: a number is matched on its last digits (``+44 7700 900123`` is ``07700 900123``)
NUMBER_DIGITS = 9


def name_words(text: str) -> list[str]:
    """The words of a name or number, as a hold compares them: ASCII letters lowered, split on
    spaces and punctuation (so ``Smith, Ann`` and ``Ann  Smith`` are the words of ``Ann Smith``).

    >>> name_words("Smith,  Ann-Marie")
    ['smith', 'ann', 'marie']
    """
    return [w for w in text.translate(_ASCII_LOWER).translate(_SPLIT).split(" ") if w]


def number_key(text: str) -> str | None:
    """The digits a number is matched on (its last :data:`NUMBER_DIGITS`), or ``None`` when
    ``text`` is not a number (letters, or fewer than six digits).

    >>> number_key("+44 7700 900123"), number_key("07700 900123"), number_key("Ann")
    ('700900123', '700900123', None)
    """
    if any(c.isalpha() for c in text):
        return None
    digits = "".join(c for c in text if c.isdigit() and c.isascii())
    return digits[-NUMBER_DIGITS:] if len(digits) >= 6 else None


def _word_matches(wanted: str, word: str) -> bool:
    """A hold's word matches a name's word: the same, where a non-ASCII letter of the hold's
    matches any one letter (its case cannot be folded alike everywhere: when in doubt, keep)."""
    return len(wanted) == len(word) and all(
        w == h or not w.isascii() for w, h in zip(wanted, word, strict=True)
    )


def participant_matches(value: str, participants: Iterable[str]) -> bool:
    """Whether a hold's participant ``value`` (a name or number) names one of ``participants``
    (each a name or a number): every word of the value is a word of one of them, or, for a
    number, their last digits agree.

    >>> participant_matches("Ann Smith", ["Smith, Ann", "+44 7700 900123"])
    True
    >>> participant_matches("07700 900123", ["Bob", "+44 7700 900123"])
    True
    >>> participant_matches("Ann Smith", ["Ann Jones", "Bob Smith"])
    False
    """
    wanted = name_words(value)
    key = number_key(value)
    for have in participants:
        words = name_words(have)
        if wanted and all(any(_word_matches(w, h) for h in words) for w in wanted):
            return True
        if key is not None:
            digits = "".join(c for c in have if c.isdigit() and c.isascii())
            if digits.endswith(key) if len(key) == NUMBER_DIGITS else digits == key:
                return True
    return False


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\W+", text.casefold()) if w]


@dataclass(frozen=True, slots=True)
class HoldScope:
    """What a hold covers; see the module documentation for how criteria combine."""

    record_uids: frozenset[str] = frozenset()
    participants: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset()
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    outages: frozenset[str] = frozenset()
    search: str | None = None
    record_classes: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return not (
            self.record_uids
            or self.participants
            or self.methods
            or self.date_from
            or self.date_to
            or self.outages
            or (self.search and self.search.strip())
            or self.record_classes
        )

    def matches(self, item: Item) -> bool:
        """Whether ``item`` is within this scope.

        >>> import datetime as dt
        >>> t = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
        >>> item = Item("r1", "captured-record", created=t, participants=("Ann Smith",))
        >>> HoldScope(participants=frozenset({"ann smith"})).matches(item)
        True
        >>> ann = frozenset({"ann smith"})
        >>> HoldScope(participants=ann, date_to=t.replace(month=4)).matches(item)
        False
        """
        if self.is_empty():
            return False
        if self.record_uids and item.uid not in self.record_uids:
            return False
        if self.participants and not any(
            participant_matches(p, item.participants) for p in self.participants
        ):
            return False
        if self.methods and item.method not in self.methods:
            return False
        if self.date_from is not None and item.created < self.date_from:
            return False
        if self.date_to is not None and item.created > self.date_to:
            return False
        if self.outages and item.outage not in self.outages:
            return False
        if self.record_classes and item.record_class not in self.record_classes:
            return False
        if self.search and self.search.strip():
            have = set(_words(item.text)) | {w for p in item.participants for w in _words(p)}
            if not set(_words(self.search)) <= have:
                return False
        return True

    def describe(self) -> str:
        """The scope in words.

        >>> HoldScope(methods=frozenset({"whatsapp"}), search="covid").describe()
        'method whatsapp; matching "covid"'
        """
        parts = []
        if self.record_uids:
            parts.append(f"records {', '.join(sorted(self.record_uids))}")
        if self.participants:
            parts.append(f"participants {', '.join(sorted(self.participants))}")
        if self.methods:
            parts.append(f"method {', '.join(sorted(self.methods))}")
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "the start"
            end = self.date_to.isoformat() if self.date_to else "now"
            parts.append(f"from {start} to {end}")
        if self.outages:
            parts.append(f"outage {', '.join(sorted(self.outages))}")
        if self.record_classes:
            parts.append(f"record class {', '.join(sorted(self.record_classes))}")
        if self.search:
            parts.append(f'matching "{self.search}"')
        return "; ".join(parts) or "nothing"


@dataclass(frozen=True, slots=True)
class Hold:
    """A named freeze on disposal, with its mandate, scope, and who placed (and lifted) it."""

    id: str
    name: str
    mandate: str
    scope: HoldScope
    placed_by: str
    placed_at: dt.datetime
    lifted_at: dt.datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
    #: a standing hold comes from the policy pack (a paused schedule), not from a person
    standing: bool = field(default=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise HoldError("a hold needs a name (e.g. 'Covid-19 Inquiry')", field="name")
        if not self.mandate.strip():
            raise HoldError(
                f"hold {self.name!r} needs a mandate (on whose authority?)", field="mandate"
            )
        if self.scope.is_empty():
            raise HoldError(
                f"hold {self.name!r} needs a scope (records, participants, ...)", field="scope"
            )

    def active(self, at: dt.datetime | None = None) -> bool:
        """Whether the hold is in force at ``at`` (now when ``None``).

        >>> import datetime as dt
        >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        >>> h = Hold("h1", "FOI 2026/0123", "FOI request", HoldScope(search="x"), "ann", t)
        >>> h.active(), h.lift(by="bob", at=t, reason="answered").active()
        (True, False)
        """
        if at is not None and at < self.placed_at:
            return False
        return self.lifted_at is None or (at is not None and at < self.lifted_at)

    def lift(self, *, by: str, at: dt.datetime, reason: str) -> Hold:
        """The hold, lifted: its own act, with who, when and why."""
        if self.standing:
            raise HoldError(
                f"{self.name!r} is a standing rule of the policy pack: change the pack to lift it"
            )
        if self.lifted_at is not None:
            raise HoldError(f"hold {self.name!r} was already lifted on {self.lifted_at}")
        if not reason.strip():
            raise HoldError("say why the hold is lifted", field="reason")
        return replace(self, lifted_at=at, lifted_by=by, lift_reason=reason)

    def covers(self, item: Item, at: dt.datetime | None = None) -> bool:
        """Whether the hold is active and ``item`` is in its scope."""
        return self.active(at) and self.scope.matches(item)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def paused_holds(schedules: Iterable[Schedule]) -> list[Hold]:
    """The standing holds of the pack: one per schedule whose deletion is paused.

    >>> [h.name for h in paused_holds([Schedule("teams-chat-document", "delete", paused=True)])]
    ['Deletion paused: teams-chat-document']
    """
    return [
        Hold(
            id=f"paused-{s.id}",
            name=f"Deletion paused: {s.title or s.id}",
            mandate=s.mandate or "policy pack: deletion paused",
            scope=HoldScope(record_classes=frozenset({s.id})),
            placed_by="policy pack",
            placed_at=_EPOCH,
            standing=True,
        )
        for s in schedules
        if s.paused
    ]


def holds_on(item: Item, holds: Iterable[Hold], at: dt.datetime | None = None) -> list[Hold]:
    """The holds in force on ``item`` at ``at``."""
    return [h for h in holds if h.covers(item, at)]

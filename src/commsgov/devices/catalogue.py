"""The banned-app catalogue of a policy pack, indexed for matching inventory rows.

An inventory row is matched on its app identifier first (an Android package name, an iOS or
macOS bundle id, a Windows Store package); only when no identifier matches is its display name
compared with the names the catalogue knows, exactly after folding case, punctuation and
version numbers, then with rapidfuzz's ``ratio`` for near spellings of longer names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from commsgov.policy.model import PolicyPack

MatchedBy = Literal["identifier", "name"]

#: a display name must score at least this (rapidfuzz ``ratio``, 0-100) to match a known name
NAME_CUTOFF = 90.0
#: names shorter than this (after folding) must match exactly: "Signal" must not match "Signals"
FUZZY_MIN_LENGTH = 8
#: identifier kinds an inventory can carry as the app's id (display names are matched as names)
_ID_KINDS = frozenset({"package", "bundle-id", "store-package"})

_VERSION = re.compile(r"\b(?:version\s*|v)?\d+(?:[._]\d+)+\b|\((?:x64|x86|64-bit|32-bit|user)\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """Fold a display name for matching: case, punctuation and version numbers go.

    >>> name_key("Telegram Desktop version 4.8.1")
    'telegram desktop'
    >>> name_key("Signal - Private Messenger")
    'signal private messenger'
    """
    folded = _VERSION.sub(" ", name.casefold())
    return _NON_WORD.sub(" ", folded).strip()


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier of a banned app: platform, kind, value and where it was confirmed."""

    platform: str
    kind: str
    value: str
    #: where the identifier was confirmed; ``None`` means unconfirmed
    source: str | None

    @property
    def confirmed(self) -> bool:
        """Whether the catalogue names a source that confirms this identifier."""
        return self.source is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "platform": self.platform,
            "kind": self.kind,
            "value": self.value,
            "confirmed": self.confirmed,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class BannedApp:
    """A banned app: the pack channel it is, its display names and its identifiers."""

    id: str
    name: str
    channel: str
    publisher: str
    names: tuple[str, ...]
    identifiers: tuple[Identifier, ...]
    notes: str = ""

    def identifiers_of(self, *, platform: str, kind: str) -> tuple[Identifier, ...]:
        """The identifiers of one platform and kind (e.g. ``ios``, ``bundle-id``)."""
        return tuple(i for i in self.identifiers if i.platform == platform and i.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "name": self.name,
            "channel": self.channel,
            "publisher": self.publisher,
            "names": list(self.names),
            "identifiers": [i.to_dict() for i in self.identifiers],
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of the policy the scan applies, with the passages that ground it."""

    text: str
    #: ``(document, quote)`` pairs
    cite: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with citations as ``{document, quote}``."""
        return {"text": self.text, "cite": [{"document": d, "quote": q} for d, q in self.cite]}


@dataclass(frozen=True, slots=True)
class Match:
    """A banned app recognised in an inventory row, and how it was recognised."""

    app: BannedApp
    matched_by: MatchedBy
    #: the identifier or display name as the inventory shows it
    seen: str
    #: the catalogue identifier matched (``None`` for a name match)
    identifier: Identifier | None
    #: 100 for an exact match, else rapidfuzz's ratio
    score: float


class Catalogue:
    """The banned apps of a pack, with O(1) identifier lookups and a name matcher.

    >>> from commsgov.policy.loader import load_pack
    >>> cat = Catalogue.from_pack(load_pack())
    >>> m = cat.match(identifiers=("com.whatsapp",), name="")
    >>> m.app.id, m.matched_by, m.identifier.confirmed
    ('whatsapp', 'identifier', True)
    >>> m = cat.match(identifiers=(), name="Telegram Desktop version 4.8.1")
    >>> m.app.id, m.matched_by
    ('telegram', 'name')
    >>> cat.match(identifiers=("com.example.notes",), name="Signals") is None
    True
    """

    def __init__(self, apps: tuple[BannedApp, ...], *, rule: Rule | None = None) -> None:
        self.apps = {a.id: a for a in apps}
        #: the rule a banned app on a corporate device breaks (``no_mma_on_corporate_devices``)
        self.rule = rule
        self._ids: dict[str, tuple[BannedApp, Identifier]] = {}
        self._names: dict[str, BannedApp] = {}
        for app in apps:
            for ident in app.identifiers:
                if ident.kind in _ID_KINDS:
                    self._ids.setdefault(ident.value.casefold(), (app, ident))
            for name in (
                app.name,
                *app.names,
                *(i.value for i in app.identifiers if i.kind == "name"),
            ):
                key = name_key(name)
                if key:
                    self._names.setdefault(key, app)
        self._name_keys = list(self._names)

    @classmethod
    def from_pack(cls, pack: PolicyPack) -> Catalogue:
        """Build the catalogue of a validated pack (its ``apps`` and the corporate-device rule)."""
        apps = tuple(
            BannedApp(
                id=a.id,
                name=a.name,
                channel=a.channel,
                publisher=a.publisher,
                names=tuple(a.names),
                identifiers=tuple(
                    Identifier(i.platform, i.kind, i.value, i.source) for i in a.identifiers
                ),
                notes=a.notes,
            )
            for a in pack.apps
        )
        statement = pack.rules.no_mma_on_corporate_devices
        rule = None
        if statement is not None:
            rule = Rule(
                " ".join(statement.text.split()),
                tuple((c.document, " ".join(c.quote.split())) for c in statement.cite),
            )
        return cls(apps, rule=rule)

    def match(self, *, identifiers: tuple[str, ...], name: str) -> Match | None:
        """The banned app a row shows, by one of its identifiers first, then by its name."""
        for value in identifiers:
            if value:
                found = self._ids.get(value.strip().casefold())
                if found is not None:
                    return Match(found[0], "identifier", value, found[1], 100.0)
        key = name_key(name) if name else ""
        if not key:
            return None
        app = self._names.get(key)
        if app is not None:
            return Match(app, "name", name, None, 100.0)
        if len(key) < FUZZY_MIN_LENGTH:
            return None
        best = process.extractOne(key, self._name_keys, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
        if best is None:
            return None
        return Match(self._names[best[0]], "name", name, None, round(float(best[1]), 1))

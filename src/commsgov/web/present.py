"""Presentation only: words and colours for verdicts, channel names for ids, document titles for
citations. No rule lives here: every verdict comes from :func:`commsgov.policy.advice.advise` (or
:func:`commsgov.asking.ask`), exactly as the command line and the API give it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from commsgov.policy.compiled import Cite, CompiledPack
from commsgov.records.timestamps import resolve_zone

#: each verdict in plain words, and the colour of its tag
VERDICTS: dict[str, tuple[str, str]] = {
    "allowed": ("Allowed", "green"),
    "conditional": ("Allowed with conditions", "orange"),
    "not-allowed": ("Not allowed", "red"),
}


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted passage and the title of the document it comes from."""

    title: str
    quote: str


@dataclass(frozen=True, slots=True)
class Named:
    """A channel by id and name (alternatives, matrix columns)."""

    id: str
    name: str


_TITLES: dict[int, tuple[CompiledPack, dict[str, str]]] = {}


def document_titles(pack: CompiledPack) -> dict[str, str]:
    """The pack's source documents: file name to title (read once per pack)."""
    found = _TITLES.get(id(pack))
    if found is None or found[0] is not pack:
        found = (pack, {d.file: d.title for d in pack.model.documents})
        _TITLES[id(pack)] = found
    return found[1]


def quotes(cites: Iterable[Cite | dict[str, str]], pack: CompiledPack) -> list[Quote]:
    """Citations with their documents' titles (a file the pack does not list keeps its name)."""
    titles = document_titles(pack)
    out = []
    for cite in cites:
        if isinstance(cite, dict):
            document, quote = cite["document"], cite["quote"]
        else:
            document, quote = cite.document, cite.quote
        out.append(Quote(titles.get(document, document), quote))
    return out


def named(ids: Iterable[str], pack: CompiledPack) -> list[Named]:
    """Channel ids with their names."""
    return [Named(i, pack.channels[i].name if i in pack.channels else i) for i in ids]


def verdict(value: str | None) -> dict[str, str] | None:
    """A verdict's words and tag colour."""
    if value is None:
        return None
    label, colour = VERDICTS[value]
    return {"value": value, "label": label, "colour": colour}


#: what a register entry did to an answer, in words
EFFECTS = {
    "applied": "this changed the answer",
    "ended": "it has ended, so the answer is the policy's own",
    "not-started": "it has not started yet, so the answer is the policy's own",
    "does-not-cover": "it does not cover this",
}


def registers(refs: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The register entries an answer names, with what each did, in words."""
    return [{**r, "words": EFFECTS.get(r["effect"], r["effect"])} for r in refs]


def advice(data: dict[str, Any], pack: CompiledPack) -> dict[str, Any]:
    """One channel's advice (``Advice.to_dict()``) ready for a template."""
    return {
        **data,
        "verdict": verdict(data["verdict"]),
        "alternatives": named(data["alternatives"], pack),
        "quotes": quotes(data["citations"], pack),
        "registers": registers(data.get("registers", ())),
    }


def cell(value: str) -> dict[str, str]:
    """A matrix cell (``Y``, ``N``, ``Y**``): yes or no, and its footnote mark."""
    return {"yes": "Yes" if value.startswith("Y") else "No", "mark": value.lstrip("YN")}


def moment(text: str, *, zone: str) -> str:
    """A stored ISO time as a person reads it, on the clock of ``zone`` (the app's settings'),
    to the minute; text that is not a time is shown as it is rather than hidden.

    >>> moment("2026-12-01T07:40:58.027563Z", zone="Europe/London")
    '1 December 2026, 07:40'
    >>> moment("2026-07-01T07:40:00+00:00", zone="Europe/London")
    '1 July 2026, 08:40'
    """
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:  # stored times are UTC; a naive one is read as such
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(resolve_zone(zone))
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"

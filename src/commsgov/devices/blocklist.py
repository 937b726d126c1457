"""The catalogue in the shapes MDMs load: Intune's restricted-apps CSVs, plain lists of iOS
bundle ids and Android package names, and JSON.

Unconfirmed identifiers are kept but marked in every shape: the name column of a CSV ends in
``[unconfirmed]``, a plain list has them commented out (``# unconfirmed: ...``, so that pasting
the list never blocks an identifier nobody checked), and JSON says ``"confirmed": false``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .catalogue import BannedApp, Catalogue, Identifier
from .errors import BlocklistFormatError

BlocklistFormat = Literal[
    "intune-ios", "intune-android", "intune-macos", "ios-bundle-ids", "android-packages", "json"
]
BLOCKLIST_FORMATS: tuple[BlocklistFormat, ...] = (
    "intune-ios", "intune-android", "intune-macos", "ios-bundle-ids", "android-packages", "json",
)  # fmt: skip
UNCONFIRMED = "[unconfirmed]"
PLAY_URL = "https://play.google.com/store/apps/details?id={}"


@dataclass(frozen=True, slots=True)
class Blocklist:
    """A blocklist as text, with how many entries it has and how many are unconfirmed."""

    format: str
    text: str
    entries: int
    unconfirmed: int


def blocklist(catalogue: Catalogue, *, format: str) -> Blocklist:
    """Write the catalogue as ``format`` (one of :data:`BLOCKLIST_FORMATS`).

    >>> from commsgov.policy.loader import load_pack
    >>> cat = Catalogue.from_pack(load_pack())
    >>> print(blocklist(cat, format="intune-ios").text.splitlines()[0])
    https://apps.apple.com/gb/app/id310633997,WhatsApp Messenger,WhatsApp Inc.
    >>> "# unconfirmed: org.thunderdog.challegram" in blocklist(cat, format="android-packages").text
    True
    """
    apps = list(catalogue.apps.values())
    if format == "json":
        data = {"apps": [a.to_dict() for a in apps]}
        idents = [i for a in apps for i in a.identifiers]
        return Blocklist(format, json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                         len(idents), sum(not i.confirmed for i in idents))  # fmt: skip
    if format in ("intune-ios", "intune-android", "intune-macos"):
        shapes: dict[str, tuple[str, str, Callable[[str], str]]] = {
            "intune-ios": ("ios", "app-store-url", str),
            "intune-android": ("android", "package", PLAY_URL.format),
            "intune-macos": ("macos", "bundle-id", str),
        }
        platform, kind, value = shapes[format]
        rows = [(value(i.value), _label(a, i), a.publisher) for a, i in _pick(apps, platform, kind)]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return Blocklist(format, out.getvalue(), len(rows),
                         sum(UNCONFIRMED in r[1] for r in rows))  # fmt: skip
    if format in ("ios-bundle-ids", "android-packages"):
        platform, kind = (
            ("ios", "bundle-id") if format == "ios-bundle-ids" else ("android", "package")
        )
        picked = _pick(apps, platform, kind)
        confirmed = [i.value for _, i in picked if i.confirmed]
        unchecked = [f"# unconfirmed: {i.value}  ({a.name})" for a, i in picked if not i.confirmed]
        if unchecked:
            unchecked.insert(
                0, "# check these before use, then remove '# unconfirmed: ' to block them"
            )
        text = "\n".join([*confirmed, *unchecked]) + "\n"
        return Blocklist(format, text, len(picked), len(picked) - len(confirmed))
    raise BlocklistFormatError(
        f"unknown blocklist format {format!r}; one of {', '.join(BLOCKLIST_FORMATS)}"
    )


def _pick(apps: list[BannedApp], platform: str, kind: str) -> list[tuple[BannedApp, Identifier]]:
    return [(a, i) for a in apps for i in a.identifiers_of(platform=platform, kind=kind)]


def _label(app: BannedApp, ident: Identifier) -> str:
    return app.name if ident.confirmed else f"{app.name} {UNCONFIRMED}"

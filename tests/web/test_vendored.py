"""The vendored front-end assets are the files the vendoring script recorded, with licences."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import commsgov.web

VENDOR = Path(commsgov.web.__file__).parent / "static" / "vendor"


def test_every_vendored_file_matches_its_manifest() -> None:
    manifest = json.loads((VENDOR / "VENDORED.json").read_text(encoding="utf-8"))
    assert {"sgds/design-system.min.css", "htmx/htmx.min.js"} <= set(manifest)
    for target, entry in manifest.items():
        data = (VENDOR / target).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{target} changed by hand"


def test_each_vendored_package_ships_its_licence() -> None:
    manifest = json.loads((VENDOR / "VENDORED.json").read_text(encoding="utf-8"))
    packages = {entry["package"] for entry in manifest.values()}
    licensed = {
        entry["package"] for entry in manifest.values() if "LICENSE" in entry["source"].upper()
    }
    assert packages == licensed
    assert "Crown Copyright" in (VENDOR / "sgds" / "LICENSE.txt").read_text(encoding="utf-8")

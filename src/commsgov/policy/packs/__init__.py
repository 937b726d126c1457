"""The policy packs bundled with commsgov: one folder each, ``pack.yaml`` and ``sources/``."""

from __future__ import annotations

from pathlib import Path

BUNDLED = "scottish-government"


def bundled_pack_path(name: str = BUNDLED) -> Path:
    """The path of a pack shipped with commsgov.

    >>> bundled_pack_path().name
    'pack.yaml'
    """
    return Path(__file__).parent / name / "pack.yaml"

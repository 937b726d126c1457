"""Write the generated documents: ``python -m commsgov.accounts.docs permissions|audit|openapi``.

``docs/permissions.md`` (the permission table), ``docs/audit.md`` (every audit event kind) and
``docs/openapi.json`` (the API's OpenAPI document); tests fail when any of them drifts.
"""

from __future__ import annotations

import json
import sys


def openapi() -> str:
    """The OpenAPI document of the API, as stable JSON text (needs the ``server`` extra)."""
    from commsgov.api.app import create_app
    from commsgov.config import Settings

    document = create_app(Settings(database_url="sqlite://")).openapi()
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render(name: str) -> str:
    """One generated document by name."""
    if name == "permissions":
        from .permissions import markdown

        return markdown()
    if name == "audit":
        from .events import markdown as audit_markdown

        return audit_markdown()
    if name == "openapi":
        return openapi()
    raise SystemExit(f"unknown document {name!r}: permissions, audit or openapi")


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1] if len(sys.argv) > 1 else ""))

"""Vendor the web app's front-end assets into the package, from the npm registry.

Users never run a front-end build: the files below are committed under
``src/commsgov/web/static/vendor/`` with their licences, and nothing is fetched at run time.
This script is how a maintainer refreshes them (``python scripts/vendor_web_assets.py``): it runs
``npm pack`` for each pinned version, checks the tarball against the registry's ``integrity``
(sha512), copies only the files the pages use, and writes ``VENDORED.json`` naming each file's
package, version and sha256 (a test checks the files still match it).

- ``@scottish-government/design-system``: the Scottish Government Design System (MIT, Crown
  copyright): compiled CSS, the ES module that enhances components, and the icon sprite.
- ``htmx.org``: partial page updates (0BSD). Pinned to the 2.0 line: 4.0 changed attribute
  inheritance and event names, and every page here works without JavaScript anyway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "src" / "commsgov" / "web" / "static" / "vendor"

# package@version -> {file in the tarball (below package/): path under DEST}
PACKAGES: dict[str, dict[str, str]] = {
    "@scottish-government/design-system@4.2.0": {
        "dist/css/design-system.min.css": "sgds/design-system.min.css",
        "dist/scripts/design-system.js": "sgds/design-system.js",
        "dist/images/icons/icons.stack.svg": "sgds/icons.stack.svg",
        "LICENSE.txt": "sgds/LICENSE.txt",
    },
    "htmx.org@2.0.11": {
        "dist/htmx.min.js": "htmx/htmx.min.js",
        "LICENSE": "htmx/LICENSE",
    },
}


def _pack(spec: str, workdir: Path) -> Path:
    """``npm pack`` one package and check the tarball against the registry's integrity."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    tarball = workdir / info["filename"]
    algo, _, expected = info["integrity"].partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        sys.exit(f"{spec}: tarball does not match the registry's {algo} integrity")
    return tarball


def main() -> None:
    manifest: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in PACKAGES.items():
            tarball = _pack(spec, Path(tmp))
            with tarfile.open(tarball) as tar:
                for inner, target in files.items():
                    member = tar.extractfile(f"package/{inner}")
                    if member is None:
                        sys.exit(f"{spec}: {inner} is not a file in the tarball")
                    data = member.read()
                    path = DEST / target
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    manifest[target] = {
                        "package": spec,
                        "source": inner,
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
    (DEST / "VENDORED.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"vendored {len(manifest)} files into {DEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

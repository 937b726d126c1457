"""Loading a compiled pack: :func:`compiled_pack`, from a JSON cache keyed by the pack's bytes.

Building the Pydantic models costs ~150 ms per process, more than a whole ``commsgov advise``
may take; a validated pack is therefore compiled once and later processes read plain JSON.
Any change to the pack file or to commsgov changes the key, so a stale cache is never read.
This module depends on :mod:`commsgov.policy.compiled`, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .compiled import (
    ChannelInfo,
    Cite,
    CompiledPack,
    FootnoteInfo,
    RetentionInfo,
    RoleInfo,
    Said,
    ScenarioInfo,
    UseInfo,
    compile_pack,
)

#: 4: the pack's ask section (ask's lexicon and classifier in one binary file) and its compiled
#: retention schedules (with their labels); branches had each used 2 and 3 for part of this, so
#: no earlier number is read as this one. 5: channels' external access, personal-device uses
FORMAT = 5


def compiled_pack(path: str | Path | None = None) -> CompiledPack:
    """Load and compile a pack file once per process (the bundled pack by default).

    >>> compiled_pack() is compiled_pack()
    True
    """
    return _compiled(str(Path(path).resolve()) if path is not None else None)


@lru_cache(maxsize=16)
def _compiled(path: str | None) -> CompiledPack:
    return load_compiled(path)


def cache_dir() -> Path:
    """Where compiled packs are cached (``COMMSGOV_CACHE_DIR`` or the XDG cache folder)."""
    explicit = os.environ.get("COMMSGOV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "commsgov" / "packs"


def load_compiled(path: str | None) -> CompiledPack:
    """Compile the pack at ``path`` (bundled if ``None``), from the cache when it is fresh."""
    from commsgov import __version__

    from .packs import bundled_pack_path

    file = Path(path) if path is not None else bundled_pack_path()
    try:
        data = file.read_bytes()
    except OSError:
        data = b""  # let the loader report the problem with its own message
    key = hashlib.sha256(data + f"|{__version__}|{FORMAT}".encode()).hexdigest()[:32]
    cached = cache_dir() / f"{key}.json"
    if data:
        try:
            return from_json(json.loads(cached.read_text(encoding="utf-8")), source=path)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from .loader import load_pack

    compiled = compile_pack(load_pack(file), source=path)
    _write(cached, to_json(compiled))
    return compiled


#: the start of a cached ``ask`` file: then the header's length (4 bytes, little-endian), the
#: header (JSON) and the classifier's floats
_ASK_MAGIC = b"commsgov-ask\n"


def load_ask_parts(pack: CompiledPack) -> tuple[dict[str, Any], bytes]:
    """What ``commsgov ask`` needs for ``pack``: the lexicon's tables and the classifier's
    parameters (a JSON-able header and the floats as bytes). Trained and built on first use,
    then cached beside the compiled pack, keyed by the pack file and its labelled questions."""
    from commsgov import __version__
    from commsgov.asking.classifier import VERSION

    from .packs import bundled_pack_path

    file = Path(pack.source) if pack.source is not None else bundled_pack_path()
    name = pack.ask.get("questions")
    questions_file = file.parent / name if name else None
    digest = hashlib.sha256()
    for part in (file, questions_file):
        if part is not None:
            try:
                digest.update(part.read_bytes() + b"\0")
            except OSError:
                digest.update(b"missing\0")  # load_questions reports it below
    digest.update(f"|{__version__}|{FORMAT}|ask{VERSION}".encode())
    cached = cache_dir() / f"{digest.hexdigest()[:32]}.ask"
    try:
        return _read_ask(cached.read_bytes())
    except (OSError, ValueError):
        pass
    from commsgov.asking.learn import build

    from .loader import load_questions

    questions = load_questions(questions_file) if questions_file is not None else []
    header, payload = build(pack, questions)
    head = json.dumps(header).encode()
    _write_bytes(cached, _ASK_MAGIC + len(head).to_bytes(4, "little") + head + payload)
    return header, payload


def _read_ask(data: bytes) -> tuple[dict[str, Any], bytes]:
    start = len(_ASK_MAGIC)
    if not data.startswith(_ASK_MAGIC) or len(data) < start + 4:
        raise ValueError("not a cached ask file")
    size = int.from_bytes(data[start : start + 4], "little")
    header: dict[str, Any] = json.loads(data[start + 4 : start + 4 + size])
    return header, data[start + 4 + size :]


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half a file
    except OSError:
        pass  # a read-only home is fine: we just build every time


def _write(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half a file
    except OSError:
        pass  # a read-only home is fine: we just compile every time


def _said(s: Said) -> dict[str, Any]:
    return {"text": s.text, "cite": [[c.document, c.quote] for c in s.cite]}


def _cites(items: list[list[str]]) -> tuple[Cite, ...]:
    return tuple(Cite(d, q) for d, q in items)


def _unsaid(d: dict[str, Any]) -> Said:
    return Said(d["text"], _cites(d["cite"]))


def to_json(pack: CompiledPack) -> dict[str, Any]:
    """The JSON form of a compiled pack."""
    return {
        "id": pack.id,
        "organisation": pack.organisation,
        "version": pack.version,
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "device": c.device,
                "column": c.column,
                "catch_all": c.catch_all,
                "aliases": list(c.aliases),
                "description": c.description,
                "duties": [_said(d) for d in c.duties],
                "external_condition": _said(c.external_condition) if c.external_condition else None,
                "external_access": c.external_access,
                "cite": [[x.document, x.quote] for x in c.cite],
            }
            for c in pack.channels.values()
        ],
        "scenarios": [
            {
                "id": s.id,
                "title": s.title,
                "marks": list(s.marks),
                "cells": s.cells,
                "cite": [[x.document, x.quote] for x in s.cite],
            }
            for s in pack.scenarios.values()
        ],
        "roles": [
            {"id": r.id, "name": r.name, "cite": [[x.document, x.quote] for x in r.cite]}
            for r in pack.roles.values()
        ],
        "footnotes": [
            {"mark": f.mark, "id": f.id, "said": _said(f.said)} for f in pack.footnotes.values()
        ],
        "columns": list(pack.columns),
        "matrix_cite": [[x.document, x.quote] for x in pack.matrix_cite],
        "rules": {k: _said(v) for k, v in pack.rules.items()},
        "rule_lists": {k: [_said(v) for v in vs] for k, vs in pack.rule_lists.items()},
        "retention": [
            {
                "id": r.id,
                "title": r.title,
                "action": r.action,
                "channel": r.channel,
                "label": r.label,
                "period": r.period,
                "trigger": r.trigger,
                "paused": r.paused,
                "mandate": r.mandate,
                "notes": list(r.notes),
                "cite": [[x.document, x.quote] for x in r.cite],
            }
            for r in pack.retention
        ],
        "personal_uses": [
            {"id": u.id, "title": u.title, "cite": [[x.document, x.quote] for x in u.cite]}
            for u in pack.personal_uses
        ],
        "ask": pack.ask,
        "aliases": pack._aliases,
        "role_aliases": pack._role_aliases,
        "catch_all": pack._catch_all,
    }


def from_json(data: dict[str, Any], *, source: str | None) -> CompiledPack:
    """Rebuild a compiled pack from :func:`to_json` output."""
    if data.get("format") not in (None, FORMAT):
        raise ValueError("unknown cache format")
    return CompiledPack(
        id=data["id"],
        organisation=data["organisation"],
        version=data["version"],
        source=source,
        channels={
            c["id"]: ChannelInfo(
                id=c["id"],
                name=c["name"],
                kind=c["kind"],
                device=c["device"],
                column=c["column"],
                catch_all=c["catch_all"],
                aliases=tuple(c["aliases"]),
                description=c["description"],
                duties=tuple(_unsaid(d) for d in c["duties"]),
                external_condition=_unsaid(c["external_condition"])
                if c["external_condition"]
                else None,
                cite=_cites(c["cite"]),
                external_access=c["external_access"],
            )
            for c in data["channels"]
        },
        scenarios={
            s["id"]: ScenarioInfo(
                s["id"], s["title"], tuple(s["marks"]), s["cells"], _cites(s["cite"])
            )
            for s in data["scenarios"]
        },
        roles={r["id"]: RoleInfo(r["id"], r["name"], _cites(r["cite"])) for r in data["roles"]},
        footnotes={
            f["mark"]: FootnoteInfo(f["mark"], f["id"], _unsaid(f["said"]))
            for f in data["footnotes"]
        },
        columns=tuple(data["columns"]),
        matrix_cite=_cites(data["matrix_cite"]),
        rules={k: _unsaid(v) for k, v in data["rules"].items()},
        rule_lists={k: tuple(_unsaid(v) for v in vs) for k, vs in data["rule_lists"].items()},
        retention=tuple(
            RetentionInfo(**{**r, "notes": tuple(r["notes"]), "cite": _cites(r["cite"])})
            for r in data["retention"]
        ),
        personal_uses=tuple(
            UseInfo(u["id"], u["title"], _cites(u["cite"])) for u in data["personal_uses"]
        ),
        ask=data["ask"],
        _aliases=data["aliases"],
        _role_aliases=data["role_aliases"],
        _catch_all=data["catch_all"],
    )

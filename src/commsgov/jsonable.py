"""Results as JSON data: the one conversion the command line's ``--json`` and the exports use.

Service results are frozen dataclasses (the HTTP API serves the same types as its response
models, through Pydantic); :func:`jsonable` turns one into plain JSON data the way Pydantic's
``dump_python(mode="json")`` does for these types, without importing Pydantic (the command
line's startup is part of its benchmarks). ``tests/test_results.py`` holds the two to agreement.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` as JSON data: dataclasses become objects (fields in order), tuples, lists and
    sets become arrays, dates and times ISO text, paths text.

    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Point:
    ...     x: int
    ...     tags: tuple[str, ...]
    >>> jsonable([Point(1, ("a",))])
    [{'x': 1, 'tags': ['a']}]
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value)]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")

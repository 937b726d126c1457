"""Packages whose public names load on first use (PEP 562), so importing one stays cheap."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, names: Mapping[str, str], public: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__``: each of ``names`` is loaded from the module
    it maps to on first use (and looked up there each time, so a test that patches the module
    patches the package's name too).

    >>> getattr_, dir_ = lazy_names("json", {"dumps": "json"}, ["dumps"])
    >>> getattr_("dumps")({"a": 1})
    '{"a": 1}'
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__

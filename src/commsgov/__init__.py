"""commsgov: a government's policy on messaging apps and non-corporate channels, as software.

The public surface is :data:`__all__`; names are loaded lazily so that importing ``commsgov``
stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Advice",
    "AdviceSet",
    "Answer",
    "__version__",
    "advise",
    "ask",
    "load_pack",
]

_LAZY = {
    "Advice": "commsgov.policy.advice",
    "AdviceSet": "commsgov.policy.advice",
    "advise": "commsgov.policy.advice",
    "Answer": "commsgov.asking",
    "ask": "commsgov.asking",
    "load_pack": "commsgov.policy.loader",
}

if TYPE_CHECKING:
    from commsgov.asking import Answer, ask
    from commsgov.policy.advice import Advice, AdviceSet, advise
    from commsgov.policy.loader import load_pack


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'commsgov' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""The public surface of ``commsgov`` is deliberate: this list changes only on purpose."""

from __future__ import annotations

import commsgov


def test_all_is_the_declared_surface() -> None:
    assert commsgov.__all__ == [
        "Advice",
        "AdviceSet",
        "Answer",
        "__version__",
        "advise",
        "ask",
        "load_pack",
    ]


def test_every_exported_name_resolves() -> None:
    for name in commsgov.__all__:
        assert getattr(commsgov, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        commsgov.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")

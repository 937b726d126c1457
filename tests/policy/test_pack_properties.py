"""Property tests: the pack parser only ever fails with its own error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.policy.errors import PackError
from commsgov.policy.loader import bundled_pack_path, parse_pack

BUNDLED = bundled_pack_path().read_text(encoding="utf-8")


@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_pack_error(text: str) -> None:
    try:
        parse_pack(text)
    except PackError as exc:
        assert exc.problems
        assert all(p.file == "<pack>" for p in exc.problems)


@given(st.integers(min_value=0, max_value=len(BUNDLED) - 1), st.text(min_size=1, max_size=5))
def test_mutated_pack_is_valid_or_reported_with_a_line(position: int, junk: str) -> None:
    text = BUNDLED[:position] + junk + BUNDLED[position + len(junk) :]
    try:
        parse_pack(text)
    except PackError as exc:
        for problem in exc.problems:
            assert problem.line is None or 1 <= problem.line <= text.count("\n") + 2


@pytest.mark.parametrize("breaks", ["\x85\x85\x85", "\u2028", "\r", "\u2029\x85"])
def test_a_yaml_error_names_the_line_an_editor_shows(breaks: str) -> None:
    """YAML also breaks lines at NEL, LS, PS and a lone CR; the line reported is the editor's
    (found by the property test above: a NEL in a mutated pack put the line past the end)."""
    with pytest.raises(PackError) as found:
        parse_pack(f"a: '{breaks}'\nb: c: d\n")
    assert [p.line for p in found.value.problems] == [2]

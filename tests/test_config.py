"""Two readers of the settings, one set of names and defaults: the command line's light reader
(``core_settings``, no Pydantic) and ``Settings`` (pydantic-settings) agree on every
environment, and the command line does not import Pydantic to run a command."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsgov.config import CoreSettings, SettingError, Settings, core_settings
from commsgov.ingest.limits import Limits

FIELDS = [f.name for f in dataclasses.fields(CoreSettings)]
INTS = [name for name in FIELDS if name.startswith("ingest_")]


def _both(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    for name in list(os.environ):
        if name.upper().startswith("COMMSGOV_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    light = core_settings()
    full = Settings()
    return light, full


def test_every_core_setting_is_a_setting_with_the_same_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    light, full = _both({}, monkeypatch)
    for name in FIELDS:
        assert getattr(light, name) == getattr(full, name), name
    assert light.data_dir == tmp_path / "commsgov"  # read when asked, not at import
    assert CoreSettings().limits() == Limits()  # the ingest limits' one definition
    assert light.resolved_database_url() == full.resolved_database_url()  # type: ignore[attr-defined]


_VALUES = st.one_of(
    st.sampled_from(["", "0", "12", " 12 ", "1_000", "12.0", "-5", "+5", "x", "Europe/Paris"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
)


@settings(max_examples=60, deadline=None)
@given(env=st.dictionaries(st.sampled_from(FIELDS), _VALUES, max_size=4), upper=st.booleans())
def test_the_two_readers_agree_on_any_environment(env: dict[str, str], upper: bool) -> None:
    named = {("COMMSGOV_" + k.upper()) if upper else ("commsgov_" + k): v for k, v in env.items()}
    with pytest.MonkeyPatch.context() as patch:
        try:
            light = _both(named, patch)[0]
        except SettingError as exc:
            # the light reader refuses exactly what Settings refuses, naming the variable
            with pytest.raises(Exception, match="validation error"):
                Settings()
            assert "COMMSGOV_" in str(exc)
            return
        full = Settings()
        for name in FIELDS:
            assert getattr(light, name) == getattr(full, name), (name, env)


def test_a_bad_number_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMSGOV_INGEST_MAX_MEMBER_BYTES", "lots")
    with pytest.raises(SettingError, match="COMMSGOV_INGEST_MAX_MEMBER_BYTES"):
        core_settings()


def test_a_bad_setting_at_the_command_line_is_an_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("13/03/2024, 10:00 - Ann: hi\n", encoding="utf-8")
    env = {**os.environ, "COMMSGOV_INGEST_MAX_MESSAGE_CHARS": "many"}
    done = subprocess.run(
        [sys.executable, "-m", "commsgov", "ingest", "--dry-run", str(chat)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("Error: COMMSGOV_INGEST_MAX_MESSAGE_CHARS")
    assert "Traceback" not in done.stderr


def test_the_command_line_does_not_import_pydantic_to_ingest(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("13/03/2024, 10:00 - Ann: hi\n", encoding="utf-8")
    code = (
        "import sys; sys.argv = ['commsgov', 'ingest', '--dry-run', sys.argv[1]]\n"
        "from commsgov.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', "
        "'pydantic_settings') or m in ('commsgov.ingest.telegram', 'commsgov.ingest.sms', "
        "'commsgov.records.verify')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(chat)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"

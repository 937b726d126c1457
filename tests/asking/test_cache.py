"""What ask needs for a pack is built once, kept in the compiled-pack cache, read back as is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from commsgov.asking import answer_question
from commsgov.asking.learn import build, parts
from commsgov.policy.cache import compiled_pack, load_ask_parts
from commsgov.policy.loader import load_questions

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack"
QUESTIONS = [
    "can I slack a colleague about a tenant's repair",
    "the council network is down, can we use Threema?",
    "how long are Slack messages kept?",
    "tell me a joke",
]


@pytest.fixture
def pack_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMMSGOV_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(EXAMPLE, tmp_path / "pack")
    return tmp_path / "pack"


def _answers(file: Path) -> list[dict[str, object]]:
    pack = compiled_pack(file)
    lexicon, classifier = parts(*load_ask_parts(pack))
    return [
        answer_question(q, pack=pack, lexicon=lexicon, classifier=classifier).to_dict()
        for q in QUESTIONS
    ]


def test_built_and_reread_parts_answer_alike(pack_dir: Path) -> None:
    pack = compiled_pack(pack_dir / "pack.yaml")
    header, payload = build(pack, load_questions(pack_dir / "questions.yaml"))
    fresh = parts(header, payload)
    reread = parts(json.loads(json.dumps(header)), bytes(payload))
    assert reread[1] == fresh[1]
    for q in QUESTIONS:
        assert answer_question(q, pack=pack, lexicon=reread[0], classifier=reread[1]) == (
            answer_question(q, pack=pack, lexicon=fresh[0], classifier=fresh[1])
        )


def test_the_cache_file_is_written_once_and_read_back(pack_dir: Path) -> None:
    first = _answers(pack_dir / "pack.yaml")
    (cached,) = (pack_dir.parent / "cache").glob("*.ask")
    stamp = cached.stat().st_mtime_ns
    assert _answers(pack_dir / "pack.yaml") == first
    assert cached.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("damage", [b"", b"commsgov-ask\n\xff\xff", b"not a cache file"])
def test_a_damaged_cache_file_is_rebuilt(pack_dir: Path, damage: bytes) -> None:
    first = _answers(pack_dir / "pack.yaml")
    (cached,) = (pack_dir.parent / "cache").glob("*.ask")
    cached.write_bytes(damage)
    assert _answers(pack_dir / "pack.yaml") == first
    assert cached.read_bytes().startswith(b"commsgov-ask\n")


def test_changed_questions_are_learned_again(pack_dir: Path) -> None:
    _answers(pack_dir / "pack.yaml")
    questions = pack_dir / "questions.yaml"
    questions.write_text(
        questions.read_text(encoding="utf-8")
        + '  - {q: "can I pigeon-post a journalist", scenario: press-enquiry}\n',
        encoding="utf-8",
    )
    _answers(pack_dir / "pack.yaml")
    assert len(list((pack_dir.parent / "cache").glob("*.ask"))) == 2

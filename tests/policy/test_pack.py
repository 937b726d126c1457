"""The bundled pack transcribes the documents faithfully, and every rule is cited."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commsgov.policy.loader import bundled_pack_path, load_pack, parse_pack
from commsgov.policy.model import all_citations
from commsgov.policy.validate import check_pack_file, normalise_text

SOURCES = bundled_pack_path().parent / "sources"
SHARED_SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

SCENARIO_IDS = [
    "internal-day-to-day", "external-day-to-day", "technical-issues-business-hours", "logistics",
    "urgent-work-comms", "offsite-events-uk", "remote-working", "multi-agency-response",
    "working-abroad", "offsite-ministerial-support", "health-social-care", "international-visits",
    "urgent-technical-out-of-hours", "urgent-work-out-of-hours", "urgent-personal-out-of-hours",
    "staff-attendance", "wellbeing-safety-checks", "informal-chats",
]  # fmt: skip
CHANNEL_IDS = [
    "corporate-phone", "teams-channel", "teams-chat", "email", "face-to-face", "ifix",
    "personal-phone", "whatsapp", "signal", "telegram", "viber", "wechat", "wickr", "snapchat",
    "other-mma",
]  # fmt: skip


@pytest.fixture(scope="module")
def pack():  # type: ignore[no-untyped-def]
    return load_pack()


def test_stable_scenario_ids_in_document_order(pack) -> None:  # type: ignore[no-untyped-def]
    assert [s.id for s in pack.scenarios] == SCENARIO_IDS


def test_stable_channel_ids(pack) -> None:  # type: ignore[no-untyped-def]
    ids = [c.id for c in pack.channels]
    assert ids[: len(CHANNEL_IDS)] == CHANNEL_IDS
    assert pack.matrix_columns == CHANNEL_IDS[:6]


def test_every_citation_quotes_its_document_exactly(pack) -> None:  # type: ignore[no-untyped-def]
    texts = {p.name: normalise_text(p.read_text(encoding="utf-8")) for p in SOURCES.glob("*.txt")}
    citations = all_citations(pack)
    assert len(citations) > 80
    for citation in citations:
        assert citation.document in texts, citation
        assert normalise_text(citation.quote) in texts[citation.document], citation.quote


def test_every_rule_scenario_channel_and_schedule_has_a_citation(pack) -> None:  # type: ignore[no-untyped-def]
    for item in [*pack.scenarios, *pack.channels, *pack.roles, *pack.footnotes, *pack.retention]:
        assert item.cite, item
    for name in type(pack.rules).model_fields:
        value = getattr(pack.rules, name)
        for statement in value if isinstance(value, list) else [value]:
            assert statement is not None and statement.cite, name


def test_shipped_sources_are_the_seeds() -> None:
    # The sources ship inside the package; they must be the documents of record. The seeds sit
    # beside the repository in the workplace and in CI; a clone elsewhere has only the copies.
    if not SHARED_SEEDS.is_dir():
        assert not os.environ.get("CI"), "CI must have shared/seeds beside the repository"
        pytest.skip("no shared/seeds beside this clone to compare with")
    for seed in SHARED_SEEDS.glob("*.txt"):
        assert (SOURCES / seed.name).read_bytes() == seed.read_bytes()


def _matrix_from_document() -> dict[str, tuple[str, ...]]:
    """Read the Y/N matrix straight out of the source document (independent of the pack)."""
    text = (SOURCES / "001_070859e5dbaeb04d.txt").read_text(encoding="utf-8")
    body = text[text.index("\niFix\n\n") + 6 : text.index("* Personal devices will be permitted")]
    lines = [normalise_text(line) for line in body.splitlines() if normalise_text(line)]
    rows: dict[str, tuple[str, ...]] = {}
    i = 0
    while i < len(lines):
        title = lines[i]
        cells = tuple(lines[i + 1 : i + 7])
        assert all(c in ("Y", "N", "Y**") for c in cells), (title, cells)
        rows[title] = cells
        i += 7
    return rows


def test_matrix_cells_match_the_document(pack) -> None:  # type: ignore[no-untyped-def]
    document = _matrix_from_document()
    assert len(document) == 18
    for scenario, (title, cells) in zip(pack.scenarios, document.items(), strict=True):
        assert normalise_text(scenario.cite[0].quote) == title
        assert tuple(scenario.cells[c] for c in pack.matrix_columns) == cells, scenario.id
        marks = re.findall(r"\*+$", title)
        assert scenario.marks == ([marks[0].strip()] if marks else []), scenario.id


def test_retention_schedules_transcribe_the_documents(pack) -> None:  # type: ignore[no-untyped-def]
    schedules = {r.id: r for r in pack.retention}
    assert schedules["teams-channel"].period == "P3Y"
    assert schedules["teams-chat"].period == "P5D"
    assert schedules["teams-meeting-chat"].period == "P5D"
    doc = schedules["teams-chat-document"]
    assert (doc.period, doc.trigger, doc.paused) == ("P2Y", "last-modified", True)
    assert (schedules["email"].period, schedules["email"].action) == ("P6M", "move-to-archive")
    assert schedules["captured-record"].action == "review"


def test_bundled_pack_validates_deeply() -> None:
    summary = check_pack_file(bundled_pack_path())
    assert summary["scenarios"] == 18


def test_invalid_pack_reports_file_line_and_field(tmp_path: Path) -> None:
    text = bundled_pack_path().read_text(encoding="utf-8")
    broken = text.replace("period: P5D", "period: five days", 1)
    broken = broken.replace("kind: corporate", "kind: carrier-pigeon", 1)
    file = tmp_path / "pack.yaml"
    file.write_text(broken, encoding="utf-8")
    from commsgov.policy.errors import PackError

    with pytest.raises(PackError) as caught:
        load_pack(file)
    problems = caught.value.problems
    fields = {p.field for p in problems}
    assert any(f.startswith("channels.0.kind") for f in fields), fields
    assert any(f.startswith("retention.1.period") for f in fields), fields
    lines = broken.splitlines()
    for problem in problems:
        assert problem.file == str(file)
        assert problem.line is not None
        bad = "carrier-pigeon" if "kind" in problem.field else "five days"
        assert bad in lines[problem.line - 1], (problem, lines[problem.line - 1])


def test_misquoted_citation_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    (folder / "sources").mkdir(parents=True)
    for source in SOURCES.glob("*.txt"):
        (folder / "sources" / source.name).write_bytes(source.read_bytes())
    questions = bundled_pack_path().parent / "questions.yaml"
    (folder / "questions.yaml").write_bytes(questions.read_bytes())
    text = bundled_pack_path().read_text(encoding="utf-8")
    text = text.replace('work is not permitted."', 'work is discouraged."', 1)
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    from commsgov.policy.errors import PackError

    with pytest.raises(PackError) as caught:
        check_pack_file(folder / "pack.yaml")
    [problem] = caught.value.problems
    assert problem.field == "cite.quote"
    assert "is discouraged." in text.splitlines()[problem.line - 1]  # type: ignore[operator]


def test_yaml_syntax_error_names_line() -> None:
    from commsgov.policy.errors import PackError

    with pytest.raises(PackError) as caught:
        parse_pack("pack:\n  id: x\n  bad: [unclosed\n", source="p.yaml")
    assert caught.value.problems[0].file == "p.yaml"
    assert caught.value.problems[0].line is not None


def test_cross_references_are_checked() -> None:
    from commsgov.policy.errors import PackError

    text = (
        bundled_pack_path()
        .read_text(encoding="utf-8")
        .replace("matrix_columns: [corporate-phone,", "matrix_columns: [carrier-pigeon,", 1)
    )
    with pytest.raises(PackError, match="carrier-pigeon"):
        parse_pack(text)


def test_questions_file_missing_or_mislabelled_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    (folder / "sources").mkdir(parents=True)
    for source in SOURCES.glob("*.txt"):
        (folder / "sources" / source.name).write_bytes(source.read_bytes())
    (folder / "pack.yaml").write_bytes(bundled_pack_path().read_bytes())
    from commsgov.policy.errors import PackError

    with pytest.raises(PackError) as caught:
        check_pack_file(folder / "pack.yaml")
    [problem] = caught.value.problems
    assert problem.file.endswith("questions.yaml") and "cannot read" in problem.message
    (folder / "questions.yaml").write_text(
        'questions:\n  - {q: "can I fax it", scenario: logistics}\n'
        '  - {q: "can I pigeon it", scenario: carrier-pigeons}\n',
        encoding="utf-8",
    )
    with pytest.raises(PackError) as caught:
        check_pack_file(folder / "pack.yaml")
    [problem] = caught.value.problems
    assert (problem.field, problem.line) == ("questions.1.scenario", 3)
    assert "carrier-pigeons" in problem.message

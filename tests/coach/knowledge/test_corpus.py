"""The schema checks that `coach ingest --check` relies on, and the chunking rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.config import get_settings
from coach.errors import KnowledgeError
from coach.knowledge import corpus
from coach.paths import default_knowledge_dir

EXERCISE = """\
---
id: exercise-sample
title: A sample exercise
kind: exercise
stages: [patterns]
topics: [conflict]
summary: A short exercise used by the tests.
sources:
  - name: The Gottman Institute
    url: https://www.gottman.com/
duration_minutes: 20
who: together
involves_partner: true
steps:
  - Sit down together.
  - Talk about one thing.
avoid_when:
  - When either of you is flooded.
---
## Why it helps
Because.
"""

GUIDE = """\
---
id: stage-sample
title: A sample guide
kind: guidance
stages: [trust]
summary: A guide used by the tests to check chunking.
sources:
  - name: The Gottman Institute
    url: https://www.gottman.com/
---
Intro text.

## First part
One.

## Second part!
Two.
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_for(root: Path) -> list[str]:
    return [str(p) for p in corpus.validate(root)[1]]


def test_valid_files_load(tmp_path: Path) -> None:
    write(tmp_path, "a.md", EXERCISE)
    write(tmp_path, "b.md", GUIDE)
    base = corpus.load(tmp_path)
    assert set(base.documents) == {"exercise-sample", "stage-sample"}


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace("title: A sample exercise\n", ""), "title"),
        (lambda t: t.replace("stages: [patterns]", "stages: [patience]"), "stages"),
        (lambda t: t.replace("kind: exercise", "kind: recipe"), "kind"),
        (lambda t: t.replace("who: together", "who: everyone"), "who"),
        (lambda t: t.replace("duration_minutes: 20", "duration_minutes: soon"), "duration_minutes"),
        (
            lambda t: t.replace("    url: https://www.gottman.com/", "    url: gottman"),
            "sources.0.url",
        ),
        (lambda t: t.replace("id: exercise-sample", "id: Exercise Sample"), "id"),
        (lambda t: t.replace("topics: [conflict]", "topics: [conflict]\ncolour: red"), "colour"),
    ],
)
def test_field_problems_name_file_and_field(tmp_path: Path, edit, field: str) -> None:
    write(tmp_path, "ex.md", edit(EXERCISE))
    found = problems_for(tmp_path)
    assert any(p.startswith(f"ex.md: {field}") for p in found), found


def test_exercise_without_steps(tmp_path: Path) -> None:
    text = EXERCISE.replace("steps:\n  - Sit down together.\n  - Talk about one thing.\n", "")
    write(tmp_path, "ex.md", text)
    assert any("steps" in p for p in problems_for(tmp_path))
    write(
        tmp_path,
        "ex.md",
        EXERCISE.replace("  - Sit down together.\n  - Talk about one thing.", "  []"),
    )
    assert any("step" in p for p in problems_for(tmp_path))


def test_duplicate_id(tmp_path: Path) -> None:
    write(tmp_path, "one.md", EXERCISE)
    write(tmp_path, "two.md", EXERCISE)
    found = problems_for(tmp_path)
    assert any(p.startswith("two.md: id: duplicate") for p in found), found


def test_missing_or_broken_front_matter(tmp_path: Path) -> None:
    write(tmp_path, "none.md", "# Just a heading\n")
    write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00binary")
    found = problems_for(tmp_path)
    assert any(p.startswith("none.md: front matter") for p in found)
    assert any(p.startswith("bad.md: front matter: not valid YAML") for p in found)
    assert any(p.startswith("bin.md: file") for p in found)


def test_load_refuses_problems(tmp_path: Path) -> None:
    write(tmp_path, "ex.md", EXERCISE.replace("kind: exercise", "kind: recipe"))
    with pytest.raises(KnowledgeError, match="problem"):
        corpus.load(tmp_path)


def test_chunking_keeps_exercises_whole_and_splits_guides(tmp_path: Path) -> None:
    write(tmp_path, "a.md", EXERCISE)
    write(tmp_path, "b.md", GUIDE)
    passages = {p.id: p for p in corpus.load(tmp_path).passages()}
    assert set(passages) == {
        "exercise-sample",
        "stage-sample",
        "stage-sample#first-part",
        "stage-sample#second-part",
    }
    assert "Talk about one thing." in passages["exercise-sample"].text
    assert passages["stage-sample#second-part"].text == "Two."
    # Stable ids and hashes across loads.
    again = {p.id: p.content_hash for p in corpus.load(tmp_path).passages()}
    assert again == {pid: p.content_hash for pid, p in passages.items()}


def test_ingest_check_cli_reports_problems(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "kb", "ex.md", EXERCISE.replace("stages: [patterns]", "stages: [later]"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    get_settings.cache_clear()
    _load_commands()
    result = CliRunner().invoke(app, ["ingest", "--check"])
    assert result.exit_code == 65
    assert "ex.md: stages" in result.output


def test_shipped_knowledge_is_valid() -> None:
    """The guidance we ship passes its own schema (what `coach ingest --check` runs)."""
    base, found = corpus.validate(default_knowledge_dir())
    assert found == [], "\n".join(map(str, found))
    assert base.documents

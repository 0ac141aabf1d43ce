"""Index building, incremental ingest, filters and the corrupt / mismatched index paths.

Most tests run on the embedded index and on a Chroma server started by the test
run (``chroma_location`` in :mod:`tests.servers.fixtures`); the ones about files
on disk run on the embedded index only.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from coach.config import Settings
from coach.knowledge import corpus, retrieval
from coach.knowledge.retrieval import KnowledgeIndex
from tests.coach.knowledge.test_corpus import EXERCISE, GUIDE, write
from tests.fakes import HashingEmbedder


class RecordingEmbedder(HashingEmbedder):
    """Remembers every passage text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return super().embed_documents(texts)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    write(root, "ex.md", EXERCISE)
    write(root, "guide.md", GUIDE)
    write(
        root,
        "trust.md",
        GUIDE.replace("stage-sample", "technique-trust")
        .replace("kind: guidance", "kind: technique")
        .replace("One.", "Answer questions about the affair honestly and keep small promises."),
    )
    return root


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path, chroma_location: dict[str, object]) -> Settings:
    return Settings(data_dir=tmp_path / "data", knowledge_dir=kb_dir, **chroma_location)


@pytest.fixture
def embedded_settings(tmp_path: Path, kb_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", knowledge_dir=kb_dir)


def test_ingest_is_incremental(settings: Settings, kb_dir: Path) -> None:
    embedder = HashingEmbedder()
    index = KnowledgeIndex(settings, embedder)
    first = index.ingest(corpus.load(kb_dir))
    assert first.added == 7
    assert first.updated == first.removed == 0

    again = KnowledgeIndex(settings, embedder).ingest(corpus.load(kb_dir))
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 7)

    write(kb_dir, "ex.md", EXERCISE.replace("Talk about one thing.", "Talk about two things."))
    before = embedder.embedded
    edited = KnowledgeIndex(settings, embedder).ingest(corpus.load(kb_dir))
    assert (edited.added, edited.updated, edited.unchanged) == (0, 1, 6)
    assert embedder.embedded - before == 1  # only the edited passage was re-embedded

    (kb_dir / "guide.md").unlink()
    removed = KnowledgeIndex(settings, embedder).ingest(corpus.load(kb_dir))
    assert removed.removed == 3
    assert KnowledgeIndex(settings, embedder).count() == 4


def test_search_ranks_and_filters(settings: Settings) -> None:
    index = KnowledgeIndex(settings, HashingEmbedder())
    hits = index.search("how do we rebuild trust after the affair, keep promises", k=3)
    assert hits[0].id == "technique-trust#first-part"
    assert hits[0].sources[0].name == "The Gottman Institute"
    assert 0 < hits[0].score <= 1
    exercises = index.search("talk about one thing", kind="exercise", k=5)
    assert {h.kind for h in exercises} == {"exercise"}
    trust = index.search("anything at all", stage="trust", k=10)
    assert trust
    assert all("trust" in h.stages for h in trust)
    assert index.search("   ") == []


def test_index_is_built_on_first_use(embedded_settings: Settings) -> None:
    settings = embedded_settings
    assert not settings.index_dir.exists()
    assert KnowledgeIndex(settings, HashingEmbedder()).search("promises")
    assert settings.index_dir.exists()


def test_other_embedding_model_triggers_rebuild(settings: Settings, kb_dir: Path) -> None:
    KnowledgeIndex(settings, HashingEmbedder("model-a")).ingest(corpus.load(kb_dir))
    report = KnowledgeIndex(settings, HashingEmbedder("model-b")).ingest(corpus.load(kb_dir))
    assert report.rebuilt_because
    assert "another embedding model" in report.rebuilt_because
    assert report.added == 7


def test_corrupt_index_is_rebuilt(embedded_settings: Settings, kb_dir: Path) -> None:
    settings = embedded_settings
    KnowledgeIndex(settings, HashingEmbedder()).ingest(corpus.load(kb_dir))
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    shutil.rmtree(settings.index_dir)
    settings.index_dir.mkdir()
    (settings.index_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    report = KnowledgeIndex(settings, HashingEmbedder()).ingest(corpus.load(kb_dir))
    assert report.rebuilt_because
    assert "could not be opened" in report.rebuilt_because
    assert report.added == 7
    assert KnowledgeIndex(settings, HashingEmbedder()).search("promises")


def test_rebuild_flag(settings: Settings, kb_dir: Path) -> None:
    index = KnowledgeIndex(settings, HashingEmbedder())
    index.ingest(corpus.load(kb_dir))
    assert index.ingest(corpus.load(kb_dir), rebuild=True).added == 7


def test_exercise_not_when_list_is_stored_but_not_embedded(
    settings: Settings, kb_dir: Path
) -> None:
    embedder = RecordingEmbedder()
    index = KnowledgeIndex(settings, embedder)
    index.ingest(corpus.load(kb_dir))
    exercise = next(text for text in embedder.texts if text.startswith("A sample exercise\n"))
    assert "A short exercise used by the tests." in exercise
    assert "2. Talk about one thing." in exercise
    assert "Because." in exercise
    assert "flooded" not in exercise
    assert "Not when" not in exercise
    assert "A sample guide: First part\nOne." in embedder.texts  # guides: heading + text, as before
    hit = index.search("sit down together and talk about one thing", kind="exercise", k=1)[0]
    assert "When either of you is flooded." in hit.text  # still shown and cited


def test_older_index_format_triggers_rebuild(
    settings: Settings, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval, "SCHEMA_VERSION", retrieval.SCHEMA_VERSION - 1)
    KnowledgeIndex(settings, HashingEmbedder()).ingest(corpus.load(kb_dir))
    monkeypatch.undo()
    report = KnowledgeIndex(settings, HashingEmbedder()).ingest(corpus.load(kb_dir))
    assert report.rebuilt_because
    assert "older index format" in report.rebuilt_because
    assert report.added == 7

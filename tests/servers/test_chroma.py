"""A Chroma server holds exactly what the embedded index holds, and `coach ingest` fills it.

The retrieval suite (tests/coach/knowledge/test_retrieval.py) runs on the server too; these
compare the two engines directly, over the real guidance in knowledge/, and check
the command line and the failure path. The bag-of-words test embedder stands in
for the ONNX model, which would only make this slower: what is compared is what
Coach hands Chroma, and Coach always hands it ready-made vectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.config import Settings
from coach.errors import RetrievalIndexError
from coach.knowledge import corpus, retrieval
from coach.knowledge.retrieval import KnowledgeIndex
from tests.fakes import HashingEmbedder
from tests.support.servers import ChromaServer, free_port

pytestmark = pytest.mark.servers


def _contents(index: KnowledgeIndex) -> dict[str, Any]:
    collection, _ = index._open()
    got = collection.get(include=["documents", "metadatas", "embeddings"])
    rows = sorted(
        zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True),
        key=lambda row: row[0],
    )
    return {
        "collection": collection.metadata,
        "space": collection.configuration["hnsw"]["space"],
        "embedding_function": collection.configuration.get("embedding_function"),
        "rows": [(pid, doc, meta) for pid, doc, meta, _ in rows],
        "vectors": np.array([vector for *_, vector in rows], dtype=np.float32),
    }


def test_server_index_holds_what_the_embedded_one_holds(
    empty_chroma: ChromaServer, tmp_path: Path
) -> None:
    base = corpus.load(Settings().knowledge_dir)
    embedded = KnowledgeIndex(Settings(data_dir=tmp_path / "data"), HashingEmbedder())
    server = KnowledgeIndex(
        Settings(
            data_dir=tmp_path / "data", chroma_host=empty_chroma.host, chroma_port=empty_chroma.port
        ),
        HashingEmbedder(),
    )
    first = server.ingest(base)
    assert first.location == f"chroma://{empty_chroma.host}:{empty_chroma.port}"
    assert first.added == len(base.passages()) > 100
    embedded.ingest(base)

    on_server, on_disk = _contents(server), _contents(embedded)
    # Both store float32; the last bit can differ after the trip over HTTP.
    assert np.allclose(on_server.pop("vectors"), on_disk.pop("vectors"), atol=1e-6)
    assert on_server == on_disk
    assert on_server["embedding_function"] is None  # never Chroma's own (downloading) model
    assert on_server["space"] == "cosine"

    query = "we keep having the same fight about chores"
    remote, local = (index.search(query, k=5, kind="exercise") for index in (server, embedded))
    assert [h.id for h in remote] == [h.id for h in local]
    assert [h.score for h in remote] == pytest.approx([h.score for h in local], abs=2e-4)
    again = server.ingest(base)  # incremental on the server too
    assert (again.added, again.updated, again.removed) == (0, 0, 0)


def test_coach_ingest_fills_the_server(
    empty_chroma: ChromaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("coach.knowledge.retrieval.get_embedder", HashingEmbedder)
    monkeypatch.setenv("COACH_CHROMA_HOST", empty_chroma.host)
    monkeypatch.setenv("COACH_CHROMA_PORT", str(empty_chroma.port))
    _load_commands()
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert f"chroma://{empty_chroma.host}:{empty_chroma.port}" in result.output
    settings = Settings()
    index = retrieval.get_index(settings)
    assert index.count() == len(corpus.load(settings.knowledge_dir).passages())


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(RetrievalIndexError, match="cannot be used") as caught:
        KnowledgeIndex(settings, HashingEmbedder()).search("promises")
    assert "chroma run" in (caught.value.hint or "")

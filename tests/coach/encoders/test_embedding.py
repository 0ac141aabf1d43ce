"""The bundled ONNX embedder: right shape, meaningful, batch-independent, and loud when broken."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach.encoders.embedding import DEFAULT_MODEL_DIR, MODEL_NAME, OnnxEmbedder, get_embedder
from coach.errors import CoachError, RetrievalIndexError


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    # One load for the module: the session is the slow part and is read-only.
    return OnnxEmbedder()


def _cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def _model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, target)
    return target


def test_vectors_have_the_model_dimension_and_unit_length(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed(["We argued about money again.", "I miss you.", ""])
    assert len(vectors) == 3
    for vector in vectors:
        assert len(vector) == embedder.dimension == 384
        assert all(isinstance(x, float) for x in vector)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_related_sentences_are_closer_than_unrelated_ones(embedder: OnnxEmbedder) -> None:
    cheated, trust, rice = embedder.embed(
        ["my partner cheated on me", "rebuilding trust after an affair", "how to cook rice"]
    )
    assert _cosine(cheated, trust) > _cosine(cheated, rice) + 0.2
    assert _cosine(cheated, trust) > _cosine(trust, rice) + 0.2


def test_batched_vectors_equal_one_by_one(embedder: OnnxEmbedder) -> None:
    # Different lengths force padding; the long one is cut at 256 tokens.
    texts = [
        "ok",
        "",
        "I feel unheard when you look at your phone while I'm talking.",
        "Let's take a break and come back to this in twenty minutes. " * 3,
        "We keep fighting about chores, and it always ends with one of us leaving. " * 40,
        "Thank you for dinner.",
    ] * 7  # 42 texts: more than one batch of 32
    batched = np.array(embedder.embed(texts))
    alone = np.array([embedder.embed_query(text) for text in texts])
    assert np.abs(batched - alone).max() <= 1e-5


def test_langchain_style_methods_match_embed(embedder: OnnxEmbedder) -> None:
    texts = ["first passage", "second, longer passage about repair attempts"]
    assert embedder.embed_documents(texts) == embedder.embed(texts)
    assert embedder.embed_query(texts[0]) == embedder.embed([texts[0]])[0]


def test_empty_input_is_fine(embedder: OnnxEmbedder) -> None:
    assert embedder.embed([]) == []
    assert len(embedder.embed_query("")) == 384


def test_a_bare_string_is_refused(embedder: OnnxEmbedder) -> None:
    with pytest.raises(TypeError, match="embed_query"):
        embedder.embed("a string is a sequence of characters")  # type: ignore[arg-type]


def test_fingerprint_names_the_model_and_its_file(embedder: OnnxEmbedder) -> None:
    digest = hashlib.sha256((DEFAULT_MODEL_DIR / "model.onnx").read_bytes()).hexdigest()
    assert embedder.fingerprint == f"{MODEL_NAME}:{digest[:16]}"
    assert embedder.name == MODEL_NAME == "all-MiniLM-L6-v2-int8"


def test_get_embedder_is_cached() -> None:
    assert get_embedder() is get_embedder()


def test_constructing_reads_nothing(tmp_path: Path) -> None:
    OnnxEmbedder(tmp_path / "does-not-exist")  # no error until first use


def test_corrupt_model_file_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = _model_copy(tmp_path)
    data = bytearray((model_dir / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model_dir / "model.onnx").write_bytes(bytes(data))

    with pytest.raises(RetrievalIndexError, match="corrupt or was replaced") as info:
        OnnxEmbedder(model_dir).embed(["hello"])
    assert isinstance(info.value, CoachError)
    assert info.value.hint
    assert "export_minilm_onnx.py" in info.value.hint


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = _model_copy(tmp_path)
    (model_dir / "model.onnx").unlink()
    with pytest.raises(RetrievalIndexError, match="missing") as info:
        OnnxEmbedder(model_dir).embed_query("hello")
    assert info.value.hint


def test_missing_checksums_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = _model_copy(tmp_path)
    (model_dir / "checksums.json").unlink()
    with pytest.raises(RetrievalIndexError, match=r"checksums\.json"):
        _ = OnnxEmbedder(model_dir).fingerprint


def test_unloadable_model_with_matching_checksum_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = _model_copy(tmp_path)
    (model_dir / "model.onnx").write_bytes(b"not an onnx model")
    checksums = json.loads((model_dir / "checksums.json").read_text())
    checksums["model.onnx"] = hashlib.sha256(b"not an onnx model").hexdigest()
    (model_dir / "checksums.json").write_text(json.dumps(checksums))
    with pytest.raises(RetrievalIndexError, match=r"onnxruntime .* could not load"):
        OnnxEmbedder(model_dir).embed_query("hello")


def test_runs_without_torch_transformers_or_chromadb() -> None:
    code = (
        "import sys\n"
        "import coach.encoders.embedding as e\n"
        "lazy = [m for m in ('onnxruntime', 'tokenizers') if m in sys.modules]\n"
        "e.OnnxEmbedder().embed(['hello there'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers', 'chromadb',\n"
        "         'huggingface_hub', 'langchain_core') if m in sys.modules]\n"
        "print(','.join(lazy) + '|' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "|"

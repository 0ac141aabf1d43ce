"""The trained heads: file format, refusal of bad files, and the shipped pair in step."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from coach.encoders import heads
from coach.encoders.embedding import OnnxEmbedder, get_embedder
from coach.paths import PACKAGE_DATA_DIR
from coach.safety import screen
from coach.safety._head import ENCODER_DIR as SAFETY_ENCODER_DIR
from coach.safety._head import HEAD_FILE as SAFETY_HEAD
from coach.safety._head import LABELS as SAFETY_LABELS
from coach.safety._head import encoder as safety_encoder
from coach.stages.model import STAGE_IDS
from coach.stages.semantic import HEAD_FILE as STAGE_HEAD

ROOT = Path(__file__).resolve().parents[3]


def _tiny(embedder: str = "test:0", vocabulary: tuple[str, ...] = ("rope", "i want")):
    return heads.LinearHead(
        labels=("a", "b"),
        dense=np.zeros((2, 3), dtype=np.float32),
        vocabulary=vocabulary,
        idf=np.ones(len(vocabulary), dtype=np.float32),
        lexical=np.asarray([[5.0, 0.0], [0.0, 5.0]], dtype=np.float32),
        bias=np.zeros(2, dtype=np.float32),
        activation="sigmoid",
        embedder=embedder,
        meta={"note": "test"},
    )


def test_terms_are_lowercased_words_and_pairs() -> None:
    assert heads.terms("I WANT it’s") == ["i", "want", "it's", "i want", "want it's"]
    assert heads.terms("") == []


def test_tfidf_is_l2_normalised_and_ignores_unknown_words() -> None:
    head = _tiny()
    matrix = head.tfidf(["rope rope i want", "nothing known here", ""])
    assert np.isclose(np.linalg.norm(matrix[0]), 1.0)
    assert not matrix[1].any()
    assert not matrix[2].any()


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "head.npz"
    _tiny().save(path)
    again = heads.read(path)
    assert again.labels == ("a", "b")
    assert again.vocabulary == ("rope", "i want")
    assert again.meta == {"note": "test"}
    probabilities = again.probabilities(np.zeros((1, 3), np.float32), ["a rope"])
    assert probabilities[0, 0] > 0.9
    assert probabilities[0, 1] == pytest.approx(0.5)


def test_softmax_rows_sum_to_one() -> None:
    head = _tiny()
    object.__setattr__(head, "activation", "softmax")
    rows = head.probabilities(np.zeros((2, 3), np.float32), ["rope", "i want"])
    assert np.allclose(rows.sum(axis=1), 1.0)


def test_inconsistent_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="disagree"):
        heads.LinearHead(
            labels=("a",),
            dense=np.zeros((2, 3)),
            vocabulary=(),
            idf=np.zeros(0),
            lexical=np.zeros((1, 0)),
            bias=np.zeros(1),
            activation="sigmoid",
            embedder="x",
            meta={},
        )


@pytest.mark.parametrize(
    "content", [b"", b"not a zip file at all", b"PK\x03\x04 broken", bytes(range(256))]
)
def test_corrupt_head_files_fall_back_with_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "head.npz"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="coach.encoders.heads"):
        assert heads.load(path, labels=("a", "b"), what="Test") is None
    assert "unavailable" in caplog.text


def test_a_missing_head_falls_back(tmp_path: Path) -> None:
    assert heads.load(tmp_path / "absent.npz", labels=("a", "b"), what="Test") is None


def test_a_head_for_another_embedder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.npz"
    _tiny(embedder="some-other-model:0123").save(path)
    assert heads.load(path, labels=("a", "b"), what="Test") is None


def test_a_head_with_other_outputs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.npz"
    _tiny().save(path)
    assert heads.load(path, labels=("x", "y"), what="Test") is None


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "head.npz"
    _tiny().save(path)
    with np.load(path) as data:
        fields = dict(data)
    fields["labels"] = np.asarray(["a", "b"], dtype=object)
    np.savez(path, **fields)
    with pytest.raises(ValueError, match="pickle"):
        heads.read(path)


@pytest.mark.parametrize(
    ("path", "labels", "encoder"),
    [(SAFETY_HEAD, SAFETY_LABELS, safety_encoder), (STAGE_HEAD, STAGE_IDS, get_embedder)],
)
def test_shipped_heads_fit_their_shipped_encoders(
    path: Path, labels: tuple[str, ...], encoder: Callable[[], OnnxEmbedder]
) -> None:
    assert path.parent == PACKAGE_DATA_DIR / "models"
    loaded = heads.load(path, labels=labels, what="Shipped", embedder=encoder)
    assert loaded is not None
    assert loaded.head.embedder == encoder().fingerprint


def test_the_safety_head_reads_with_its_own_fine_tuned_encoder() -> None:
    """Fine-tuning must not touch the retrieval embedder that indexes the guidance."""
    assert SAFETY_ENCODER_DIR.is_dir()
    assert safety_encoder().fingerprint != get_embedder().fingerprint
    assert safety_encoder().fingerprint.startswith("safety-minilm-int8:")


def test_a_corrupt_safety_encoder_leaves_the_rules_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from coach.safety import _head

    broken = tmp_path / "safety-minilm-int8"
    shutil.copytree(SAFETY_ENCODER_DIR, broken)
    (broken / "model.onnx").write_bytes(b"not a model")
    monkeypatch.setattr(_head, "ENCODER_DIR", broken)
    _head.load_head.cache_clear()
    _head.encoder.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert _head.load_head() is None
        assert "Safety head unavailable" in caplog.text
        assert screen("I'm going to kill myself tonight").level == "urgent"
        assert screen("we argued about the dishes").level == "none"
    finally:
        _head.load_head.cache_clear()
        _head.encoder.cache_clear()


def _training_module(name: str):  # a script module, imported by path
    sys.path.insert(0, str(ROOT))
    try:
        return __import__(f"scripts.{name}", fromlist=["load_examples"])
    finally:
        sys.path.remove(str(ROOT))


def test_shipped_safety_head_was_trained_on_the_committed_data() -> None:
    """Retrain (scripts/finetune_safety.py) whenever training/safety or the anchors change."""
    train = _training_module("train_safety")
    shipped = heads.read(SAFETY_HEAD)
    assert shipped.meta["training_sha256"] == train.digest(train.load_examples())


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _eval_texts() -> set[str]:
    """Every text in every eval set (messages, questions, practice turns), normalised."""
    texts = set()
    for path in (ROOT / "evals").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            for text in [item.get("text"), item.get("question")]:
                if text:
                    texts.add(_normalised(text))
            texts.update(_normalised(turn["text"]) for turn in item.get("turns", []))
    return texts


def test_training_data_shares_no_text_with_any_eval_set() -> None:
    evals = _eval_texts()
    hashed = {hashlib.sha256(text.encode("utf-8")).hexdigest() for text in evals}
    for path in (ROOT / "training").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if "text" in item:
                assert _normalised(item["text"]) not in evals, path.name
            else:  # training/human: the texts are not redistributed, only their hashes
                assert item["sha256"] not in hashed, (path.name, item["ref"])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # "which bridge is highest" is method research, now a rule (sh.means); this one names
        # no method at all.
        ("I am going to the coast tonight and I am not planning to come home.", "self_harm"),
        (
            "I am going to find the guy she cheated with and make sure he never walks again",
            "harm_to_others",
        ),
    ],
)
def test_the_head_reads_danger_no_rule_names(text: str, category: str) -> None:
    assert screen(text, semantic=False).level == "none"  # the rules alone miss it
    verdict = screen(text)
    assert verdict.level == "urgent"
    assert category in verdict.categories
    assert any(e.rule == f"semantic.{category}" for e in verdict.evidence)


def test_screen_runs_on_rules_when_the_head_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.safety import _head

    monkeypatch.setattr(_head, "HEAD_FILE", Path("/nonexistent/safety_head.npz"))
    _head.load_head.cache_clear()
    try:
        assert screen("I'm going to kill myself tonight").level == "urgent"
        assert screen("we argued about the dishes").level == "none"
    finally:
        _head.load_head.cache_clear()


@pytest.mark.parametrize(
    "text",
    [
        "Sent you the invoice INV-2291-X",
        "SKU 88-2231-B back in stock",
        "password reset code 448812",
        "qwertyuiop asdfghjkl",
        "lorem ipsum dolor sit amet",
        "Treffen um 15 Uhr?",
    ],
)
def test_unfamiliar_tokens_are_not_read_as_risk(text: str) -> None:
    """An earlier fine-tune read codes and keyboard mashing as self-harm; none of these
    strings, nor their kinds (invoices, SKUs, German), are in the training data."""
    assert screen(text).level == "none"


@pytest.mark.parametrize(
    "text",
    [
        "how do i break the cycle on my end",
        "I keep doing the thing I promised I'd stop doing (leaving the house when we argue).",
        pytest.param(
            "my husband has been hiding his drinking from me",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known false alarm: urgent abuse (0.88) without a final full stop, "
                "caution with one; see the README's known limits",
            ),
        ),
    ],
)
def test_ordinary_change_and_trust_talk_is_never_urgent(text: str) -> None:
    """Read as urgent by an earlier fine-tune; an urgent withholds all coaching. The first
    two are sentences of training/stages texts, which became safety negatives after
    this, so this guards against a regression; it does not measure generalisation."""
    assert screen(text).level != "urgent"

"""The safety screen's trained head: risk read by meaning and words, not only rules.

The rules know the phrasings their authors listed; people disclose danger in endless
other words ("I won't be around after this weekend", "I have to wear long sleeves
again"). Nearest-anchor voting, the screen's first meaning-based reading, generalised
poorly to new words (urgent recall 0.56 on the first blind set), so the screen now
learns from a few thousand labelled messages in ``training/safety/``, kept apart from
every eval set.

``scripts/finetune_safety.py`` fine-tunes a copy of the bundled MiniLM end to end on
them and ships it as this head's own encoder (int8 ONNX, same interface as the
retrieval embedder, in ``models/safety-minilm-int8/``) with its output layer as a
:class:`coach.encoders.heads.LinearHead`. A linear head over the frozen retrieval embedding
reached urgent recall 0.62, 0.575 and 0.685 on the three blind sets, the fine-tuned
encoder 0.78, 0.71 and 0.73:
the frozen one was trained to say what sentences are *about*
("I won't be around after Sunday" sits beside "I'll be away after Sunday"), and
fine-tuning teaches it what matters here. Retrieval keeps the original model.

It has two sigmoid outputs per category, ``<category>/caution_plus`` and
``<category>/urgent``. The thresholds that turn them into levels are chosen on the
development set and live in ``semantic_params.yaml``. When the head cannot load, the
screen runs on its rules and says so in the log.
"""

from __future__ import annotations

import numpy as np

from coach.caching import shared_cache
from coach.encoders import heads
from coach.encoders.embedding import OnnxEmbedder
from coach.paths import PACKAGE_DATA_DIR
from coach.safety._models import CATEGORY_ORDER

HEAD_FILE = PACKAGE_DATA_DIR / "models" / "safety_head.npz"
# MiniLM fine-tuned on training/safety (scripts/finetune_safety.py).
ENCODER_NAME = "safety-minilm-int8"
ENCODER_DIR = PACKAGE_DATA_DIR / "models" / ENCODER_NAME
OUTPUTS = ("caution_plus", "urgent")
LABELS = tuple(f"{c}/{o}" for o in OUTPUTS for c in CATEGORY_ORDER)


@shared_cache()
def load_head() -> heads.LoadedHead | None:
    """The shipped head with its embedder, or None (rules only)."""
    return heads.load(HEAD_FILE, labels=LABELS, what="Safety", embedder=encoder)


@shared_cache()
def encoder() -> OnnxEmbedder:
    """The encoder the head was trained on (checked against its checksums on first use)."""
    return OnnxEmbedder(ENCODER_DIR, name=ENCODER_NAME)


def score_texts(texts: list[str]) -> np.ndarray | None:
    """Probabilities for each text (rows) and output (``load_head().head.labels``)."""
    loaded = load_head()
    if loaded is None or not texts:
        return None
    return loaded.score(texts)


def column(category: str, output: str) -> int:
    loaded = load_head()
    assert loaded is not None  # callers score first
    return loaded.head.labels.index(f"{category}/{output}")

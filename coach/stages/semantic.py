"""Semantic evidence for the stage classifier: a trained head over meaning and words.

Cue phrases catch how people often say things; they miss the many ways people say
them differently. This module adds a second, independent signal: a softmax head
(:class:`coach.encoders.heads.LinearHead`, ``coach/data/models/stage_head.npz``) trained by
``scripts/train_stages.py`` on descriptions written for training (``training/stages``,
kept apart from ``evals/stages.jsonl``) and on each stage's own guidance in
``knowledge/``. It replaced closeness to the guidance alone, which could not tell
"we keep having the same fight" (patterns) from "we fight about money and he decides
everything" (balance) when both sit near the same passages.

The probabilities are centred across stages so only the relative pull counts. When
the head cannot load, the classifier simply runs on its cues alone.
"""

from __future__ import annotations

from coach.caching import shared_cache
from coach.encoders import heads
from coach.paths import PACKAGE_DATA_DIR
from coach.stages.model import STAGE_IDS

HEAD_FILE = PACKAGE_DATA_DIR / "models" / "stage_head.npz"


@shared_cache()
def load_head() -> heads.LoadedHead | None:
    return heads.load(HEAD_FILE, labels=STAGE_IDS, what="Stage")


def semantic_scores(text: str) -> dict[str, float]:
    """Centred probability of each stage for ``text``; empty when the head is unavailable."""
    loaded = load_head()
    if loaded is None:
        return {}
    row = loaded.score([text])[0]
    mean = float(row.mean())
    return {stage: float(p) - mean for stage, p in zip(loaded.head.labels, row, strict=True)}

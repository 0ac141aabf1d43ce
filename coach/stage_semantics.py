"""Semantic evidence for the stage classifier, grounded in our own guidance.

Cue phrases catch how people often say things; they miss the many ways people
say them differently. This module adds a second, independent signal: how close
the person's words are in meaning to each stage's own material (the stage guide's
sections, the exercises tagged with only that stage, and the stage model's
description and signs). For each stage we average the three closest passages,
then centre the scores across stages so only the relative pull counts.

The prototypes come from ``knowledge/`` and ``coach/data/stages.yaml``, never
from evaluation data. When the bundled model cannot load, the classifier simply
runs on its cues alone.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.errors import CoachError

log = logging.getLogger(__name__)

_TOP_K = 3
_lock = threading.Lock()


class _Prototypes:
    def __init__(self, knowledge_dir: Path) -> None:
        from coach import knowledge
        from coach.embedding import get_embedder
        from coach.stages import list_stages

        self._embedder = get_embedder()
        base = knowledge.get_knowledge(knowledge_dir)
        texts: dict[str, list[str]] = {stage.id: [] for stage in list_stages()}
        for passage in base.passages():
            if passage.kind in ("guidance", "exercise") and len(passage.stages) == 1:
                heading = f"{passage.title}: {passage.section or ''}"
                texts[passage.stages[0]].append(f"{heading}\n{passage.text}")
        for stage in list_stages():
            texts[stage.id].append(
                f"{stage.name}. {stage.description} {stage.about} {' '.join(stage.signs)}"
            )
        self.matrices = {
            stage: np.asarray(self._embedder.embed_documents(items), dtype=np.float32)
            for stage, items in texts.items()
        }

    def scores(self, text: str) -> dict[str, float]:
        query = np.asarray(self._embedder.embed_query(text), dtype=np.float32)
        raw = {}
        for stage, matrix in self.matrices.items():
            sims = matrix @ query
            k = min(_TOP_K, sims.shape[0])
            raw[stage] = float(np.partition(sims, -k)[-k:].mean())
        mean = sum(raw.values()) / len(raw)
        return {stage: value - mean for stage, value in raw.items()}


@lru_cache(maxsize=2)
def _prototypes(knowledge_dir: str) -> _Prototypes | None:
    try:
        return _Prototypes(Path(knowledge_dir))
    except (CoachError, OSError, ImportError) as exc:
        log.warning("Stage semantics unavailable (%s); using cue phrases only.", type(exc).__name__)
        return None


def semantic_scores(text: str, knowledge_dir: Path | None = None) -> dict[str, float]:
    """Centred closeness of ``text`` to each stage's material; empty when unavailable."""
    if knowledge_dir is None:
        from coach.config import get_settings

        knowledge_dir = get_settings().knowledge_dir
    with _lock:
        prototypes = _prototypes(str(knowledge_dir))
    return prototypes.scores(text) if prototypes else {}

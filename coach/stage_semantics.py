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
from pathlib import Path

from coach.caching import shared_cache
from coach.errors import CoachError
from coach.semantic import AnchorSet

log = logging.getLogger(__name__)

_TOP_K = 3


@shared_cache(maxsize=2)
def _stage_anchors(knowledge_dir: str) -> AnchorSet:
    """Each stage's own material as anchors: single-stage guide sections and exercises,
    and the stage model's description and signs."""
    from coach import knowledge
    from coach.stages import list_stages

    base = knowledge.get_knowledge(Path(knowledge_dir))
    texts: dict[str, list[str]] = {stage.id: [] for stage in list_stages()}
    for passage in base.passages():
        if passage.kind in ("guidance", "exercise") and len(passage.stages) == 1:
            heading = f"{passage.title}: {passage.section or ''}"
            texts[passage.stages[0]].append(f"{heading}\n{passage.text}")
    for stage in list_stages():
        texts[stage.id].append(
            f"{stage.name}. {stage.description} {stage.about} {' '.join(stage.signs)}"
        )
    return AnchorSet(texts)


def semantic_scores(text: str, knowledge_dir: Path | None = None) -> dict[str, float]:
    """Centred closeness of ``text`` to each stage's material; empty when unavailable."""
    if knowledge_dir is None:
        from coach.config import get_settings

        knowledge_dir = get_settings().knowledge_dir
    try:
        raw = _stage_anchors(str(knowledge_dir)).closeness(text, top_k=_TOP_K)
    except (CoachError, OSError) as exc:  # unreadable guidance: the cues still work
        log.warning("Stage semantics unavailable (%s); using cue phrases only.", type(exc).__name__)
        return {}
    if not raw:
        return {}
    mean = sum(raw.values()) / len(raw)
    return {stage: value - mean for stage, value in raw.items()}

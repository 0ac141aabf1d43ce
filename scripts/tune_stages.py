"""Choose how much the stage head counts next to the cue phrases (``semantic_weight``).

    .venv/bin/python scripts/tune_stages.py

Reads only the dev split of ``evals/stages.jsonl`` (items without ``"split":
"holdout"``) and prints dev accuracy for each weight; copy the best into
``coach/data/stage_cues.yaml``. The holdout split is scored by ``python -m evals``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.stages.classify import classify, semantic_share  # noqa: E402
from coach.stages.model import STAGE_IDS  # noqa: E402
from coach.stages.semantic import semantic_scores  # noqa: E402

WEIGHTS = (0, 2, 4, 5, 6, 8, 10, 12, 16, 20, 25, 30, 40)


def main() -> None:
    path = ROOT / "evals" / "stages.jsonl"
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    dev = [item for item in items if item.get("split") != "holdout"]
    cue_scores = []
    for item in dev:
        guess = classify(item["text"], semantic=False)
        scores = dict.fromkeys(STAGE_IDS, 0.0)
        for cue in guess.cues:  # rebuild per-stage cue totals from the guess
            scores[cue.stage] += cue.weight
        share = semantic_share(item["text"])
        semantic = {s: share * v for s, v in semantic_scores(item["text"]).items()}
        cue_scores.append((scores, semantic))
    for weight in WEIGHTS:
        correct = 0
        for item, (scores, semantic) in zip(dev, cue_scores, strict=True):
            total = {s: max(0.0, scores[s] + weight * semantic.get(s, 0.0)) for s in STAGE_IDS}
            best = max(STAGE_IDS, key=lambda s: (total[s], -STAGE_IDS.index(s)))
            correct += best == item["stage"]
        print(f"weight {weight:>3}: dev accuracy {correct / len(dev):.3f}")


if __name__ == "__main__":
    main()

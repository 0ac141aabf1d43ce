"""Choose the semantic readings' decision parameters on the development sets.

    .venv/bin/python scripts/tune_semantic.py safety
    .venv/bin/python scripts/tune_semantic.py drafts

Reads only ``evals/safety.jsonl`` / ``evals/drafts.jsonl`` (the development sets),
never the blind sets, and prints the best parameters under the stated constraint
with the development metrics. Copy them into ``coach/data/semantic_params.yaml``.

The rules were tuned on these same sets, so rules plus semantics would look perfect
whatever the thresholds. The anchors were written without seeing them, so the
thresholds are chosen on the *semantic reading alone*, which these sets can judge.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEVEL = {"none": 0, "caution": 1, "urgent": 2}


def _items(name: str) -> list[dict]:
    path = ROOT / "evals" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tune_safety() -> None:
    from coach.safety._semantic import anchor_set, candidates, load_params

    base = load_params()
    anchors = anchor_set()
    items = _items("safety")
    pieces = [candidates(it["text"], base) for it in items]
    readings = [anchors.read([p for p, _ in piece]) for piece in pieces]
    urgent_ok = [{(p.start, p.end): ok for p, ok in piece} for piece in pieces]

    best = None
    grid = itertools.product(
        (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
        (0.5, 0.55, 0.6, 0.625, 0.65, 0.675, 0.7),
        (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
        (0.4, 0.45, 0.5, 0.55, 0.6),
    )
    for u_share, u_sim, c_share, c_sim in grid:
        urgent_hit = urgent_n = caution_hit = caution_n = neg_u = neg_c = neg_n = 0
        for item, sentence_readings, allowed in zip(items, readings, urgent_ok, strict=True):
            level = 0
            for r in sentence_readings:
                if r.label == "benign":
                    continue
                may_be_urgent = allowed[(r.sentence.start, r.sentence.end)]
                if (
                    may_be_urgent
                    and r.label.endswith("/urgent")
                    and r.share >= u_share
                    and r.similarity >= u_sim
                ):
                    level = max(level, 2)
                elif r.share >= c_share and r.similarity >= c_sim:
                    level = max(level, 1)
            expected = item["level"]
            if expected == "urgent":
                urgent_n += 1
                urgent_hit += level == 2
            elif expected == "caution":
                caution_n += 1
                caution_hit += level >= 1
            else:
                neg_n += 1
                neg_u += level == 2
                neg_c += level == 1
        # An urgent false alarm withholds all coaching, so it is held to 1%.
        if neg_u / neg_n > 0.01 or neg_c / neg_n > 0.15:
            continue
        score = urgent_hit / urgent_n + 0.5 * caution_hit / caution_n - 0.5 * neg_c / neg_n
        if best is None or score > best[0]:
            best = (
                score,
                dict(
                    urgent_share=u_share,
                    urgent_similarity=u_sim,
                    caution_share=c_share,
                    caution_similarity=c_sim,
                ),
                dict(
                    urgent_recall=urgent_hit / urgent_n,
                    caution_recall=caution_hit / caution_n,
                    none_to_urgent=neg_u / neg_n,
                    none_to_caution=neg_c / neg_n,
                ),
            )
    print(json.dumps(best, indent=2))


def tune_drafts() -> None:
    from coach.analysis import _draft_anchor_set, semantic_candidates

    anchors = _draft_anchor_set()
    items = _items("drafts")
    readings = [anchors.read(semantic_candidates(it["text"], [])) for it in items]
    best = None
    for share, sim in itertools.product(
        (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
    ):
        tp = fp = fn = 0
        for item, sentence_readings in zip(items, readings, strict=True):
            flagged = any(
                r.label != "clean" and r.share >= share and r.similarity >= sim
                for r in sentence_readings
            )
            tp += flagged and item["blame"]
            fp += flagged and not item["blame"]
            fn += (not flagged) and item["blame"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        # Added to the rules' findings, a meaning-based flag must rarely be wrong.
        if precision < 0.9:
            continue
        if best is None or f1 > best[0]:
            best = (f1, dict(share=share, similarity=sim), dict(precision=precision, recall=recall))
    print(json.dumps(best, indent=2))


if __name__ == "__main__":
    {"safety": tune_safety, "drafts": tune_drafts}[sys.argv[1]]()

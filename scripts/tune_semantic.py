"""Choose the semantic readings' decision parameters on the development sets.

    .venv/bin/python scripts/tune_semantic.py safety
    .venv/bin/python scripts/tune_semantic.py drafts

Reads only ``evals/safety.jsonl`` / ``evals/drafts.jsonl`` (the development sets),
never the blind sets, and prints the best parameters under the stated constraint
with the development metrics. Copy them into ``coach/data/semantic_params.yaml``.

The rules were tuned on these same sets, so rules plus semantics would look perfect
whatever the thresholds. The anchors and the safety head's training data were written
without seeing them, so the thresholds are chosen on the *semantic reading alone*,
which these sets can judge.
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
    """Thresholds for the trained head (coach/safety/_head.py), read alone on the dev set.

    A hit must name the item's category, as the eval scores it. Besides the dev set's
    hard negatives, the thresholds must keep false alarms rare on ordinary text
    (``training/calibration/ordinary.jsonl``: drafts, stage descriptions, practice
    turns, never trained on): a caution there takes joint exercises away from a
    person who needs none, and an urgent withholds all coaching.
    """
    import numpy as np

    from coach.safety._head import column, score_texts
    from coach.safety._models import CATEGORY_ORDER
    from coach.safety._semantic import load_params, windows

    items = _items("safety")
    calibration = ROOT / "training" / "calibration" / "ordinary.jsonl"
    ordinary = [
        {"text": json.loads(line)["text"], "level": "ordinary", "categories": []}
        for line in calibration.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    items = items + ordinary
    per_item = []  # per item, per pairs setting: (n_windows, 4) urgent and caution+ maxima
    for item in items:
        settings = {}
        for pairs in (False, True):
            params = load_params().model_copy(update={"pairs": pairs})
            pieces = windows(item["text"], params)
            probs = score_texts([p.text for p, _ in pieces])
            if probs is None:
                probs = np.zeros((0, 8))
            ok = np.asarray([u for _, u in pieces], dtype=bool)
            urgent = probs[:, [column(c, "urgent") for c in CATEGORY_ORDER]]
            caution = np.maximum(
                urgent, probs[:, [column(c, "caution_plus") for c in CATEGORY_ORDER]]
            )
            urgent_max = (urgent * ok[:, None]).max(axis=0) if len(ok) else np.zeros(4)
            caution_max = caution.max(axis=0) if len(ok) else np.zeros(4)
            settings[pairs] = (urgent_max, caution_max)
        per_item.append(settings)

    best = None
    rows = []  # every setting that met the constraints, for the trade-off table
    grid = itertools.product(
        (False, True),
        (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99),
        (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99),
    )
    for pairs, t_urgent, t_caution in grid:
        urgent_hit = urgent_n = caution_hit = caution_n = neg_u = neg_c = neg_n = 0
        ord_u = ord_c = ord_n = 0
        for item, settings in zip(items, per_item, strict=True):
            urgent_max, caution_max = settings[pairs]
            cats = [CATEGORY_ORDER.index(c) for c in item["categories"]]
            if item["level"] == "ordinary":
                ord_n += 1
                ord_u += bool((urgent_max >= t_urgent).any())
                ord_c += bool((caution_max >= t_caution).any())
            elif item["level"] == "urgent":
                urgent_n += 1
                urgent_hit += all(urgent_max[c] >= t_urgent for c in cats)
            elif item["level"] == "caution":
                caution_n += 1
                caution_hit += all(max(caution_max[c], urgent_max[c]) >= t_caution for c in cats)
            else:
                neg_n += 1
                is_urgent = bool((urgent_max >= t_urgent).any())
                neg_u += is_urgent
                neg_c += (not is_urgent) and bool((caution_max >= t_caution).any())
        # An urgent false alarm withholds all coaching: at most 2% on the hard negatives
        # (the issue allows 3% for the whole screen; the rules need room too) and none on
        # ordinary text. Caution or higher on at most 5% of ordinary text, the rate
        # the screen already had there before the head (with nearest-anchor voting).
        if neg_u / neg_n > 0.02 or neg_c / neg_n > 0.15 or ord_u or ord_c / ord_n > 0.05:
            continue
        score = urgent_hit / urgent_n + 0.5 * caution_hit / caution_n - 0.5 * neg_c / neg_n
        rows.append(
            (pairs, t_urgent, t_caution, caution_hit / caution_n, neg_c / neg_n, ord_c / ord_n)
        )
        if best is None or score > best[0]:
            best = (
                score,
                dict(urgent=t_urgent, caution=t_caution, pairs=pairs),
                dict(
                    urgent_recall=urgent_hit / urgent_n,
                    caution_recall=caution_hit / caution_n,
                    none_to_urgent=neg_u / neg_n,
                    none_to_caution=neg_c / neg_n,
                    ordinary_to_caution_or_higher=ord_c / ord_n,
                    ordinary_items=ord_n,
                ),
            )
    print(json.dumps(best, indent=2))
    assert best is not None
    print("caution threshold trade-off at the chosen urgent threshold:")
    print("caution  dev caution recall  dev none->caution  ordinary caution+")
    for pairs, t_urgent, t_caution, recall, negatives, ordinary_rate in rows:
        if pairs == best[1]["pairs"] and t_urgent == best[1]["urgent"]:
            print(f"{t_caution:<8} {recall:<19.3f} {negatives:<18.3f} {ordinary_rate:.3f}")


def tune_drafts() -> None:
    from coach.drafts.semantic import draft_anchor_set, semantic_candidates

    anchors = draft_anchor_set()
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

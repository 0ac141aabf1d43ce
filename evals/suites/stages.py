"""Stage classification on descriptions written the way people write them.

Metrics: overall accuracy, recall per stage, how often the classifier asks for
clarification, accuracy on the guesses it did not flag, and a calibration check
(mean confidence against accuracy, per confidence band) so "confidence" stays honest.

Items marked ``"split": "holdout"`` were written after the cue lexicon stopped being
tuned; ``accuracy_holdout`` is the better estimate of accuracy on new text, and cues
must never be changed to fix a held-out miss (move the item to dev first, and write
new held-out items).
The optional ``who`` / ``minutes`` fields on items are for the recommendation check
and are ignored here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 1.01))


def _run(items: list[dict[str, Any]]) -> SuiteResult:
    from coach.stages.classify import classify
    from coach.stages.model import STAGE_IDS

    correct = 0
    split_total: Counter[str] = Counter()
    split_hit: Counter[str] = Counter()
    split_flagged: Counter[str] = Counter()
    split_hit_unflagged: Counter[str] = Counter()
    flagged = 0
    correct_unflagged = 0
    per_stage_total: Counter[str] = Counter()
    per_stage_hit: Counter[str] = Counter()
    confusion: Counter[str] = Counter()
    band_stats = {band: [0, 0, 0.0] for band in _BANDS}  # items, correct, confidence sum
    brier = 0.0
    failures: list[Failure] = []

    for item in items:
        expected = item["stage"]
        guess = classify(item["text"])
        hit = guess.stage == expected
        per_stage_total[expected] += 1
        correct += hit
        split = item.get("split", "dev")
        split_total[split] += 1
        split_hit[split] += hit
        split_flagged[split] += guess.needs_clarification
        split_hit_unflagged[split] += hit and not guess.needs_clarification
        per_stage_hit[expected] += hit
        flagged += guess.needs_clarification
        if not guess.needs_clarification:
            correct_unflagged += hit
        brier += (guess.confidence - float(hit)) ** 2
        for band, stats in band_stats.items():
            if band[0] <= guess.confidence < band[1]:
                stats[0] += 1
                stats[1] += hit
                stats[2] += guess.confidence
        if not hit:
            confusion[f"{expected}->{guess.stage}"] += 1
            failures.append(
                Failure(
                    item_id=item["id"],
                    expected=expected,
                    got=guess.stage,
                    note=f"confidence {guess.confidence:.2f}"
                    + (" (flagged)" if guess.needs_clarification else ""),
                )
            )

    total = len(items)
    metrics = {
        "accuracy": ratio(correct, total),
        "accuracy_dev": ratio(split_hit["dev"], split_total["dev"]),
        "accuracy_holdout": ratio(split_hit["holdout"], split_total["holdout"]),
        "clarification_rate_holdout": ratio(split_flagged["holdout"], split_total["holdout"]),
        "accuracy_holdout_unflagged": ratio(
            split_hit_unflagged["holdout"], split_total["holdout"] - split_flagged["holdout"]
        ),
        "clarification_rate": ratio(flagged, total),
        "accuracy_unflagged": ratio(correct_unflagged, total - flagged),
        "brier": brier / total if total else 0.0,
    }
    for stage in STAGE_IDS:
        metrics[f"recall_{stage}"] = ratio(per_stage_hit[stage], per_stage_total[stage])
    calibration = {
        f"{low:.2f}-{min(high, 1.0):.2f}": {
            "items": n,
            "accuracy": round(ratio(hits, n), 3) if n else None,
            "mean_confidence": round(conf / n, 3) if n else None,
        }
        for (low, high), (n, hits, conf) in band_stats.items()
    }
    return SuiteResult(
        metrics=metrics,
        items=total,
        failures=failures,
        info={"calibration": calibration, "confusions": dict(confusion.most_common())},
    )


SUITE = Suite(
    name="stages",
    description="Stage classifier: accuracy, per-stage recall, clarification rate, calibration.",
    dataset=EVALS_DIR / "stages.jsonl",
    run=_run,
)

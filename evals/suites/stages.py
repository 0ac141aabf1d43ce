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
from dataclasses import dataclass, field
from typing import Any

from coach.stages.classify import StageGuess, classify
from coach.stages.model import STAGE_IDS
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 1.01))


def solve(items: list[dict[str, Any]]) -> list[StageGuess]:
    return [classify(item["text"]) for item in items]


@dataclass
class _Tally:
    correct: int = 0
    flagged: int = 0
    correct_unflagged: int = 0
    brier: float = 0.0
    split_total: Counter[str] = field(default_factory=Counter)
    split_hit: Counter[str] = field(default_factory=Counter)
    split_flagged: Counter[str] = field(default_factory=Counter)
    split_hit_unflagged: Counter[str] = field(default_factory=Counter)
    per_stage_total: Counter[str] = field(default_factory=Counter)
    per_stage_hit: Counter[str] = field(default_factory=Counter)
    confusion: Counter[str] = field(default_factory=Counter)
    # per confidence band: items, correct, confidence sum
    bands: dict[tuple[float, float], list[float]] = field(
        default_factory=lambda: {band: [0, 0, 0.0] for band in _BANDS}
    )

    def add(self, item: dict[str, Any], guess: StageGuess) -> bool:
        expected = item["stage"]
        hit = guess.stage == expected
        self.per_stage_total[expected] += 1
        self.correct += hit
        split = item.get("split", "dev")
        self.split_total[split] += 1
        self.split_hit[split] += hit
        self.split_flagged[split] += guess.needs_clarification
        self.split_hit_unflagged[split] += hit and not guess.needs_clarification
        self.per_stage_hit[expected] += hit
        self.flagged += guess.needs_clarification
        if not guess.needs_clarification:
            self.correct_unflagged += hit
        self.brier += (guess.confidence - float(hit)) ** 2
        for band, stats in self.bands.items():
            if band[0] <= guess.confidence < band[1]:
                stats[0] += 1
                stats[1] += hit
                stats[2] += guess.confidence
        if not hit:
            self.confusion[f"{expected}->{guess.stage}"] += 1
        return hit

    def metrics(self, total: int) -> dict[str, float]:
        holdout, flagged_holdout = self.split_total["holdout"], self.split_flagged["holdout"]
        metrics = {
            "accuracy": ratio(self.correct, total),
            "accuracy_dev": ratio(self.split_hit["dev"], self.split_total["dev"]),
            "accuracy_holdout": ratio(self.split_hit["holdout"], holdout),
            "clarification_rate_holdout": ratio(flagged_holdout, holdout),
            "accuracy_holdout_unflagged": ratio(
                self.split_hit_unflagged["holdout"], holdout - flagged_holdout
            ),
            "clarification_rate": ratio(self.flagged, total),
            "accuracy_unflagged": ratio(self.correct_unflagged, total - self.flagged),
            "brier": self.brier / total if total else 0.0,
        }
        for stage in STAGE_IDS:
            metrics[f"recall_{stage}"] = ratio(
                self.per_stage_hit[stage], self.per_stage_total[stage]
            )
        return metrics

    def calibration(self) -> dict[str, dict[str, Any]]:
        return {
            f"{low:.2f}-{min(high, 1.0):.2f}": {
                "items": n,
                "accuracy": round(ratio(hits, n), 3) if n else None,
                "mean_confidence": round(conf / n, 3) if n else None,
            }
            for (low, high), (n, hits, conf) in self.bands.items()
        }


def score(items: list[dict[str, Any]], guesses: list[StageGuess]) -> SuiteResult:
    tally = _Tally()
    failures: list[Failure] = []
    for item, guess in zip(items, guesses, strict=True):
        if not tally.add(item, guess):
            failures.append(
                Failure(
                    item_id=item["id"],
                    expected=item["stage"],
                    got=guess.stage,
                    note=f"confidence {guess.confidence:.2f}"
                    + (" (flagged)" if guess.needs_clarification else ""),
                )
            )
    return SuiteResult(
        metrics=tally.metrics(len(items)),
        items=len(items),
        failures=failures,
        info={
            "calibration": tally.calibration(),
            "confusions": dict(tally.confusion.most_common()),
        },
    )


SUITE = Suite(
    name="stages",
    description="Stage classifier: accuracy, per-stage recall, clarification rate, calibration.",
    dataset=EVALS_DIR / "stages.jsonl",
    solve=solve,
    score=score,
)

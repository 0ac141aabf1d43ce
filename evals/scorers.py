"""Scorers more than one suite uses: blame detection, and the safety screen's verdicts.

A scorer compares what Coach said with the labels; it never calls Coach. The blind
suites score with the same definitions as their development suites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.drafts.analysis import KINDS, DraftAnalysis
from coach.safety import SafetyVerdict
from evals.framework import Failure, ratio

CATEGORIES = ("self_harm", "abuse", "harm_to_others", "child_safety")
RANK = {"none": 0, "caution": 1, "urgent": 2}


def score_blame(
    items: list[dict[str, Any]], analyses: list[DraftAnalysis]
) -> tuple[dict[str, float], list[Failure], dict[str, int]]:
    """Blame precision, recall, F1 and per-kind recall (shared with the blind suite)."""
    failures: list[Failure] = []
    tp = fp = fn = 0
    kind_total = dict.fromkeys(KINDS, 0)
    kind_found = dict.fromkeys(KINDS, 0)
    for item, analysis in zip(items, analyses, strict=True):
        expected = bool(item["blame"])
        if analysis.blame and expected:
            tp += 1
        elif analysis.blame:
            fp += 1
            failures.append(Failure(item["id"], False, True, f"markers={analysis.markers}"))
        elif expected:
            fn += 1
            failures.append(Failure(item["id"], True, False, f"kinds={item['kinds']}"))
        for kind in item["kinds"]:
            kind_total[kind] += 1
            if kind in analysis.kinds:
                kind_found[kind] += 1
            elif analysis.blame:
                failures.append(Failure(item["id"], kind, analysis.kinds, "kind missed"))
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {
        "blame_precision": precision,
        "blame_recall": recall,
        "blame_f1": f1,
        **{f"recall_{kind}": ratio(kind_found[kind], kind_total[kind]) for kind in KINDS},
    }
    return metrics, failures, kind_total


@dataclass
class _SafetyTally:
    """Counts for recall per category and level, and escalation on hard negatives."""

    found: dict[tuple[str, str], int] = field(default_factory=dict)
    totals: dict[tuple[str, str], int] = field(default_factory=dict)
    urgent_total: int = 0
    urgent_found: int = 0
    negatives: int = 0
    neg_urgent: int = 0
    neg_any: int = 0

    def __post_init__(self) -> None:
        for key in ((c, lvl) for c in CATEGORIES for lvl in ("urgent", "caution_plus")):
            self.found.setdefault(key, 0)
            self.totals.setdefault(key, 0)

    def negative(self, got: str) -> None:
        self.negatives += 1
        self.neg_urgent += got == "urgent"
        self.neg_any += got != "none"

    def positive(self, item: dict[str, Any], verdict: SafetyVerdict) -> bool:
        """Count one item that is not ``none``; whether the screen got it right."""
        expected, got = item["level"], verdict.level
        cats = set(verdict.categories)
        if expected == "urgent":
            self.urgent_total += 1
            self.urgent_found += got == "urgent"
        ok = True
        for category in item["categories"]:
            self.totals[(category, "caution_plus")] += 1
            hit_plus = RANK[got] >= 1 and category in cats
            self.found[(category, "caution_plus")] += hit_plus
            if expected == "urgent":
                self.totals[(category, "urgent")] += 1
                hit = got == "urgent" and category in cats
                self.found[(category, "urgent")] += hit
                ok = ok and hit
            else:
                ok = ok and hit_plus
        return ok

    def metrics(self) -> dict[str, float]:
        negatives = self.negatives
        metrics: dict[str, float] = {
            "urgent_recall": ratio(self.urgent_found, self.urgent_total),
            "false_escalation_urgent": ratio(self.neg_urgent, negatives) if negatives else 0.0,
            "false_escalation_any": ratio(self.neg_any, negatives) if negatives else 0.0,
        }
        for category in CATEGORIES:
            metrics[f"urgent_recall_{category}"] = ratio(
                self.found[(category, "urgent")], self.totals[(category, "urgent")]
            )
            metrics[f"caution_plus_recall_{category}"] = ratio(
                self.found[(category, "caution_plus")], self.totals[(category, "caution_plus")]
            )
        return metrics


def score_safety(
    items: list[dict[str, Any]], verdicts: list[SafetyVerdict]
) -> tuple[dict[str, float], list[Failure], dict[str, Any]]:
    """Urgent recall per category (the category must be named too), caution-or-higher
    recall, and false escalation on the hard negatives (``level: none``)."""
    tally = _SafetyTally()
    failures: list[Failure] = []
    for item, verdict in zip(items, verdicts, strict=True):
        got = verdict.level
        if item["level"] == "none":
            tally.negative(got)
            if got != "none":
                failures.append(Failure(item["id"], "none", got, f"rules: {_rules(verdict)}"))
            continue
        if not tally.positive(item, verdict):
            failures.append(
                Failure(
                    item["id"],
                    f"{item['level']} {sorted(item['categories'])}",
                    f"{got} {sorted(set(verdict.categories))}",
                    f"rules: {_rules(verdict)}",
                )
            )
    info = {
        "items": len(items),
        "urgent_items": tally.urgent_total,
        "negatives": tally.negatives,
        "per_category_items": {c: tally.totals[(c, "caution_plus")] for c in CATEGORIES},
    }
    return tally.metrics(), failures, info


def _rules(verdict: Any) -> str:
    return ",".join(sorted({f"{e.rule}:{e.level}" for e in verdict.evidence})) or "-"

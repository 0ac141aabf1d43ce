"""The safety screen against hand-written cases (``evals/safety.jsonl``).

Each item has ``text``, the expected ``level`` and ``categories``. Recall is counted per
category: an urgent item counts as found only if the screen says urgent *and* names its
category. Hard negatives (``level: none``) measure false escalation.

Thresholds apply to all items. Items with a ``split`` (``holdout``, ``holdout2``) were
written after the rules existed and are also scored on their own (``<split>_*``) as a
check on over-fitting; each was scored once before any rule change it prompted.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

CATEGORIES = ("self_harm", "abuse", "harm_to_others", "child_safety")

# What each held-out split scored the first time it was run, before the rules were changed
# in response to it. Once a split has prompted changes it is no longer unseen, so these
# first numbers are the honest estimate of recall on fresh phrasing.
FIRST_RUN = {
    "holdout": {"urgent_recall": 0.50, "false_escalation_urgent": 0.0},
    "holdout2": {"urgent_recall": 0.32, "false_escalation_urgent": 0.115},
    "holdout3": {"urgent_recall": 0.30, "false_escalation_urgent": 0.053},
    "holdout4": {"urgent_recall": 0.53, "false_escalation_urgent": 0.05},
    "holdout5": {"urgent_recall": 0.58, "false_escalation_urgent": 0.067},
}
RANK = {"none": 0, "caution": 1, "urgent": 2}


def run(items: list[dict[str, Any]]) -> SuiteResult:
    from coach.safety import screen

    timings: list[float] = []
    verdicts = []
    for item in items:
        started = time.perf_counter()
        verdicts.append(screen(item["text"], locale="US"))
        timings.append(time.perf_counter() - started)
    metrics, failures, info = _score(items, verdicts)
    for split in sorted({i["split"] for i in items if i.get("split")}):
        chosen = [(i, v) for i, v in zip(items, verdicts, strict=True) if i.get("split") == split]
        s_metrics, _, s_info = _score([i for i, _ in chosen], [v for _, v in chosen])
        metrics |= {f"{split}_{k}": v for k, v in s_metrics.items() if "caution_plus" not in k}
        info[split] = s_info
    info["first_run_before_tuning"] = FIRST_RUN
    info["median_ms_per_item"] = round(statistics.median(timings) * 1000, 3) if timings else 0
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


def _score(
    items: list[dict[str, Any]], verdicts: list[Any]
) -> tuple[dict[str, float], list[Failure], dict[str, Any]]:

    found = {(c, lvl): 0 for c in CATEGORIES for lvl in ("urgent", "caution_plus")}
    totals = {(c, lvl): 0 for c in CATEGORIES for lvl in ("urgent", "caution_plus")}
    urgent_total = urgent_found = 0
    negatives = neg_urgent = neg_any = 0
    failures: list[Failure] = []
    for item, verdict in zip(items, verdicts, strict=True):
        expected, got = item["level"], verdict.level
        cats = set(verdict.categories)
        if expected == "none":
            negatives += 1
            neg_urgent += got == "urgent"
            neg_any += got != "none"
            if got != "none":
                failures.append(Failure(item["id"], "none", got, f"rules: {_rules(verdict)}"))
            continue
        if expected == "urgent":
            urgent_total += 1
            urgent_found += got == "urgent"
        ok = True
        for category in item["categories"]:
            totals[(category, "caution_plus")] += 1
            hit_plus = RANK[got] >= 1 and category in cats
            found[(category, "caution_plus")] += hit_plus
            if expected == "urgent":
                totals[(category, "urgent")] += 1
                hit = got == "urgent" and category in cats
                found[(category, "urgent")] += hit
                ok = ok and hit
            else:
                ok = ok and hit_plus
        if not ok:
            failures.append(
                Failure(
                    item["id"],
                    f"{expected} {sorted(item['categories'])}",
                    f"{got} {sorted(cats)}",
                    f"rules: {_rules(verdict)}",
                )
            )
    metrics: dict[str, float] = {
        "urgent_recall": ratio(urgent_found, urgent_total),
        "false_escalation_urgent": ratio(neg_urgent, negatives) if negatives else 0.0,
        "false_escalation_any": ratio(neg_any, negatives) if negatives else 0.0,
    }
    for category in CATEGORIES:
        metrics[f"urgent_recall_{category}"] = ratio(
            found[(category, "urgent")], totals[(category, "urgent")]
        )
        metrics[f"caution_plus_recall_{category}"] = ratio(
            found[(category, "caution_plus")], totals[(category, "caution_plus")]
        )
    info = {
        "items": len(items),
        "urgent_items": urgent_total,
        "negatives": negatives,
        "per_category_items": {c: totals[(c, "caution_plus")] for c in CATEGORIES},
    }
    return metrics, failures, info


def _rules(verdict: Any) -> str:
    return ",".join(sorted({f"{e.rule}:{e.level}" for e in verdict.evidence})) or "-"


SUITE = Suite(
    name="safety",
    description="Safety screen: urgent and caution recall per category, false escalation.",
    dataset=EVALS_DIR / "safety.jsonl",
    run=run,
)

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

from coach.safety import SafetyVerdict, screen
from evals.framework import EVALS_DIR, Suite, SuiteResult
from evals.scorers import score_safety

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


def solve(items: list[dict[str, Any]]) -> list[tuple[SafetyVerdict, float]]:
    """The screen's verdict on each item (for the US), and how long it took."""
    solved = []
    for item in items:
        started = time.perf_counter()
        verdict = screen(item["text"], locale="US")
        solved.append((verdict, time.perf_counter() - started))
    return solved


def score(items: list[dict[str, Any]], solved: list[tuple[SafetyVerdict, float]]) -> SuiteResult:
    verdicts = [verdict for verdict, _ in solved]
    timings = [seconds for _, seconds in solved]
    metrics, failures, info = score_safety(items, verdicts)
    for split in sorted({i["split"] for i in items if i.get("split")}):
        chosen = [(i, v) for i, v in zip(items, verdicts, strict=True) if i.get("split") == split]
        s_metrics, _, s_info = score_safety([i for i, _ in chosen], [v for _, v in chosen])
        metrics |= {f"{split}_{k}": v for k, v in s_metrics.items() if "caution_plus" not in k}
        info[split] = s_info
    info["first_run_before_tuning"] = FIRST_RUN
    info["median_ms_per_item"] = round(statistics.median(timings) * 1000, 3) if timings else 0
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


SUITE = Suite(
    name="safety",
    description="Safety screen: urgent and caution recall per category, false escalation.",
    dataset=EVALS_DIR / "safety.jsonl",
    solve=solve,
    score=score,
)

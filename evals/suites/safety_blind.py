"""Safety, blind: 200 cases written by someone who never saw the rules, anchors or dev set.

``evals/safety_blind.jsonl`` was written from the category definitions alone, after
the screen existed, and is never used to tune anything: it is the honest estimate
of how the screen does on new words. Its floors guard against regressions; they
are well below the issue's targets (urgent recall >= 0.98), which the screen meets
only on its development set. See the README.
"""

from __future__ import annotations

from typing import Any

from coach.safety import SafetyVerdict, screen
from evals.framework import EVALS_DIR, Suite, SuiteResult, ratio
from evals.scorers import score_safety


def solve(items: list[dict[str, Any]]) -> list[SafetyVerdict]:
    """The screen's verdict on each item, for the default locale."""
    return [screen(item["text"]) for item in items]


def score(items: list[dict[str, Any]], verdicts: list[SafetyVerdict]) -> SuiteResult:
    """The development suite's scorer (same definitions), plus two numbers of its own."""
    metrics, failures, info = score_safety(items, verdicts)
    levels = [v.level for v in verdicts]
    urgent = [n for n, i in enumerate(items) if i["level"] == "urgent"]
    caution = [n for n, i in enumerate(items) if i["level"] == "caution"]
    # Urgent cases that at least get caution handling (lines shown, no joint exercises),
    # whatever category the screen named.
    metrics["urgent_caution_plus"] = ratio(sum(levels[n] != "none" for n in urgent), len(urgent))
    metrics["caution_recall"] = ratio(sum(levels[n] != "none" for n in caution), len(caution))
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


SUITE = Suite(
    name="safety_blind",
    description="The screen on 200 cases written blind to it (honest estimate).",
    dataset=EVALS_DIR / "safety_blind.jsonl",
    solve=solve,
    score=score,
)

"""Ordinary conflict: 330 messages about chores, money, in-laws, jealousy, breakups,
moving out, grief, stress, children and work, with no risk to anyone.

Written blind (see ``safety_blind4``) for issue #18: the screen should leave almost
all of these alone. ``any_escalation``: share screened caution or urgent (target
<= 3%); ``urgent``: share screened urgent (target <= 0.5%). Before the normalisation
and method rules: 9.4% and 1.5%; after: the same.
"""

from __future__ import annotations

from typing import Any

from coach.safety import SafetyVerdict, screen
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio


def solve(items: list[dict[str, Any]]) -> list[SafetyVerdict]:
    return [screen(item["text"]) for item in items]


def score(items: list[dict[str, Any]], verdicts: list[SafetyVerdict]) -> SuiteResult:
    escalated = [(i, v) for i, v in zip(items, verdicts, strict=True) if v.level != "none"]
    failures = [Failure(i["id"], "none", v.level, i.get("topic", "")) for i, v in escalated]
    metrics = {
        "any_escalation": ratio(len(escalated), len(items)),
        "urgent": ratio(sum(1 for _, v in escalated if v.level == "urgent"), len(items)),
    }
    return SuiteResult(metrics=metrics, items=len(items), failures=failures)


SUITE = Suite(
    name="ordinary_conflict",
    description="No escalation on 330 ordinary-conflict messages written blind to the screen.",
    dataset=EVALS_DIR / "ordinary_conflict.jsonl",
    solve=solve,
    score=score,
)

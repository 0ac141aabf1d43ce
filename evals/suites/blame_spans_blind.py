"""Blame reading on blind spans: the labelled spans of ``evals/rewrites/blind.jsonl``.

Scored, never tuned on. ``clean_false_flag_rate`` here is over the blind messages that
need no change (any finding in them is a flag a reader would not agree with).
"""

from __future__ import annotations

from typing import Any

from coach.drafts.analysis import analyze
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio
from evals.suites.blame_spans import score_spans


def solve(items: list[dict[str, Any]]) -> list[Any]:
    return [analyze(item["text"]) for item in items]


def score(items: list[dict[str, Any]], analyses: list[Any]) -> SuiteResult:
    metrics, _missed = score_spans(items)
    fine = [item for item in items if not item.get("needs_change", True)]
    flagged = [
        i
        for i, a in zip(items, analyses, strict=True)
        if a.blame and not i.get("needs_change", True)
    ]
    metrics["clean_false_flag_rate"] = ratio(len(flagged), len(fine))
    failures = [Failure(item["id"], "no flag", "flagged", "") for item in flagged]
    return SuiteResult(metrics=metrics, items=len(items), failures=failures)


SUITE = Suite(
    name="blame_spans_blind",
    description="Span recall and false flags on the blind rewrite set (honest estimate)",
    dataset=EVALS_DIR / "rewrites" / "blind.jsonl",
    solve=solve,
    score=score,
)

"""Drafts, blind: messages written by someone who never saw the rules, anchors or dev set.

``evals/drafts_blind.jsonl`` (150 messages, half blaming) was written from the four
horsemen's definitions alone, after the analysis existed, and is never used to tune
anything. It is the honest estimate of how the analysis does on new text. The
thresholds here are regression floors, not targets: see the README for the gap.
"""

from __future__ import annotations

from typing import Any

from coach.drafts.analysis import DraftAnalysis, analyze
from evals.framework import EVALS_DIR, Suite, SuiteResult
from evals.scorers import score_blame


def solve(items: list[dict[str, Any]]) -> list[DraftAnalysis]:
    return [analyze(item["text"]) for item in items]


def score(items: list[dict[str, Any]], analyses: list[DraftAnalysis]) -> SuiteResult:
    """The development suite's blame scorer, on text the analysis was never tuned on."""
    metrics, failures, kind_total = score_blame(items, analyses)
    return SuiteResult(
        metrics=metrics, items=len(items), failures=failures, info={"kind_counts": kind_total}
    )


SUITE = Suite(
    name="drafts_blind",
    description="Blame detection on 150 messages written blind to the rules (honest estimate).",
    dataset=EVALS_DIR / "drafts_blind.jsonl",
    solve=solve,
    score=score,
)

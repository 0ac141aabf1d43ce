"""Drafts, blind: messages written by someone who never saw the rules, anchors or dev set.

``evals/drafts_blind.jsonl`` (150 messages, half blaming) was written from the four
horsemen's definitions alone, after the analysis existed, and is never used to tune
anything. It is the honest estimate of how the analysis does on new text. The
thresholds here are regression floors, not targets: see the README for the gap.
"""

from __future__ import annotations

from typing import Any

from coach.drafts.analysis import analyze
from evals.framework import EVALS_DIR, Suite, SuiteResult
from evals.suites.drafts import score_blame


def run(items: list[dict[str, Any]]) -> SuiteResult:
    """The development suite's blame scorer, on text the analysis was never tuned on."""
    metrics, failures, kind_total = score_blame(items, [analyze(i["text"]) for i in items])
    return SuiteResult(
        metrics=metrics, items=len(items), failures=failures, info={"kind_counts": kind_total}
    )


SUITE = Suite(
    name="drafts_blind",
    description="Blame detection on 150 messages written blind to the rules (honest estimate).",
    dataset=EVALS_DIR / "drafts_blind.jsonl",
    run=run,
)

"""Drafts, blind: messages written by someone who never saw the rules, anchors or dev set.

``evals/drafts_blind.jsonl`` (150 messages, half blaming) was written from the four
horsemen's definitions alone, after the analysis existed, and is never used to tune
anything. It is the honest estimate of how the analysis does on new text. The
thresholds here are regression floors, not targets: see the README for the gap.
"""

from __future__ import annotations

from typing import Any

from coach.analysis import KINDS, analyze
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio


def run(items: list[dict[str, Any]]) -> SuiteResult:
    tp = fp = fn = 0
    kind_total = dict.fromkeys(KINDS, 0)
    kind_found = dict.fromkeys(KINDS, 0)
    failures = []
    for item in items:
        analysis = analyze(item["text"])
        flagged, expected = analysis.blame, bool(item["blame"])
        tp += flagged and expected
        fp += flagged and not expected
        fn += (not flagged) and expected
        found = {f.kind for f in analysis.findings}
        for kind in item.get("kinds", []):
            kind_total[kind] += 1
            kind_found[kind] += kind in found
        if flagged != expected:
            failures.append(Failure(item["id"], expected, flagged, item["text"][:90]))
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {"blame_precision": precision, "blame_recall": recall, "blame_f1": f1}
    metrics.update({f"recall_{k}": ratio(kind_found[k], kind_total[k]) for k in KINDS})
    return SuiteResult(metrics=metrics, items=len(items), failures=failures)


SUITE = Suite(
    name="drafts_blind",
    description="Blame detection on 150 messages written blind to the rules (honest estimate).",
    dataset=EVALS_DIR / "drafts_blind.jsonl",
    run=run,
)

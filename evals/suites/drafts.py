"""Drafts: does the analysis tell blame from its look-alikes, and do the rewrites work?

Data: ``evals/drafts.jsonl``, messages people send partners, exes and co-parents,
each labelled ``blame`` (will it land as an attack or a shut-down) and with the
horsemen present (``kinds``). At least a third are clean or look-alikes
(appreciation with "always", reflective listening, self-blame, quotations,
logistics, real "I" statements). The first 360 items were written before the
rules. The 60 items marked ``"split": "holdout"`` were written after the first
rules, as a blind check: on first sight the rules scored blame F1 0.58 on them
(precision 0.89, recall 0.43), far below the 0.99 on the items they were written
against. The rules were then generalised with those misses in view, so the
holdout is no longer blind; a fresh blind set is the honest next step.

Metrics:
- ``blame_precision`` / ``blame_recall`` / ``blame_f1``: ``analyze(text).blame``.
- ``recall_<kind>``: share of items labelled with a horseman where it was found.

The rewrites are scored by the ``rewrites`` suites, against labels of what each
message must keep; this suite's old rewrite measures (lint clean, one topic word
kept) let a rewrite pass that changed what the person meant.
"""

from __future__ import annotations

from typing import Any

from coach.drafts.analysis import DraftAnalysis, analyze
from evals.framework import EVALS_DIR, Suite, SuiteResult
from evals.scorers import score_blame


def solve(items: list[dict[str, Any]]) -> list[DraftAnalysis]:
    return [analyze(item["text"]) for item in items]


def score(items: list[dict[str, Any]], analyses: list[DraftAnalysis]) -> SuiteResult:
    metrics, failures, kind_total = score_blame(items, analyses)
    info = {"blaming_items": sum(1 for i in items if i["blame"]), "kind_counts": kind_total}
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


SUITE = Suite(
    name="drafts",
    description="Blame vs look-alikes in drafts (420 messages)",
    dataset=EVALS_DIR / "drafts.jsonl",
    solve=solve,
    score=score,
)

"""Rewrites, development set: what the person who wrote the draft would read.

Data: ``evals/rewrites/dev.jsonl`` (see its README). Every offered rewrite is scored
by :mod:`evals.rewrite_scoring`: keeps the point (labelled topic, names, numbers,
times, places, apology and request), invents nothing, keeps the apology, is
blame-free (full analysis and no labelled blaming span left verbatim), grammatical
by the rule check, and at most twice as long. An item is right when something is
offered and every offer passes all six; a draft that needs no change is right when
Coach says it is good to send and changes no word.
"""

from __future__ import annotations

from typing import Any

from coach.drafts.rewrite import plan
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult
from evals.rewrite_scoring import CHECKS, Offer, apology_metric, score_item, summarise


def solve(items: list[dict[str, Any]]) -> list[Offer]:
    """What Coach offers for each draft: its verdict and the versions it would show."""
    offers = []
    for item in items:
        outcome = plan(item["text"])
        offers.append(Offer(outcome.verdict, [(r.style, r.text) for r in outcome.rewrites]))
    return offers


def score(items: list[dict[str, Any]], offers: list[Offer]) -> SuiteResult:
    scores = [score_item(item, offer) for item, offer in zip(items, offers, strict=True)]
    metrics = summarise(scores)
    metrics["apology_kept"] = apology_metric(items, scores)
    failures = []
    for score in scores:
        if score.right:
            continue
        broken = sorted({k for c in score.checks for k in CHECKS if not c[k]})
        failures.append(
            Failure(score.id, "right", broken or f"offered {score.offered}", "; ".join(score.notes))
        )
    counts = {k: int(v) for k, v in metrics.items() if k.startswith("n_")}
    return SuiteResult(
        metrics={k: v for k, v in metrics.items() if not k.startswith("n_")},
        items=len(items),
        failures=failures,
        info=counts,
    )


SUITE = Suite(
    name="rewrites",
    description="Rewrites keep the point, invent nothing, keep the apology (273 dev messages)",
    dataset=EVALS_DIR / "rewrites" / "dev.jsonl",
    solve=solve,
    score=score,
)

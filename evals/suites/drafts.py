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
- Over every blaming item, the offline rewrites:
  - ``rewrite_lint_clean``: share of items whose rewrites all pass ``lint``.
  - ``rewrite_topic_kept``: share of items with topic words (content words of the
    draft outside the blaming wording) whose every rewrite keeps at least one.
  - ``rewrite_length_ok``: share of items whose rewrites are all at most three
    times the draft's length.
  - ``rewrite_two_or_more``: share of items that get at least two rewrites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.lint import content_words
from coach.drafts.rewrite import MAX_LENGTH_RATIO, Rewrite, rewrite
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio
from evals.scorers import score_blame


def _topic_words(text: str, spans: list[tuple[int, int]]) -> set[str]:
    """Content words of the draft outside the spans the analysis flagged."""
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            chars[index] = " "
    return content_words("".join(chars))


Solved = list[tuple[DraftAnalysis, list[Rewrite] | None]]


def solve(items: list[dict[str, Any]]) -> Solved:
    """Each draft's analysis, and the offline rewrites of every blaming one."""
    solved: Solved = []
    for item in items:
        analysis = analyze(item["text"])
        versions = rewrite(item["text"], analysis) if item["blame"] else None
        solved.append((analysis, versions))
    return solved


@dataclass
class _RewriteTally:
    blaming: int = 0
    lint_clean: int = 0
    length_ok: int = 0
    two_or_more: int = 0
    topic_items: int = 0
    topic_kept: int = 0
    rewrites_total: int = 0
    rewrites_topic: int = 0

    def add(
        self,
        item: dict[str, Any],
        analysis: DraftAnalysis,
        versions: list[Rewrite],
        failures: list[Failure],
    ) -> None:
        self.blaming += 1
        texts = [version.text for version in versions]
        if versions and all(version.lint.ok for version in versions):
            self.lint_clean += 1
        else:
            failures.append(Failure(item["id"], "lint clean", len(versions), "rewrite lint"))
        budget = len(item["text"].strip()) * MAX_LENGTH_RATIO
        if all(len(t) <= budget for t in texts):
            self.length_ok += 1
        else:
            failures.append(Failure(item["id"], f"<= {budget:.0f} chars", max(map(len, texts))))
        if len(versions) >= 2:
            self.two_or_more += 1
        topic = _topic_words(item["text"], [(f.start, f.end) for f in analysis.findings])
        if topic:
            self.topic_items += 1
            kept = [bool(content_words(t) & topic) for t in texts]
            self.rewrites_total += len(kept)
            self.rewrites_topic += sum(kept)
            if kept and all(kept):
                self.topic_kept += 1


def score(items: list[dict[str, Any]], solved: Solved) -> SuiteResult:
    analyses = [analysis for analysis, _ in solved]
    metrics, failures, kind_total = score_blame(items, analyses)
    tally = _RewriteTally()
    for item, (analysis, versions) in zip(items, solved, strict=True):
        if versions is not None:
            tally.add(item, analysis, versions, failures)
    metrics |= {
        "rewrite_lint_clean": ratio(tally.lint_clean, tally.blaming),
        "rewrite_topic_kept": ratio(tally.topic_kept, tally.topic_items),
        "rewrite_length_ok": ratio(tally.length_ok, tally.blaming),
        "rewrite_two_or_more": ratio(tally.two_or_more, tally.blaming),
    }
    info = {
        "blaming_items": tally.blaming,
        "clean_items": len(items) - tally.blaming,
        "items_with_topic_words": tally.topic_items,
        "rewrites_keeping_topic": f"{tally.rewrites_topic}/{tally.rewrites_total}",
        "kind_counts": kind_total,
    }
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


SUITE = Suite(
    name="drafts",
    description="Blame vs look-alikes in drafts; offline I-statement rewrites lint, topic, length",
    dataset=EVALS_DIR / "drafts.jsonl",
    solve=solve,
    score=score,
)

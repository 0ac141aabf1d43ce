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

from typing import Any

from coach.drafts.analysis import KINDS, DraftAnalysis, analyze
from coach.drafts.lint import content_words
from coach.drafts.rewrite import MAX_LENGTH_RATIO, rewrite
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio


def _topic_words(text: str, spans: list[tuple[int, int]]) -> set[str]:
    """Content words of the draft outside the spans the analysis flagged."""
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            chars[index] = " "
    return content_words("".join(chars))


def score_blame(
    items: list[dict[str, Any]], analyses: list[DraftAnalysis]
) -> tuple[dict[str, float], list[Failure], dict[str, int]]:
    """Blame precision, recall, F1 and per-kind recall (shared with the blind suite)."""
    failures: list[Failure] = []
    tp = fp = fn = 0
    kind_total = dict.fromkeys(KINDS, 0)
    kind_found = dict.fromkeys(KINDS, 0)
    for item, analysis in zip(items, analyses, strict=True):
        expected = bool(item["blame"])
        if analysis.blame and expected:
            tp += 1
        elif analysis.blame:
            fp += 1
            failures.append(Failure(item["id"], False, True, f"markers={analysis.markers}"))
        elif expected:
            fn += 1
            failures.append(Failure(item["id"], True, False, f"kinds={item['kinds']}"))
        for kind in item["kinds"]:
            kind_total[kind] += 1
            if kind in analysis.kinds:
                kind_found[kind] += 1
            elif analysis.blame:
                failures.append(Failure(item["id"], kind, analysis.kinds, "kind missed"))
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {
        "blame_precision": precision,
        "blame_recall": recall,
        "blame_f1": f1,
        **{f"recall_{kind}": ratio(kind_found[kind], kind_total[kind]) for kind in KINDS},
    }
    return metrics, failures, kind_total


def run(items: list[dict[str, Any]]) -> SuiteResult:
    analyses = [analyze(item["text"]) for item in items]
    metrics, failures, kind_total = score_blame(items, analyses)
    blaming = lint_clean = length_ok = two_or_more = 0
    topic_items = topic_kept = 0
    rewrites_total = rewrites_topic = 0

    for item, analysis in zip(items, analyses, strict=True):
        if not item["blame"]:
            continue
        blaming += 1
        versions = rewrite(item["text"], analysis)
        texts = [version.text for version in versions]
        if versions and all(version.lint.ok for version in versions):
            lint_clean += 1
        else:
            failures.append(Failure(item["id"], "lint clean", len(versions), "rewrite lint"))
        budget = len(item["text"].strip()) * MAX_LENGTH_RATIO
        if all(len(t) <= budget for t in texts):
            length_ok += 1
        else:
            failures.append(Failure(item["id"], f"<= {budget:.0f} chars", max(map(len, texts))))
        if len(versions) >= 2:
            two_or_more += 1
        topic = _topic_words(item["text"], [(f.start, f.end) for f in analysis.findings])
        if topic:
            topic_items += 1
            kept = [bool(content_words(t) & topic) for t in texts]
            rewrites_total += len(kept)
            rewrites_topic += sum(kept)
            if kept and all(kept):
                topic_kept += 1

    metrics |= {
        "rewrite_lint_clean": ratio(lint_clean, blaming),
        "rewrite_topic_kept": ratio(topic_kept, topic_items),
        "rewrite_length_ok": ratio(length_ok, blaming),
        "rewrite_two_or_more": ratio(two_or_more, blaming),
    }
    info = {
        "blaming_items": blaming,
        "clean_items": len(items) - blaming,
        "items_with_topic_words": topic_items,
        "rewrites_keeping_topic": f"{rewrites_topic}/{rewrites_total}",
        "kind_counts": kind_total,
    }
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info=info)


SUITE = Suite(
    name="drafts",
    description="Blame vs look-alikes in drafts; offline I-statement rewrites lint, topic, length",
    dataset=EVALS_DIR / "drafts.jsonl",
    run=run,
)

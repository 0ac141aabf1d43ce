"""Blame reading, span by span: does a flag point at words a reader would agree with?

Development data (the rules were tuned on it): ``evals/blame/clean_dev.jsonl``, 452
neutral, kind and repair lines that must get no flag at all, and the labelled spans
of ``evals/blame/subtle_dev.jsonl`` and ``evals/rewrites/dev.jsonl``. Metrics:

- ``clean_false_flag_rate``: share of clean lines with any finding (target <= 0.02).
- ``span_recall`` and ``span_recall_<kind>``: share of labelled spans a finding touches.
- ``finding_precision``: share of findings (in messages with labelled spans) that touch
  a labelled span; labellers mark the smallest phrase and sometimes one of several, so
  this undercounts agreement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coach.drafts.analysis import KINDS, analyze
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, load_jsonl, ratio


def score_spans(items: list[dict[str, Any]]) -> tuple[dict[str, float], list[Failure]]:
    """Span recall by kind and finding precision over items with labelled spans."""
    found = dict.fromkeys(KINDS, 0)
    total = dict.fromkeys(KINDS, 0)
    findings = agreeing = 0
    failures: list[Failure] = []
    for item in items:
        text = item["text"]
        analysis = analyze(text)
        gold = []
        for span in item.get("spans", []):
            start = text.find(span["text"])
            gold.append((start, start + len(span["text"]), span["kind"]))
        for start, end, kind in gold:
            total[kind] += 1
            if any(f.start < end and start < f.end for f in analysis.findings):
                found[kind] += 1
            else:
                failures.append(Failure(item["id"], kind, "missed", text[start:end]))
        if gold:
            findings += len(analysis.findings)
            agreeing += sum(
                1 for f in analysis.findings if any(f.start < e and s < f.end for s, e, _ in gold)
            )
    metrics = {
        "span_recall": ratio(sum(found.values()), sum(total.values())),
        "finding_precision": ratio(agreeing, findings),
        **{f"span_recall_{k}": ratio(found[k], total[k]) for k in KINDS},
    }
    return metrics, failures


def solve(items: list[dict[str, Any]]) -> list[Any]:
    return [analyze(item["text"]) for item in items]


def score(items: list[dict[str, Any]], analyses: list[Any]) -> SuiteResult:
    flagged = [item for item, a in zip(items, analyses, strict=True) if a.blame]
    failures = [Failure(item["id"], "no flag", "flagged", "") for item in flagged]
    spans: list[dict[str, Any]] = []
    for path in (EVALS_DIR / "blame" / "subtle_dev.jsonl", EVALS_DIR / "rewrites" / "dev.jsonl"):
        spans += load_jsonl(Path(path))
    metrics, missed = score_spans(spans)
    metrics["clean_false_flag_rate"] = ratio(len(flagged), len(items))
    return SuiteResult(metrics=metrics, items=len(items), failures=failures + missed)


SUITE = Suite(
    name="blame_spans",
    description="No flags on 452 neutral lines; span recall and precision on labelled dev spans",
    dataset=EVALS_DIR / "blame" / "clean_dev.jsonl",
    solve=solve,
    score=score,
)

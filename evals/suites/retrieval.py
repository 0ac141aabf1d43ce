"""Retrieval: do people's questions bring back the guidance that answers them?

Each item is a question as someone would type it and the ids of the documents
that answer it. Hits are counted on distinct documents in rank order, so several
sections of one page count once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.knowledge import corpus
from coach.knowledge.retrieval import IngestReport, KnowledgeIndex
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult


def _ranked_docs(index: Any, question: str, depth: int = 10) -> list[str]:
    docs: list[str] = []
    for hit in index.search(question, k=depth * 2):
        if hit.doc_id not in docs:
            docs.append(hit.doc_id)
    return docs[:depth]


def solve(items: list[dict[str, Any]]) -> tuple[list[list[str]], IngestReport]:
    """A fresh index of the shipped guidance, and the documents each question brings back."""
    settings = Settings()
    base = corpus.load(settings.knowledge_dir)
    unknown = sorted({e for item in items for e in item["expected"]} - set(base.documents))
    if unknown:
        raise ValueError(f"expected ids not in knowledge/: {unknown}")
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as data_dir:
        index = KnowledgeIndex(settings.model_copy(update={"data_dir": Path(data_dir)}))
        report = index.ingest(base)
        return [_ranked_docs(index, item["question"]) for item in items], report


def score(items: list[dict[str, Any]], solved: tuple[list[list[str]], IngestReport]) -> SuiteResult:
    rankings, report = solved
    hit1 = hit3 = 0
    reciprocal = 0.0
    failures = []
    for item, ranked in zip(items, rankings, strict=True):
        expected = set(item["expected"])
        rank = next((n for n, doc in enumerate(ranked, start=1) if doc in expected), None)
        hit1 += rank == 1
        hit3 += rank is not None and rank <= 3
        reciprocal += 1.0 / rank if rank else 0.0
        if rank is None or rank > 3:
            failures.append(Failure(item["id"], sorted(expected), ranked[:3], f"rank={rank}"))
    n = len(items)
    return SuiteResult(
        metrics={"hit_at_1": hit1 / n, "hit_at_3": hit3 / n, "mrr": reciprocal / n},
        items=n,
        failures=failures,
        info={
            "passages": report.added + report.unchanged,
            "index_seconds": round(report.seconds, 2),
        },
    )


SUITE = Suite(
    name="retrieval",
    description="Questions people ask find the guidance that answers them (hit@1, hit@3, MRR).",
    dataset=EVALS_DIR / "retrieval.jsonl",
    solve=solve,
    score=score,
)

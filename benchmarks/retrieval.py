"""Retrieval: time to build the full index from scratch, query latency, memory.

.venv/bin/python -m benchmarks retrieval
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._memory import rss_mib

QUERIES = [
    "we got back together after he cheated and i keep checking his phone",
    "how do i apologise so it doesn't sound fake",
    "we have the same fight about money every month",
    "my wife asked for a break and i dont know what we are allowed to do",
    "he refuses to go to counselling with me",
    "i do everything around the house and he thinks it's fair",
    "are we ready to try again",
    "i want to remember why i fell in love with her",
    "what do i say when we're both too angry to talk",
    "how do i set a boundary with my ex about the kids",
]


def run() -> dict[str, float | int | str]:
    from coach.config import Settings
    from coach.knowledge import corpus
    from coach.knowledge.retrieval import KnowledgeIndex

    rss_start = rss_mib()
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as data_dir:
        settings = Settings(data_dir=Path(data_dir))
        base = corpus.load(settings.knowledge_dir)
        started = time.perf_counter()
        index = KnowledgeIndex(settings)
        report = index.ingest(base)
        build = time.perf_counter() - started
        rss_loaded = rss_mib()

        started = time.perf_counter()
        again = KnowledgeIndex(settings).ingest(base)
        noop = time.perf_counter() - started

        for query in QUERIES[:2]:  # warm-up
            index.search(query, k=5)
        timings = []
        for _ in range(5):
            for query in QUERIES:
                started = time.perf_counter()
                index.search(query, k=5)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        return {
            "passages": report.added,
            "build_from_scratch_s": round(build, 2),
            "reingest_unchanged_s": round(noop, 2),
            "reingest_changed": again.added + again.updated + again.removed,
            "query_median_ms": round(statistics.median(timings), 2),
            "query_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "rss_before_mib": round(rss_start, 1),
            "rss_after_load_mib": round(rss_loaded, 1),
        }

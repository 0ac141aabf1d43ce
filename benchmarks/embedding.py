"""How fast the bundled embedder loads and runs, and what it costs in memory.

Retrieval embeds every knowledge passage when the index is built and one query
per request, so both the batched throughput and the single-query latency matter.
Run with ``python -m benchmarks embedding``.
"""

from __future__ import annotations

import statistics
import time

from benchmarks._memory import rss_mib
from coach.encoders.embedding import OnnxEmbedder

_SEED_SENTENCES = [
    "When you feel flooded, say so and agree on a time to come back to the conversation.",
    "Criticism attacks the person; a complaint names a specific behaviour and a need.",
    "Repair attempts are small gestures that stop an argument from escalating.",
    "Rebuilding trust after an affair depends on transparency and consistent actions.",
    "An I-statement describes your feeling and need without blaming your partner.",
    "Turning toward bids for attention builds the emotional bank account over time.",
    "Contempt, such as eye-rolling or mockery, is the strongest predictor of separation.",
    "Take a twenty-minute break to let your heart rate settle before you continue.",
]
_QUERIES = [
    "my partner cheated on me",
    "how do I stop yelling during fights",
    "we never talk anymore",
    "how can I apologise properly",
    "she rolls her eyes when I speak",
]


def _passages(count: int, chars: int = 400) -> list[str]:
    """Distinct ~400-character passages, like knowledge chunks."""
    out = []
    for i in range(count):
        text = f"Passage {i}. "
        j = i
        while len(text) < chars:
            text += _SEED_SENTENCES[j % len(_SEED_SENTENCES)] + " "
            j += 3
        out.append(text[:chars])
    return out


def run() -> dict[str, float | int | str]:
    rss_before = rss_mib()
    embedder = OnnxEmbedder()
    started = time.perf_counter()
    embedder.load()
    load_s = time.perf_counter() - started
    rss_loaded = rss_mib()

    passages = _passages(100)
    embedder.embed(passages[:4])  # first run allocates the session's buffers
    started = time.perf_counter()
    embedder.embed(passages)
    batch_s = time.perf_counter() - started

    latencies = []
    for i in range(50):
        query = f"{_QUERIES[i % len(_QUERIES)]} ({i})"
        started = time.perf_counter()
        embedder.embed_query(query)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()

    return {
        "model": embedder.fingerprint,
        "load_seconds": round(load_s, 3),
        "embed_100x400_chars_seconds": round(batch_s, 3),
        "passages_per_second": round(100 / batch_s, 1),
        "query_ms_median": round(statistics.median(latencies), 2),
        "query_ms_p95": round(latencies[int(0.95 * len(latencies)) - 1], 2),
        "rss_mib_before_load": round(rss_before, 1),
        "rss_mib_after_load": round(rss_loaded, 1),
        "rss_mib_after_embedding": round(rss_mib(), 1),
    }

"""shared_cache: threads that miss together wait for one computation and share it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from coach.caching import shared_cache


def test_concurrent_misses_compute_once_and_share_the_result() -> None:
    calls: list[int] = []
    barrier = threading.Barrier(8)

    @shared_cache()
    def build() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it runs
        return object()

    def call() -> object:
        barrier.wait()
        return build()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: call(), range(8)))
    assert len(calls) == 1
    assert all(result is results[0] for result in results)


def test_distinct_arguments_are_cached_apart_and_cache_clear_works() -> None:
    calls: list[str] = []

    @shared_cache(maxsize=2)
    def build(name: str) -> str:
        calls.append(name)
        return name.upper()

    assert [build("a"), build("b"), build("a")] == ["A", "B", "A"]
    assert calls == ["a", "b"]
    build.cache_clear()  # type: ignore[attr-defined]
    build("a")
    assert calls == ["a", "b", "a"]

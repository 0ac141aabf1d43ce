"""A process-wide cache whose misses are computed once, even when threads arrive together.

``functools.lru_cache`` is thread-safe for its bookkeeping but not for the work: when
eight requests reach a cold server at once, each misses and builds its own copy. For
the embedder and the anchor sets that meant eight models and eight embeddings of every
anchor side by side, a 2.5 GiB peak where one copy needs about 400 MiB
(``python -m benchmarks load``). Here a lock around the miss makes the others wait
for the first and share its result; hits stay a dictionary lookup under the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

T = TypeVar("T")


def shared_cache(maxsize: int = 1) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Like ``lru_cache(maxsize)``, with each distinct call computed by one thread only."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        cached = lru_cache(maxsize=maxsize)(function)
        lock = threading.RLock()  # re-entrant: a cached builder may call another

        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            with lock:
                return cached(*args, **kwargs)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return wrapper

    return decorate

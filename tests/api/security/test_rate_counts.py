"""Shared rate counts: limits, separate keys, the sliding minute, hashing, and exact counts.

Each test runs on SQLite and on a PostgreSQL server started by the test run
(``database_url`` in :mod:`tests.servers.fixtures`), with a clock the test moves.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from api.security.rate_counts import RateCounts, _seconds_until_room, hash_key
from coach.storage.repository import Store

START = 1_800_000_000.0  # the first second of a minute (divisible by 60)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(database_url: str) -> Store:
    return Store(database_url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counts(store: Store, clock: Clock) -> RateCounts:
    return RateCounts(store, clock=clock)


def _rows(url: str) -> list[tuple[int, str, int]]:
    """Read straight from the database, past the store, as another client would."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("select minute, key_hash, hits from rate_counts"))
            return sorted((int(m), str(k), int(h)) for m, k, h in found)
    finally:
        engine.dispose()


def test_the_limit_refuses_with_a_retry_after(counts: RateCounts) -> None:
    decisions = [counts.hit("user:ana", per_minute=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after > 0
    assert counts.count("user:ana") == 3  # the refused request was not counted


def test_keys_are_counted_apart(counts: RateCounts) -> None:
    assert [counts.hit("ip:198.51.100.1", per_minute=2).allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert counts.hit("ip:198.51.100.2", per_minute=2).allowed
    assert counts.hit("user:ana", per_minute=2).allowed


def test_the_window_slides_into_the_next_minute(counts: RateCounts, clock: Clock) -> None:
    assert all(counts.hit("k", per_minute=10).allowed for _ in range(10))
    refused = counts.hit("k", per_minute=10)
    assert not refused.allowed
    # Ten requests at the start of the last minute still weigh 9.5 at 3 s into this one.
    clock.now = START + 63
    assert not counts.hit("k", per_minute=10).allowed
    # Waiting what it was told is enough, and then there is room for one.
    clock.now = START + refused.retry_after
    assert counts.hit("k", per_minute=10).allowed
    assert not counts.hit("k", per_minute=10).allowed
    # Two minutes on, the old minute is out of the window entirely.
    clock.now = START + 180
    assert all(counts.hit("k", per_minute=10).allowed for _ in range(10))
    assert not counts.hit("k", per_minute=10).allowed


def test_retry_after_is_when_there_is_room_again() -> None:
    # Full at the start of a minute: in the next minute once 1/10 of it has slid out.
    assert _seconds_until_room(previous=0, current=10, limit=10, elapsed=0.0) == 66
    # Full from the previous minute: later in this one.
    assert _seconds_until_room(previous=10, current=0, limit=10, elapsed=3.0) == 3
    assert _seconds_until_room(previous=10, current=5, limit=10, elapsed=30.0) == 6
    assert _seconds_until_room(previous=10, current=0, limit=10, elapsed=5.9) >= 1


def test_only_a_hash_of_the_key_is_stored(counts: RateCounts, database_url: str) -> None:
    counts.hit("ip:203.0.113.7", per_minute=5)
    rows = _rows(database_url)
    assert rows == [(int(START // 60), hash_key("ip:203.0.113.7"), 1)]
    assert "203.0.113.7" not in repr(rows)


def test_old_minutes_are_swept(counts: RateCounts, clock: Clock, database_url: str) -> None:
    counts.hit("a", per_minute=5)
    clock.now = START + 60
    counts.hit("b", per_minute=5)
    assert len(_rows(database_url)) == 2  # the previous minute is still needed
    clock.now = START + 125
    counts.hit("c", per_minute=5)
    # Only this minute and the one before it are kept.
    assert {key for _, key, _ in _rows(database_url)} == {hash_key("b"), hash_key("c")}


def test_counts_are_shared_and_exact_under_concurrency(
    store: Store, clock: Clock, database_url: str
) -> None:
    # Two counters on one database stand for two worker processes; each has threads.
    workers = [RateCounts(store, clock=clock), RateCounts(Store(database_url), clock=clock)]
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hammer(counts: RateCounts) -> None:
        start.wait()
        for _ in range(10):
            decision = counts.hit("user:ana", per_minute=25)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer, args=(workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 80
    assert sum(allowed) == 25
    assert workers[0].count("user:ana") == 25

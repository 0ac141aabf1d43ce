"""Request counts per key and minute, kept in the database every worker shares.

Why in the database: ``coach serve --workers N`` runs N processes (and a practice
may run Coach on several machines). Counts kept in one process's memory let a
client reach N times the limit; counts in the shared database hold for all of them.
:mod:`api.security.ratelimit` decides what a refusal looks like; this module only
counts, in the ``rate_counts`` table of :mod:`coach.storage.tables`.

How it counts: one row per (minute, key) holding the requests allowed in that
minute. The load over "the last 60 seconds" is estimated as this minute's count
plus the previous minute's count weighted by the share of the previous minute
still inside those 60 seconds (a sliding window approximation). It has no edge to
burst across, as two fixed windows would, at the cost of assuming the previous
minute's requests were spread evenly.

Each hit is one statement in one short transaction::

    INSERT ... ON CONFLICT (minute, key_hash) DO UPDATE SET hits = hits + 1
    RETURNING hits, (SELECT hits ... previous minute)

The conflict update takes the row's lock (PostgreSQL) or the one writer's lock
(SQLite), so hits from any number of workers add up exactly. A hit that would go
past the limit is rolled back: refused requests are not counted, so a client that
waits the ``retry_after`` it was told gets in.

Privacy: keys name users and client addresses, so only their SHA-256 is stored.
A hash of an IPv4 address can be reversed by trying all of them, so the real
protection is that rows live about two minutes: each process deletes rows older
than the previous minute at most once a minute.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from coach.errors import ConfigError, StorageError
from coach.storage.repository import Store
from coach.storage.tables import RateCountRow

WINDOW_SECONDS = 60

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateCheck:
    """Whether one request may go on and, if not, how many seconds until one may."""

    allowed: bool
    retry_after: int = 0


class _RefusedError(Exception):
    """Raised inside the hit's transaction so that it rolls back."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def hash_key(key: str) -> str:
    """What is stored instead of the key (a user id or a client address)."""
    return hashlib.sha256(key.encode()).hexdigest()


class RateCounts:
    """Shared request counts in ``store``'s database. Safe to share across threads.

    ``clock`` is wall-clock time (Unix seconds), not a monotonic clock, because the
    minutes have to line up across processes and machines.
    """

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        dialect = store.dialect
        inserts: dict[str, Callable[..., Any]] = {
            "postgresql": postgresql.insert,
            "sqlite": sqlite.insert,
        }
        if dialect not in inserts:
            raise ConfigError(
                f"Shared rate limits need SQLite or PostgreSQL, not {dialect}.",
                hint="Set COACH_RATE_LIMIT_STORE=memory.",
            )
        self._store = store
        self._insert = inserts[dialect]
        self._clock = clock
        self._swept_minute: int | None = None
        self._sweep_lock = threading.Lock()

    def hit(self, key: str, *, per_minute: int) -> RateCheck:
        """Count one request for ``key``, or refuse it if that would pass ``per_minute``.

        Raises :class:`~coach.errors.StorageError` when the database is unavailable;
        the caller decides whether a failed count lets the request through.
        """
        now = self._clock()
        minute = int(now // WINDOW_SECONDS)
        elapsed = now - minute * WINDOW_SECONDS
        self._sweep_if_due(minute)
        key_hash = hash_key(key)
        table = RateCountRow.__table__
        previous = (
            select(table.c.hits)
            .where(table.c.minute == minute - 1, table.c.key_hash == key_hash)
            .scalar_subquery()
        )
        upsert = (
            self._insert(table)
            .values(minute=minute, key_hash=key_hash, hits=1)
            .on_conflict_do_update(
                index_elements=[table.c.minute, table.c.key_hash],
                set_={"hits": table.c.hits + 1},
            )
            .returning(table.c.hits, previous)
        )
        try:
            with self._store.session() as session:
                hits, before = session.execute(upsert).one()
                before = before or 0
                if _estimate(before, hits, elapsed) > per_minute:
                    # Roll back this hit: the request is refused, so it does not count.
                    raise _RefusedError(_seconds_until_room(before, hits - 1, per_minute, elapsed))
        except _RefusedError as over:
            return RateCheck(allowed=False, retry_after=over.retry_after)
        return RateCheck(allowed=True)

    def count(self, key: str) -> int:
        """Requests allowed for ``key`` in the current minute (for tests and diagnostics)."""
        minute = int(self._clock() // WINDOW_SECONDS)
        with self._store.session() as session:
            found = session.scalar(
                select(RateCountRow.hits).where(
                    RateCountRow.minute == minute, RateCountRow.key_hash == hash_key(key)
                )
            )
            return int(found or 0)

    def sweep(self, *, before_minute: int) -> int:
        """Delete the counts of every minute before ``before_minute``; returns how many."""
        with self._store.session() as session:
            return int(
                session.execute(
                    delete(RateCountRow).where(RateCountRow.minute < before_minute)
                ).rowcount
            )

    def _sweep_if_due(self, minute: int) -> None:
        # Once a minute per process is plenty: a row is only read in its own minute and
        # the next, so anything older is dead weight.
        if self._swept_minute is not None and minute <= self._swept_minute:
            return
        if not self._sweep_lock.acquire(blocking=False):
            return  # another thread is sweeping right now
        try:
            self._swept_minute = minute
            self.sweep(before_minute=minute - 1)
        except StorageError as exc:
            # The hit that follows reports the outage; the sweep tries again next minute.
            log.warning("Sweeping old rate counts failed (%s).", type(exc.__cause__).__name__)
        finally:
            self._sweep_lock.release()


def _estimate(previous: int, current: int, elapsed: float) -> float:
    """Requests in the last 60 seconds: this minute's, plus the previous one's overlap."""
    return previous * (WINDOW_SECONDS - elapsed) / WINDOW_SECONDS + current


def _seconds_until_room(previous: int, current: int, limit: int, elapsed: float) -> int:
    """Whole seconds until one more request fits, if no other request comes meanwhile."""
    if current < limit:
        # Later in this minute, once enough of the previous minute has slid out.
        # (previous > 0 here: with nothing before, ``current < limit`` would have fitted.)
        at = WINDOW_SECONDS - WINDOW_SECONDS * (limit - current - 1) / previous
        wait = at - elapsed
    else:
        # Next minute, when this minute's ``current`` requests start to slide out.
        at = WINDOW_SECONDS - WINDOW_SECONDS * (limit - 1) / current
        wait = WINDOW_SECONDS - elapsed + max(0.0, at)
    return max(1, math.ceil(wait - 1e-9))

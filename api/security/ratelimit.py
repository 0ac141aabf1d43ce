"""Per-client-address and per-user request limits, refused with 429 and ``Retry-After``.

Why here and why so: one person typing and clicking never comes near the limits
(see ``COACH_RATE_LIMIT_*`` in ``coach.config``); a script or a stranger hammering
the CPU-heavy jobs does, and gets told when to come back instead of slowing
everyone else down.

The app installs :class:`RateLimitMiddleware` twice, each counting one key in a
moving window of one minute:

* outside authentication, the client address (:func:`client_key`), so that
  requests without valid credentials are limited before a token is looked up;
  behind a reverse proxy, ``scope["client"]`` is the real client only when uvicorn
  trusts the proxy's ``X-Forwarded-For`` (loopback by default, others through
  ``FORWARDED_ALLOW_IPS``);
* inside authentication, the user (:func:`user_key`): ``request.state.user_id`` as
  ``api.security`` sets it, or ``default_user`` when nobody is identified and the
  server has no sign-in (local mode: everyone is the local person).

Static files and ``/healthz`` are never limited. The counts live behind
:class:`RateCounter`: :class:`MemoryRateCounter` counts in this process (each of
``coach serve --workers N`` on its own, so a client can reach N times the limit);
:class:`DatabaseRateCounter` counts in the database every worker shares
(``COACH_RATE_LIMIT_STORE``, see ``Settings.effective_rate_limit_store``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from anyio import to_thread
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_body
from api.security.rate_counts import RateCounts
from coach.errors import StorageError
from coach.storage.repository import Store

EXEMPT_PREFIXES = ("/static/",)
EXEMPT_PATHS = frozenset({"/healthz"})
# While the shared counts cannot be reached, say so at most this often per process.
OUTAGE_WARNING_SECONDS = 60.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateDecision:
    """Whether one request may go on and, if not, how many seconds until it may."""

    allowed: bool
    retry_after: int = 0


class RateCounter(Protocol):
    """Counts requests per key. Implementations must be safe to call from many threads.

    ``blocking`` says that ``hit`` waits on I/O; the middleware then calls it on a
    worker thread, so one slow count does not stall every other request of the process.
    """

    blocking: bool

    def hit(self, key: str, *, per_minute: int) -> RateDecision:
        """Count one request for ``key``, or refuse it if ``key`` is at its limit."""
        ...


class MemoryRateCounter:
    """This process's counts, in a moving window (the ``limits`` package's strategy).

    A moving window has no edge to burst across: at most ``per_minute`` requests
    in any 60 seconds. Expired entries are dropped by the storage, so memory stays
    bounded by the number of active clients times their limit.
    """

    blocking = False

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[int, RateLimitItemPerMinute] = {}

    def hit(self, key: str, *, per_minute: int) -> RateDecision:
        item = self._items.setdefault(per_minute, RateLimitItemPerMinute(per_minute, 1, "coach"))
        if self._limiter.hit(item, key):
            return RateDecision(allowed=True)
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        return RateDecision(allowed=False, retry_after=max(1, math.ceil(reset_at - time.time())))


class DatabaseRateCounter:
    """Counts shared by every worker, in the database (:mod:`api.security.rate_counts`).

    Fails open: when the database cannot be reached the request goes on, and a
    warning (with the error's type, never the key) is logged at most once a minute.
    A limit exists to keep one client from crowding out the others; turning every
    request into an error would do that to everyone at once, and the requests
    that need the database fail on their own with a clear 503 anyway.

    ``store`` is called on the first hit, not before: the app's store is built
    lazily, and a database that is down at startup must not stop the server.
    """

    blocking = True

    def __init__(self, store: Callable[[], Store], *, clock: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock
        self._counts: RateCounts | None = None
        self._opening = threading.Lock()
        self._warned_at: float | None = None

    def hit(self, key: str, *, per_minute: int) -> RateDecision:
        try:
            check = self._open().hit(key, per_minute=per_minute)
        except StorageError as exc:
            self._warn(exc)
            return RateDecision(allowed=True)
        return RateDecision(allowed=check.allowed, retry_after=check.retry_after)

    def _open(self) -> RateCounts:
        with self._opening:
            if self._counts is None:
                self._counts = RateCounts(self._store(), clock=self._clock)
            return self._counts

    def _warn(self, exc: StorageError) -> None:
        now = time.monotonic()
        if self._warned_at is not None and now - self._warned_at < OUTAGE_WARNING_SECONDS:
            return
        self._warned_at = now
        reason = type(exc.__cause__ or exc).__name__
        log.warning(
            "Rate limits are not being checked: the database is not available (%s). "
            "Requests are let through until it is back.",
            reason,
        )


class RateLimitMiddleware:
    """Refuse a request with 429 once its key (see ``key``) is over ``per_minute``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        counter: RateCounter,
        per_minute: int,
        key: Callable[[Scope], str | None],
    ) -> None:
        self.app = app
        self.counter = counter
        self.per_minute = per_minute
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self.key(scope) if scope["type"] == "http" else None
        if key is None or _exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        count = partial(self.counter.hit, key, per_minute=self.per_minute)
        decision = await to_thread.run_sync(count) if self.counter.blocking else count()
        if decision.allowed:
            await self.app(scope, receive, send)
        else:
            await _refusal(decision.retry_after)(scope, receive, send)


def client_key(scope: Scope) -> str:
    """The counting key for the client address."""
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def user_key(scope: Scope, *, default_user: str | None = None) -> str | None:
    """The counting key for the user the auth layer found (None: not identified)."""
    user = (scope.get("state") or {}).get("user_id") or default_user
    return f"user:{user}" if user else None


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def _refusal(retry_after: int) -> JSONResponse:
    return JSONResponse(
        error_body(
            "rate_limited",
            f"Too many requests. Try again in {retry_after} seconds.",
            hint="Wait a moment and send it again; the refused request was not stored.",
            retry_after_seconds=retry_after,
        ),
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )

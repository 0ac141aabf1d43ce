"""Per-client-address and per-user request limits, refused with 429 and ``Retry-After``.

Why here and why so: one person typing and clicking never comes near the limits
(see ``COACH_RATE_LIMIT_*`` in ``coach.config``); a script or a stranger hammering
the CPU-heavy jobs does, and gets told when to come back instead of slowing
everyone else down.

The app installs :class:`RateLimitMiddleware` twice, each counting one key in a
moving window of one minute:

* outside authentication, the client address (:func:`client_key`), so that
  requests without valid credentials are limited before a token is looked up;
  behind a reverse proxy, run uvicorn with ``--proxy-headers --forwarded-allow-ips``
  so that ``scope["client"]`` is the real client;
* inside authentication, the user (:func:`user_key`): ``request.state.user_id`` as
  ``api.security`` sets it, or ``default_user`` when nobody is identified and the
  server has no sign-in (local mode: everyone is the local person).

Static files and ``/healthz`` are never limited. The counts live behind
:class:`RateCounter`, so a shared backend (the database, for several worker
processes) can replace the in-memory one without touching the middleware. Until
then each ``coach serve --workers N`` process counts on its own, so a client can
reach up to N times the limit.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_body

EXEMPT_PREFIXES = ("/static/",)
EXEMPT_PATHS = frozenset({"/healthz"})


@dataclass(frozen=True)
class RateDecision:
    """Whether one request may go on and, if not, how many seconds until it may."""

    allowed: bool
    retry_after: int = 0


class RateCounter(Protocol):
    """Counts requests per key. Implementations must be safe to call from many threads."""

    def hit(self, key: str, *, per_minute: int) -> RateDecision:
        """Count one request for ``key``, or refuse it if ``key`` is at its limit."""
        ...


class MemoryRateCounter:
    """This process's counts, in a moving window (the ``limits`` package's strategy).

    A moving window has no edge to burst across: at most ``per_minute`` requests
    in any 60 seconds. Expired entries are dropped by the storage, so memory stays
    bounded by the number of active clients times their limit.
    """

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[int, RateLimitItemPerMinute] = {}

    def hit(self, key: str, *, per_minute: int) -> RateDecision:
        item = self._items.setdefault(per_minute, RateLimitItemPerMinute(per_minute, 1, "coach"))
        if self._limiter.hit(item, key):
            return RateDecision(allowed=True)
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        return RateDecision(allowed=False, retry_after=max(1, math.ceil(reset_at - time.time())))


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
        decision = self.counter.hit(key, per_minute=self.per_minute)
        if decision.allowed:
            await self.app(scope, receive, send)
        else:
            await _refuse(send, decision.retry_after)


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


async def _refuse(send: Send, retry_after: int) -> None:
    body = json.dumps(
        error_body(
            "rate_limited",
            f"Too many requests. Try again in {retry_after} seconds.",
            hint="Wait a moment and send it again; the refused request was not stored.",
            retry_after_seconds=retry_after,
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

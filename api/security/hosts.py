"""Which ``Host`` names the server answers: the guard against DNS rebinding.

A page on ``attacker.example`` can have its DNS name re-pointed at 127.0.0.1; the
browser then sends that page's requests to Coach as "same origin", with
``Host: attacker.example``. In local mode there is no sign-in to stop it, so the
server answers only the loopback names (``127.0.0.1``, ``localhost``, ``::1``, on
any port) and the names listed in ``COACH_ALLOWED_HOSTS``. Anything else gets 400
before any route, cookie or database is touched. Tokens mode needs a sign-in for
every private path, so it answers any name unless ``COACH_ALLOWED_HOSTS`` is set
(then those and the loopback names, so a health check on the machine still works).

Starlette's ``TrustedHostMiddleware`` would do, but it splits ``[::1]:8000`` at the
first colon and so cannot allow IPv6 loopback; this is the same check, port-aware.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_body

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port, brackets or trailing dot, lowercase."""
    value = header.strip().lower()
    if value.startswith("["):  # [::1]:8000
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        value = value.partition(":")[0]
    return value.rstrip(".")


def allowed_hosts(*, auth: str, configured: Iterable[str]) -> frozenset[str] | None:
    """The names to answer, or None for any (tokens mode with nothing configured)."""
    names = frozenset(host_name(name) for name in configured if name.strip())
    if auth == "tokens" and not names:
        return None
    return LOOPBACK_HOSTS | names


class HostCheckMiddleware:
    """Refuse (400) an HTTP request whose ``Host`` is not one of ``hosts``."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if host_name(Headers(scope=scope).get("host", "")) in self.hosts:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            error_body(
                "bad_request",
                "This server does not answer to that host name.",
                hint="Open Coach at http://127.0.0.1 or http://localhost, or add the name "
                "to COACH_ALLOWED_HOSTS.",
            ),
            status_code=400,
        )
        await response(scope, receive, send)

"""Who is asking: the local person, or an account by bearer token or session cookie.

``COACH_AUTH=local`` (the default) has no sign-in at all: every request is the one
local person's, exactly as before accounts existed. ``COACH_AUTH=tokens`` looks for
``Authorization: Bearer <token>`` first (API clients), then the ``coach_session``
cookie (browsers, after ``/login``). The database work runs in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.security import sessions
from api.security.cookies import SESSION_COOKIE
from api.settings import WebSettings
from coach.config import Settings
from coach.storage import accounts
from coach.storage.records import LOCAL_USER

# Reachable without signing in. Help (crisis lines) must never sit behind a login,
# and neither may the assets its page needs or the health check.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/help", "/login", "/logout", "/openapi.json", "/v1/resources"}
)
PUBLIC_PREFIXES = ("/static/", "/docs")

Via = Literal["local", "bearer", "session", "none"]


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


@dataclass(frozen=True)
class Caller:
    """The outcome of identification. ``user_id`` None means nobody is signed in."""

    user_id: str | None
    via: Via
    # An Authorization header was sent but is not a valid token: say so, do not redirect.
    bad_credentials: bool = False


ANONYMOUS = Caller(user_id=None, via="none")


async def identify(request: Request, settings: Settings) -> Caller:
    if settings.auth == "local":
        return Caller(user_id=LOCAL_USER, via="local")
    store = request.app.state.coach.store
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Caller(user_id=None, via="none", bad_credentials=True)
        identity = await run_in_threadpool(accounts.identify_token, store, token=token)
        if identity is None:
            return Caller(user_id=None, via="none", bad_credentials=True)
        return Caller(user_id=identity.user_id, via="bearer")
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        identity = await run_in_threadpool(sessions.identify_session, store, secret=secret)
        if identity is not None:
            return Caller(user_id=identity.user_id, via="session")
    return ANONYMOUS


def session_lifetime(web: WebSettings) -> timedelta:
    return timedelta(hours=web.session_hours)

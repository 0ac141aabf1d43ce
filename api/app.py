"""The application factory. ``coach serve`` and the tests both build the app here.

Middleware, outermost first (each ``add_middleware`` call wraps the ones before it):

    security headers   every response, even the 500 page (see ``_CoachAPI``)
    host check         local mode answers only loopback names (``api.security.hosts``)
    CORS               only when COACH_CORS_ORIGINS lists origins
    rate limit (IP)    per client address, before credentials are looked up
    authentication     finds the user (``api.security``)
    rate limit (user)  per user, now that the user is known; 429 with Retry-After
    body size limit    413 before a large body reaches any route
"""

from __future__ import annotations

import logging
import pkgutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib import import_module

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api import pages, routes
from api.errors import install_error_handlers
from api.limits import BodySizeLimitMiddleware, publish_text_limit
from api.pages.render import error_page
from api.security import install_security
from api.security.headers import SecurityHeadersMiddleware
from api.security.hosts import HostCheckMiddleware, allowed_hosts
from api.security.ratelimit import (
    DatabaseRateCounter,
    MemoryRateCounter,
    RateCounter,
    RateLimitMiddleware,
    client_key,
    user_key,
)
from api.settings import WebSettings
from coach.__about__ import __version__
from coach.config import Settings, get_settings
from coach.llm.protocol import ChatModel
from coach.service import Coach
from coach.storage.records import LOCAL_USER

DOCS_URL = "/docs"

log = logging.getLogger(__name__)


class _CoachAPI(FastAPI):
    """FastAPI with the security headers outside even its server-error handler.

    Starlette keeps that handler outermost, so a header middleware added the usual
    way never sees the 500 responses it sends.
    """

    def build_middleware_stack(self) -> ASGIApp:
        docs_path = self.docs_url if self.docs_url else None
        return SecurityHeadersMiddleware(super().build_middleware_stack(), docs_path=docs_path)


def create_app(
    settings: Settings | None = None,
    *,
    web: WebSettings | None = None,
    chat_model: ChatModel | None = None,
) -> FastAPI:
    """The app for ``settings`` (default: the process's); ``chat_model`` overrides the
    configured model (tests hand in a fake), and goes to the facade like everything else."""
    settings = settings or get_settings()
    web = web or WebSettings()
    app = _CoachAPI(
        title="Coach",
        version=__version__,
        summary="Local-first relationship reflection and conversation coach.",
        # The Swagger UI loads its scripts from a CDN: opt-in, so an offline install
        # serves no page that cannot work. The schema itself is always there.
        docs_url=DOCS_URL if web.api_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_warm_up if web.warm_up else None,
    )
    app.state.settings = settings
    app.state.web = web
    app.state.coach = Coach(settings, chat_model=chat_model)
    install_error_handlers(app, error_page=error_page)
    publish_text_limit(app, settings.max_text_chars)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=web.max_request_bytes)
    counter = _rate_counter(web, app.state.coach) if web.rate_limit_enabled else None
    if counter is not None:
        # Without sign-in every request is the local person's (see api.deps.get_user_id).
        default_user = LOCAL_USER if settings.auth == "local" else None
        app.add_middleware(
            RateLimitMiddleware,
            counter=counter,
            per_minute=web.rate_limit_per_minute,
            key=partial(user_key, default_user=default_user),
        )
    install_security(app)
    if counter is not None:
        app.add_middleware(
            RateLimitMiddleware,
            counter=counter,
            per_minute=web.rate_limit_ip_per_minute,
            key=client_key,
        )
    if web.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=web.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    hosts = allowed_hosts(auth=settings.auth, configured=web.allowed_hosts)
    if hosts is not None:
        app.add_middleware(HostCheckMiddleware, hosts=hosts)
    _include_routers(app)
    return app


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Warm the facade in a thread while the server already answers: /healthz says
    'warming' until the models, rules, store and index are loaded (api.routes.health)."""
    done = threading.Event()
    app.state.warmed = done

    def warm() -> None:
        try:
            app.state.coach.warm_up()
        except Exception:  # a part that cannot load now loads (or fails) on first use
            log.exception("Warm-up failed; parts will load on first use.")
        finally:
            done.set()

    threading.Thread(target=warm, name="coach-warm-up", daemon=True).start()
    yield


def _include_routers(app: FastAPI) -> None:
    routers = _routers()
    for router in routers:
        app.include_router(router)
    # Every route, flat, for the middleware's 405 (FastAPI keeps included routers nested).
    own = [route for route in app.router.routes if getattr(route, "methods", None)]
    app.state.routes = [*own, *(route for router in routers for route in router.routes)]


def _rate_counter(web: WebSettings, coach: Coach) -> RateCounter:
    """Counts in this process, or in the database the workers share (COACH_RATE_LIMIT_STORE)."""
    if web.rate_limit_backend(coach.settings) == "database":
        return DatabaseRateCounter(lambda: coach.store)
    return MemoryRateCounter()


def _routers() -> list[APIRouter]:
    """Every module in ``api/routes`` (JSON) and ``api/pages`` that defines ``router``."""
    found = []
    for package in (routes, pages):
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            router = getattr(import_module(f"{package.__name__}.{module.name}"), "router", None)
            if isinstance(router, APIRouter):
                found.append(router)
    return found

"""The application factory. ``coach serve`` and the tests both build the app here."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from fastapi import APIRouter, FastAPI

from api import routes
from api.errors import install_error_handlers
from api.limits import BodySizeLimitMiddleware
from coach.__about__ import __version__
from coach.config import Settings, get_settings
from coach.service import Coach


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Coach",
        version=__version__,
        summary="Local-first relationship reflection and conversation coach.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.coach = Coach(settings)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    for router in _routers():
        app.include_router(router)
    return app


def _routers() -> list[APIRouter]:
    """Every module in ``api/routes`` that defines ``router``, in name order."""
    found = []
    for module in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        router = getattr(import_module(f"{routes.__name__}.{module.name}"), "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found

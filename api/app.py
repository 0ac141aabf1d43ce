"""The application factory. ``coach serve`` and the tests both build the app here."""

from __future__ import annotations

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.limits import BodySizeLimitMiddleware
from api.routes import health
from coach.__about__ import __version__
from coach.config import Settings, get_settings


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
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.include_router(health.router)
    return app

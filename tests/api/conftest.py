from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings, get_settings
from tests.api.browser import BrowserClient


@pytest.fixture
def settings(shared_index: Path) -> Settings:
    return Settings()


@pytest.fixture
def client(settings: Settings) -> TestClient:
    # Form posts carry the CSRF token, as from Coach's own pages (see tests/api/browser.py).
    return BrowserClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def make_app(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FastAPI]:
    """An app built from ``COACH_<NAME>=value`` for each keyword, as a deployment sets them."""

    def make(**env: str) -> FastAPI:
        for name, value in env.items():
            monkeypatch.setenv(f"COACH_{name.upper()}", value)
        get_settings.cache_clear()
        return create_app(Settings())

    return make


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()

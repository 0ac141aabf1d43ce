from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings
from tests.api.browser import BrowserClient


@pytest.fixture
def settings(shared_index: Path) -> Settings:
    return Settings()


@pytest.fixture
def client(settings: Settings) -> TestClient:
    # Form posts carry the CSRF token, as from Coach's own pages (see tests/api/browser.py).
    return BrowserClient(create_app(settings), raise_server_exceptions=False)

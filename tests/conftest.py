"""Every test gets its own data directory and a clean ``COACH_*`` environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import get_settings

# Backends (SQLite / PostgreSQL, embedded / server Chroma) any suite can ask for.
pytest_plugins = ("tests.servers.fixtures",)


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-index")


@pytest.fixture
def shared_index(
    isolated_env: Path, shared_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Use one search index for the whole run instead of building one per test.

    For tests of the jobs, which only read the index; ingest tests build their own.
    """
    del isolated_env  # only for ordering: the environment is cleaned first
    monkeypatch.setenv("COACH_SEARCH_INDEX_DIR", str(shared_index_dir))
    get_settings.cache_clear()
    return shared_index_dir


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("COACH_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "coach-data"
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    # Starlette's TestClient sends Host: testserver, which local mode answers only when
    # it is listed (see api.security.hosts); tests of the host check set their own list.
    monkeypatch.setenv("COACH_ALLOWED_HOSTS", "testserver")
    # A .env in the working directory must not leak into tests.
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()

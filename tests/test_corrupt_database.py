"""A damaged coach.db: the server still starts and helps, and says how to recover.

The file is random bytes, as after a disk fault or a half-copied backup. Help, the
health check and the safety screen answer; routes that need the database answer 503
with what is wrong and the steps that fix it; ``coach doctor`` explains every part.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from coach.cli import _load_commands, app
from coach.config import Settings, get_settings

_load_commands()


@pytest.fixture
def damaged(isolated_env: Path, shared_index: Path) -> Path:
    isolated_env.mkdir(parents=True, exist_ok=True)
    database = isolated_env / "coach.db"
    database.write_bytes(os.urandom(64 * 1024))
    get_settings.cache_clear()
    return database


@pytest.fixture
def client(damaged: Path) -> TestClient:
    return TestClient(create_app(Settings()), raise_server_exceptions=False)


def test_help_and_the_safety_screen_still_answer(client: TestClient) -> None:
    assert client.get("/help").status_code == 200
    screened = client.post("/v1/safety/screen", json={"text": "I want to end my life"})
    assert screened.status_code == 200
    assert screened.json()["verdict"]["level"] == "urgent"


def test_healthz_reports_the_fault_and_the_recovery(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "degraded"
    (problem,) = health["problems"]
    assert problem["part"] == "database"
    assert "damaged" in problem["detail"]
    steps = " ".join(problem["fix"])
    assert "coach.db.damaged" in steps
    assert "backup" in steps
    assert str(Path.home()) not in response.text  # names the file, not where it lives


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/exercises/recommend", {"description": "We keep fighting about money."}),
        ("GET", "/v1/me/export", None),
        ("DELETE", "/v1/me", None),
        ("POST", "/v1/practice", {"scenario": "s", "goal": "g", "persona": "defensive"}),
    ],
)
def test_routes_that_need_the_database_say_what_is_wrong(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "database_damaged"
    assert "damaged" in error["message"]
    assert "move coach.db" in error["hint"].lower()
    assert "backup" in error["hint"]


def test_a_healthy_database_reports_ok(isolated_env: Path, shared_index: Path) -> None:
    health = TestClient(create_app(Settings())).get("/healthz").json()
    assert health["status"] == "ok"
    assert health["problems"] == []


def test_coach_serve_starts_with_a_damaged_database(
    damaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    started: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert started
    assert "damaged" in result.output


def test_coach_doctor_explains_the_damaged_database(damaged: Path) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "✗ database" in result.output
    assert "coach.db.damaged" in result.output
    assert "✓ index" in result.output
    assert "✓ models" in result.output


def test_coach_doctor_is_happy_with_a_working_install(
    isolated_env: Path, shared_index: Path
) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "✓ database" in result.output

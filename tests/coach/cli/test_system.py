"""`coach serve` will not open the local, sign-in-free mode to a network by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.config import get_settings

_load_commands()
runner = CliRunner()


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> list[dict]:
    """Record uvicorn.run calls instead of serving."""
    calls: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "coach.example.org"])
def test_local_mode_refuses_a_network_interface(started: list[dict], host: str) -> None:
    result = runner.invoke(app, ["serve", "--host", host])
    assert result.exit_code != 0
    assert "without sign-in" in str(result.exception)
    assert "COACH_AUTH=tokens" in (result.exception.hint or "")
    assert started == []


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_local_mode_serves_on_loopback(started: list[dict], host: str) -> None:
    result = runner.invoke(app, ["serve", "--host", host])
    assert result.exit_code == 0, result.output
    assert started[0]["host"] == host


def test_allow_open_and_tokens_mode_may_bind_anywhere(
    started: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["serve", "--host", "0.0.0.0", "--allow-open"]).exit_code == 0
    monkeypatch.setenv("COACH_AUTH", "tokens")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve", "--host", "0.0.0.0"]).exit_code == 0
    assert [call["host"] for call in started] == ["0.0.0.0", "0.0.0.0"]

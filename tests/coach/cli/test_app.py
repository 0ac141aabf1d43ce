import json

from typer.testing import CliRunner

from coach.__about__ import __version__
from coach.cli import _load_commands, app

_load_commands()
runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "eval", "config"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_config_json_masks_secrets(monkeypatch) -> None:
    monkeypatch.setenv("COACH_LLM_API_KEY", "sk-abc")
    result = runner.invoke(app, ["config", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["llm_api_key"] == "********"
    assert data["engine_mode"] == "offline"

from pathlib import Path

import pytest

from coach.config import Settings, get_settings


def test_defaults_are_offline(isolated_env: Path) -> None:
    settings = get_settings()
    assert settings.llm_enabled is False
    assert settings.engine_mode == "offline"
    assert settings.locale == "US"
    assert settings.data_dir == isolated_env
    assert settings.effective_database_url.startswith("sqlite:///")


def test_env_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("COACH_LOCALE=gb\nCOACH_LLM_MODEL=llama3\n")
    monkeypatch.setenv("COACH_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    settings = Settings()
    assert settings.locale == "GB"
    assert settings.llm_enabled
    assert settings.engine_mode == "llm:llama3"


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_MODEL", "  ")
    assert Settings().llm_enabled is False


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://coach:hunter2@db:5432/coach")
    public = Settings().public_dict()
    assert public["llm_api_key"] == "********"
    assert "hunter2" not in str(public)
    assert "sk-very-secret" not in str(public)
    assert public["database_url"].endswith("@db:5432/coach")


def test_bundled_data_found() -> None:
    settings = Settings()
    assert settings.knowledge_dir.is_dir()
    assert settings.prompts_dir.is_dir()

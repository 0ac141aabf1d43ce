"""Settings: one cached object, read from ``COACH_*`` variables and an optional ``.env``.

Nothing here has side effects: the data directory is created by the code that
writes to it, not by reading settings. The surfaces build the settings (the CLI
with :func:`get_settings`, the web app in ``api.app``) and hand them to
:class:`coach.service.Coach`; nothing in the core reads them on its own. The web
server's own settings (cookies, CORS, rate limits) are ``api.settings.WebSettings``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach.paths import default_knowledge_dir, default_prompts_dir


class Settings(BaseSettings):
    """Everything Coach can be told from outside. Every field has a safe offline default."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("coach", appauthor=False)),
        description="Where the index, database and exports live.",
    )
    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    prompts_dir: Path = Field(default_factory=default_prompts_dir)
    locale: str = Field(default="US", description="Country code for crisis resources.")
    search_index_dir: Path | None = Field(
        default=None, description="Where the embedded search index lives (default: data_dir/index)."
    )

    # Storage and retrieval engines. Empty means the embedded defaults.
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/coach "
        "(pip install 'coach[postgres]'); SQLite in data_dir if unset.",
    )
    chroma_host: str | None = Field(
        default=None, description="A Chroma server (`chroma run`); the embedded index if unset."
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535)

    # Optional LLM endpoint (OpenAI-compatible). Unset means the offline engine.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=1, ge=0, le=5)
    llm_temperature: float = Field(default=0.4, ge=0, le=2)
    llm_concurrency: int = Field(
        default=1, ge=1, le=64, description="Model calls at a time per endpoint."
    )

    # `coach serve`, who may sign in, and the text limit every surface applies. The web
    # app's own settings (request size, cookies, CORS, rate limits) are api.settings.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_text_chars: int = Field(default=10_000, gt=0)
    auth: Literal["local", "tokens"] = Field(
        default="local",
        description="'local': one person, no sign-in (for this computer only). 'tokens': "
        "each person signs in with a token from `coach users add` (for a shared server).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Privacy
    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="Delete drafts, exercise history and practice sessions older than this "
        "many days (unset keeps them until you delete them).",
    )
    dont_save: bool = Field(
        default=False,
        description="Keep nothing on disk: the database lives in memory and is gone when "
        "Coach stops (wins over COACH_DATABASE_URL).",
    )

    @field_validator("retention_days", mode="before")
    @classmethod
    def _blank_retention_is_off(cls, value: Any) -> Any:
        # COACH_RETENTION_DAYS= (empty) in a .env means "off", like the other optional settings.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("locale")
    @classmethod
    def _upper_locale(cls, value: str) -> str:
        return value.strip().upper() or "US"

    @field_validator("llm_base_url", "llm_model", "database_url", "chroma_host", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _api_key_fallback(self) -> Settings:
        # OPENAI_API_KEY is the conventional name; honour it when ours is unset.
        if self.llm_api_key is None:
            key = os.environ.get("OPENAI_API_KEY")
            if key:
                self.llm_api_key = SecretStr(key)
        return self

    @property
    def llm_enabled(self) -> bool:
        """An LLM is used only when a model is named (base URL alone is not enough)."""
        return bool(self.llm_model)

    @property
    def engine_mode(self) -> str:
        return f"llm:{self.llm_model}" if self.llm_enabled else "offline"

    @property
    def index_dir(self) -> Path:
        return self.search_index_dir or self.data_dir / "index"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    def public_dict(self) -> dict[str, Any]:
        """The effective configuration with secrets masked, for `coach config` and logs."""
        data = self.model_dump(mode="json")
        if self.llm_api_key is not None:
            data["llm_api_key"] = "********"
        if self.database_url and "@" in self.database_url:
            scheme, _, rest = self.database_url.partition("://")
            data["database_url"] = f"{scheme}://********@{rest.rsplit('@', 1)[1]}"
        data["engine_mode"] = self.engine_mode
        return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings. Tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()

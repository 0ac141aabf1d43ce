"""The web server's own settings: request size, cookies, CORS, rate limits, the docs page.

They are read from the same ``COACH_*`` variables (and ``.env``) as the core's
:class:`coach.config.Settings`, with the same names and defaults as before they
moved here; only the web app reads them, so they live beside it. ``coach config``
shows the core's settings; ``python -m api.settings`` shows these.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from coach.config import Settings


class WebSettings(BaseSettings):
    """What only ``api/`` needs to know. Every field has a safe default."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    max_request_bytes: int = Field(default=64 * 1024, gt=0)
    cookie_secure: bool | None = Field(
        default=None, description="Mark cookies Secure; unset means only on https requests."
    )
    session_hours: int = Field(
        default=12, ge=1, le=24 * 90, description="How long a browser sign-in lasts."
    )

    warm_up: bool = Field(
        default=False,
        description="Load the models, rules, store and index when the server starts; "
        "/healthz says 'warming' (503) until done. `coach serve` turns it on.",
    )

    # Abuse protection
    api_docs: bool = Field(
        default=False,
        description="Serve the Swagger UI at /docs. Off by default: it loads scripts from a "
        "CDN, which an offline install cannot reach; /openapi.json is always served.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated "
        "(empty: no CORS headers at all, so only same-origin pages can call it).",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server answers besides 127.0.0.1, localhost and ::1, "
        "comma-separated (local mode answers only those; tokens mode, when set, only these).",
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Refuse requests past the limits below with 429."
    )
    rate_limit_per_minute: int = Field(
        default=300,
        ge=1,
        description="Requests per minute for one user (in local mode, the one local person).",
    )
    rate_limit_ip_per_minute: int = Field(
        default=600,
        ge=1,
        description="Requests per minute from one client address, signed in or not.",
    )
    rate_limit_store: Literal["auto", "memory", "database"] = Field(
        default="auto",
        description="Where the counts live. 'memory': in each worker process (with N "
        "workers a client can reach N times the limits). 'database': in the database, "
        "shared by every worker. 'auto': the database when it is PostgreSQL, else memory.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        # COACH_CORS_ORIGINS=https://a.example,https://b.example reads as a list.
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def rate_limit_backend(self, core: Settings) -> Literal["memory", "database"]:
        """Where rate limit counts live, with ``auto`` and don't-save mode resolved.

        ``auto`` takes the database only for PostgreSQL: that is how a deployment with
        several workers (or machines) is set up, and there every request already talks
        to the database. On SQLite Coach serves one machine, usually one process, where
        memory is free and exact; ``database`` still shares a SQLite file between the
        workers of one machine. Don't-save mode's database lives in one process's
        memory, so sharing through it would share nothing: memory then, always.
        """
        if core.dont_save:
            return "memory"
        if self.rate_limit_store != "auto":
            return self.rate_limit_store
        return "database" if core.effective_database_url.startswith("postgresql") else "memory"


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    """The process-wide web settings (tests call ``cache_clear()`` after changing env)."""
    return WebSettings()


def main() -> None:
    """``python -m api.settings``: the web settings in effect, as JSON."""
    json.dump(WebSettings().model_dump(mode="json"), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

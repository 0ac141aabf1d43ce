"""Rate limits: per client address and per user, 429 with Retry-After, exemptions, off switch."""

from __future__ import annotations

import logging
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security.ratelimit import (
    DatabaseRateCounter,
    MemoryRateCounter,
    client_key,
    user_key,
)
from api.settings import WebSettings
from coach.config import Settings, get_settings
from coach.storage import accounts
from coach.storage.repository import Store


def _app(monkeypatch: pytest.MonkeyPatch, **env: str) -> FastAPI:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return create_app(Settings())


def _client(app: FastAPI, address: str = "203.0.113.7", token: str | None = None) -> TestClient:
    client = TestClient(app, client=(address, 50000), raise_server_exceptions=False)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_local_person_is_limited_with_retry_after_and_json(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(_app(monkeypatch, COACH_RATE_LIMIT_PER_MINUTE="3"))
    for _ in range(3):
        assert client.post("/v1/drafts/analyze", json={"text": "You never call."}).is_success
    refused = client.post("/v1/drafts/analyze", json={"text": "You never call."})
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["retry_after_seconds"] == retry_after
    assert "You never call" not in refused.text
    # Pages count too: in local mode the person is one user whichever surface they use.
    assert client.get("/").status_code == 429


def test_health_and_static_files_are_never_limited(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(
        _app(monkeypatch, COACH_RATE_LIMIT_PER_MINUTE="1", COACH_RATE_LIMIT_IP_PER_MINUTE="1")
    )
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/static/coach.css").status_code == 200
    assert client.get("/v1/stages").status_code == 200
    assert client.get("/v1/stages").status_code == 429


def test_the_switch_turns_limits_off(shared_index, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(
        _app(
            monkeypatch,
            COACH_RATE_LIMIT_ENABLED="false",
            COACH_RATE_LIMIT_PER_MINUTE="1",
            COACH_RATE_LIMIT_IP_PER_MINUTE="1",
        )
    )
    assert all(client.get("/v1/stages").status_code == 200 for _ in range(5))


def test_defaults_leave_a_person_alone(shared_index) -> None:
    settings = WebSettings()
    assert settings.rate_limit_enabled
    # Several requests a second for a whole minute: no one typing and clicking gets there.
    assert settings.rate_limit_per_minute >= 120
    assert settings.rate_limit_ip_per_minute >= settings.rate_limit_per_minute


def test_addresses_are_counted_apart(shared_index, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(
        monkeypatch,
        COACH_AUTH="tokens",
        COACH_RATE_LIMIT_IP_PER_MINUTE="2",
        COACH_RATE_LIMIT_PER_MINUTE="100",
    )
    token = accounts.add_user(app.state.coach.store, name="sam").token
    here, there = _client(app, "198.51.100.1", token), _client(app, "198.51.100.2", token)
    assert [here.get("/v1/stages").status_code for _ in range(3)] == [200, 200, 429]
    assert there.get("/v1/stages").status_code == 200


def test_users_are_counted_apart_behind_one_address(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(
        monkeypatch,
        COACH_AUTH="tokens",
        COACH_RATE_LIMIT_PER_MINUTE="2",
        COACH_RATE_LIMIT_IP_PER_MINUTE="100",
    )
    store = app.state.coach.store
    ana = _client(app, token=accounts.add_user(store, name="ana").token)
    ben = _client(app, token=accounts.add_user(store, name="ben").token)
    assert [ana.get("/v1/exercises/history").status_code for _ in range(3)] == [200, 200, 429]
    assert ben.get("/v1/exercises/history").status_code == 200


def test_requests_without_credentials_are_limited_by_address(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guessing tokens: every try is a 401 until the address is out of tries.
    client = _client(
        _app(monkeypatch, COACH_AUTH="tokens", COACH_RATE_LIMIT_IP_PER_MINUTE="3"),
        token="coach_not-a-token",
    )
    assert [client.get("/v1/stages").status_code for _ in range(4)] == [401, 401, 401, 429]


# ---------------------------------------------------------------------------- the pieces


def test_counter_refuses_past_the_limit_per_key() -> None:
    counter = MemoryRateCounter()
    assert [counter.hit("a", per_minute=2).allowed for _ in range(3)] == [True, True, False]
    refused = counter.hit("a", per_minute=2)
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert counter.hit("b", per_minute=2).allowed


def test_counter_is_exact_under_threads() -> None:
    counter = MemoryRateCounter()
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(100):
            decision = counter.hit("shared", per_minute=250)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 250
    assert len(allowed) == 800


def test_keys() -> None:
    assert client_key({"client": ("10.0.0.1", 1)}) == "ip:10.0.0.1"
    assert client_key({}) == "ip:unknown"
    assert user_key({"state": {"user_id": "u1"}}) == "user:u1"
    assert user_key({"state": {"user_id": None}}) is None
    assert user_key({}, default_user="local") == "user:local"
    assert user_key({"state": {"user_id": "u1"}}, default_user="local") == "user:u1"


# ---------------------------------------------------------------------------- shared counts


def test_workers_on_one_database_share_the_limit(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two apps on one database stand for two worker processes.
    env = {"COACH_RATE_LIMIT_STORE": "database", "COACH_RATE_LIMIT_PER_MINUTE": "4"}
    one, two = _client(_app(monkeypatch, **env)), _client(_app(monkeypatch, **env))
    codes = [(one if n % 2 else two).get("/v1/stages").status_code for n in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]
    refused = one.get("/v1/stages")
    assert 1 <= int(refused.headers["retry-after"]) <= 120
    assert refused.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "memory"),  # SQLite: one machine, usually one process
        ({"COACH_DATABASE_URL": "postgresql+psycopg://coach@db/coach"}, "database"),
        ({"COACH_RATE_LIMIT_STORE": "database"}, "database"),
        (
            {
                "COACH_DATABASE_URL": "postgresql+psycopg://coach@db/coach",
                "COACH_RATE_LIMIT_STORE": "memory",
            },
            "memory",
        ),
        # Don't-save mode's database is one process's memory: nothing to share through.
        ({"COACH_RATE_LIMIT_STORE": "database", "COACH_DONT_SAVE": "true"}, "memory"),
    ],
)
def test_where_the_counts_live(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert WebSettings().rate_limit_backend(Settings()) == expected


def test_database_counter_fails_open_when_the_database_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 1: every connection attempt is refused.
    counter = DatabaseRateCounter(lambda: Store("postgresql+psycopg://coach@127.0.0.1:1/coach"))
    with caplog.at_level(logging.WARNING, logger="api.security.ratelimit"):
        decisions = [counter.hit("ip:203.0.113.7", per_minute=1) for _ in range(3)]
    assert all(d.allowed for d in decisions)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once a minute, not once a request
    assert "not being checked" in warnings[0].getMessage()
    assert "203.0.113.7" not in caplog.text


def test_the_app_still_answers_when_the_shared_counts_are_down(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(
        _app(
            monkeypatch,
            COACH_RATE_LIMIT_STORE="database",
            COACH_DATABASE_URL="postgresql+psycopg://coach@127.0.0.1:1/coach",
        )
    )
    assert client.get("/v1/stages").status_code == 200  # needs no database
    assert client.get("/v1/exercises/history").status_code == 503  # needs it: a clear error

"""DNS rebinding: local mode answers only loopback host names and COACH_ALLOWED_HOSTS."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.security.hosts import host_name

SPOOFED = {"host": "attacker.example:8201"}


@pytest.fixture
def local(make_app: Callable[..., FastAPI]) -> TestClient:
    app = make_app(allowed_hosts="", rate_limit_enabled="false")
    return TestClient(app, base_url="http://127.0.0.1:8201", raise_server_exceptions=False)


def test_a_spoofed_host_gets_400_and_no_data(local: TestClient) -> None:
    started = local.post(
        "/v1/practice",
        json={
            "scenario": "We argue about chores marker-rebind",
            "goal": "Listen",
            "persona": "defensive",
        },
    )
    assert started.status_code == 200
    assert "marker-rebind" in local.get("/v1/me/export").text
    for method, path in (("GET", "/v1/me/export"), ("GET", "/"), ("GET", "/help")):
        response = local.request(method, path, headers=SPOOFED)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "bad_request"
        assert "marker-rebind" not in response.text
        assert "set-cookie" not in response.headers
    deleted = local.delete("/v1/me", headers={**SPOOFED, "origin": "http://attacker.example:8201"})
    assert deleted.status_code == 400
    assert "marker-rebind" in local.get("/v1/me/export").text  # nothing was deleted


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8201", "localhost:8000", "LOCALHOST", "[::1]:8201", "::1"]
)
def test_loopback_names_on_any_port_are_answered(local: TestClient, host: str) -> None:
    response = local.get("/help", headers={"host": host})
    assert response.status_code == 200
    assert local.get("/healthz", headers={"host": host}).status_code == 200


def test_configured_names_are_answered_too(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(allowed_hosts="coach.home.arpa, other.example")
    client = TestClient(app, base_url="http://coach.home.arpa:8000")
    assert client.get("/help").status_code == 200
    assert client.get("/help", headers={"host": "localhost"}).status_code == 200
    assert client.get("/help", headers={"host": "evil.example"}).status_code == 400


def test_tokens_mode_answers_any_name_unless_names_are_set(
    make_app: Callable[..., FastAPI],
) -> None:
    open_app = make_app(auth="tokens", allowed_hosts="")
    client = TestClient(open_app, base_url="http://coach.example.org")
    assert client.get("/help").status_code == 200
    listed = make_app(auth="tokens", allowed_hosts="coach.example.org")
    assert TestClient(listed, base_url="http://coach.example.org").get("/help").status_code == 200
    refused = TestClient(listed, base_url="http://coach.example.com").get("/help")
    assert refused.status_code == 400
    assert TestClient(listed, base_url="http://127.0.0.1").get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Example.ORG.", "example.org"),
        ("example.org:80", "example.org"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("", ""),
    ],
)
def test_host_names_are_read_without_port(header: str, name: str) -> None:
    assert host_name(header) == name

"""Security headers on every kind of response, the docs decision, and CORS off by default."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security.headers import API_CSP, DOCS_CSP, PAGE_CSP, content_security_policy
from coach.config import Settings, get_settings

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _app(monkeypatch: pytest.MonkeyPatch, **env: str) -> FastAPI:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    app = create_app(Settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug, not the person's fault")

    return app


@pytest.fixture
def app(shared_index, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    return _app(monkeypatch, COACH_MAX_REQUEST_BYTES="2000")


@pytest.fixture
def plain(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _assert_hardened(headers, *, csp: str, cache: str = "no-store") -> None:
    for name, value in ALWAYS.items():
        assert headers[name] == value, name
    assert "camera=()" in headers["permissions-policy"]
    assert headers["content-security-policy"] == csp
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["cache-control"] == cache


# Each case: how to make the response, its status, and the CSP it must carry.
CASES = {
    "page": (lambda c: c.get("/"), 200, PAGE_CSP),
    "help page": (lambda c: c.get("/help"), 200, PAGE_CSP),
    "json": (lambda c: c.get("/healthz"), 200, API_CSP),
    "job json": (
        lambda c: c.post("/v1/drafts/analyze", json={"text": "You never call."}),
        200,
        API_CSP,
    ),
    "404": (lambda c: c.get("/v1/no/such/thing"), 404, API_CSP),
    "404 page": (lambda c: c.get("/no/such/thing"), 404, PAGE_CSP),
    "405": (lambda c: c.put("/v1/drafts/analyze", json={}), 405, API_CSP),
    "413": (lambda c: c.post("/v1/drafts/analyze", json={"text": "x" * 5000}), 413, API_CSP),
    "415": (
        lambda c: c.post(
            "/v1/drafts/analyze", content=b"hi", headers={"content-type": "text/plain"}
        ),
        415,
        API_CSP,
    ),
    "422": (lambda c: c.post("/v1/drafts/analyze", json={"text": ""}), 422, API_CSP),
    "500": (lambda c: c.get("/boom"), 500, API_CSP),
    "sse": (
        lambda c: c.post("/v1/drafts/rewrite/stream", json={"text": "You never call."}),
        200,
        API_CSP,
    ),
    "schema": (lambda c: c.get("/openapi.json"), 200, API_CSP),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_every_response_is_hardened_and_not_stored(plain: TestClient, case: str) -> None:
    make, status, csp = CASES[case]
    response = make(plain)
    assert response.status_code == status
    _assert_hardened(response.headers, csp=csp)


def test_the_500_body_says_nothing_private(plain: TestClient) -> None:
    response = plain.get("/boom")
    assert response.json()["error"]["code"] == "internal_error"
    assert "bug" not in response.text


def test_event_stream_is_hardened(plain: TestClient) -> None:
    response = plain.post("/v1/drafts/rewrite/stream", json={"text": "You never call."})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: done" in response.text


@pytest.mark.parametrize("name", ["coach.css", "coach.js"])
def test_static_files_stay_cacheable_and_hardened(plain: TestClient, name: str) -> None:
    response = plain.get(f"/static/{name}")
    assert response.status_code == 200
    # A route that sets its own Cache-Control keeps it: static files may be revalidated.
    _assert_hardened(response.headers, csp=API_CSP, cache="no-cache")


def test_missing_static_file_is_a_hardened_404(plain: TestClient) -> None:
    response = plain.get("/static/nope.css")
    assert response.status_code == 404
    _assert_hardened(response.headers, csp=API_CSP)


def test_429_is_hardened(shared_index, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(_app(monkeypatch, COACH_RATE_LIMIT_PER_MINUTE="1"))
    client.get("/v1/stages")
    response = client.get("/v1/stages")
    assert response.status_code == 429
    _assert_hardened(response.headers, csp=API_CSP)


def test_cdn_docs_are_off_by_default_and_the_schema_is_served(plain: TestClient) -> None:
    assert plain.get("/docs").status_code == 404
    assert plain.get("/redoc").status_code == 404
    assert plain.get("/openapi.json").json()["info"]["title"] == "Coach"


def test_docs_when_enabled_get_a_relaxed_policy_only_there(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(_app(monkeypatch, COACH_API_DOCS="true"))
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == DOCS_CSP
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert docs.headers["x-frame-options"] == "DENY"
    assert client.get("/").headers["content-security-policy"] == PAGE_CSP
    # A path that only starts with the same letters is not the docs.
    assert client.get("/docsx").headers["content-security-policy"] == API_CSP


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/", "text/html; charset=utf-8", PAGE_CSP),
        ("/v1/stages", "application/json", API_CSP),
        ("/static/coach.css", "text/css", API_CSP),
        ("/docs", "text/html; charset=utf-8", DOCS_CSP),
        ("/docs/oauth2-redirect", "text/html; charset=utf-8", DOCS_CSP),
        ("/v1/stages", "", API_CSP),
    ],
)
def test_policy_choice(path: str, content_type: str, expected: str) -> None:
    assert content_security_policy(path, content_type, "/docs") == expected
    if expected == DOCS_CSP:
        # With the docs off, /docs is an ordinary (404) path.
        assert content_security_policy(path, content_type, None) != DOCS_CSP


# ---------------------------------------------------------------------------- CORS

PREFLIGHT = {
    "Origin": "https://elsewhere.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


def test_no_cors_by_default(plain: TestClient) -> None:
    preflight = plain.options("/v1/drafts/analyze", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    simple = plain.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_for_configured_origins_only(shared_index, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(
        _app(
            monkeypatch,
            COACH_CORS_ORIGINS="https://elsewhere.example, https://other.example/",
        )
    )
    preflight = client.options("/v1/drafts/analyze", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://elsewhere.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    _assert_hardened(preflight.headers, csp=API_CSP)

    simple = client.get("/healthz", headers={"Origin": "https://other.example"})
    assert simple.headers["access-control-allow-origin"] == "https://other.example"

    stranger = client.options(
        "/v1/drafts/analyze", headers=PREFLIGHT | {"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in stranger.headers

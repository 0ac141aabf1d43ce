"""The published schema tells the truth: one text limit, and the status codes it documents.

- the text fields' ``maxLength`` is COACH_MAX_TEXT_CHARS, the limit the server applies;
- a large body sent in chunks (no Content-Length) is a 413, as one with a length is;
- a method no route has is a 405 with ``Allow``, not a CSRF refusal;
- a page that does not exist is an HTML page; an API path that does not exist, JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.browser import BrowserClient

TEXT_FIELDS = {
    "DraftRequest": "text",
    "RecommendRequest": "description",
    "StartRequest": "scenario",
    "TurnRequest": "text",
    "ScreenRequest": "text",
}


@pytest.mark.parametrize("limit", [None, "321"])
def test_text_fields_publish_the_setting_as_max_length(
    make_app: Callable[..., FastAPI], limit: str | None
) -> None:
    app = make_app(**({"max_text_chars": limit} if limit else {}))
    schema = TestClient(app).get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for model, field in TEXT_FIELDS.items():
        assert components[model]["properties"][field]["maxLength"] == int(limit or 10_000)
    assert "20000" not in str(schema)
    assert "x-coach" not in str(schema)


def test_text_at_the_published_limit_is_taken_and_one_more_is_refused(
    make_app: Callable[..., FastAPI],
) -> None:
    client = TestClient(make_app(max_text_chars="300"))
    assert client.post("/v1/drafts/analyze", json={"text": "a" * 300}).status_code == 200
    refused = client.post("/v1/drafts/analyze", json={"text": "a" * 301})
    assert refused.status_code == 422
    assert "300" in refused.json()["error"]["message"]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"text": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize("path", ["/v1/drafts/analyze", "/v1/exercises/recommend"])
def test_a_one_megabyte_chunked_body_is_a_413(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=_chunks(1024 * 1024), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("path", ["/", "/draft", "/help", "/v1/stages", "/v1/drafts/analyze"])
@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "PUT", "PATCH"])
def test_an_unknown_method_is_a_405_with_allow(
    make_app: Callable[..., FastAPI], path: str, method: str
) -> None:
    # A plain client: no CSRF token, as a client that is not Coach's page sends.
    client = TestClient(make_app(), raise_server_exceptions=False)
    response = client.request(method, path, headers={"sec-fetch-site": "same-origin"})
    assert response.status_code == 405, response.text[:200]
    assert "GET" in response.headers["allow"] or "POST" in response.headers["allow"]
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_cross_site_form_post_is_still_refused(client: BrowserClient) -> None:
    response = client.post(
        "/draft", data={"text": "hi"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_a_missing_page_is_an_html_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "/help" in response.text  # the help link is on every page
    assert "no-such-page" not in response.text  # nothing sent is quoted back


def test_a_missing_api_path_is_json(client: TestClient) -> None:
    response = client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

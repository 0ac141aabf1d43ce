"""Hostile or broken input gets a clear 4xx in the JSON error shape, never a 500.

Covered: body size, deep JSON nesting, malformed JSON, wrong content types, binary
bytes, over-long text on every text-taking endpoint, absurd numbers, and (as a
schema invariant) a bound on every string and list a request body can hold.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings, get_settings
from tests.api.browser import BrowserClient

JSON = {"content-type": "application/json"}
SECRET = "my-private-words"


def _app(monkeypatch: pytest.MonkeyPatch, **env: str) -> FastAPI:
    monkeypatch.setenv("COACH_RATE_LIMIT_ENABLED", "false")  # many requests, one test
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return create_app(Settings())


@pytest.fixture
def api(shared_index, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    return TestClient(_app(monkeypatch), raise_server_exceptions=False)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert error["code"] == code
    assert SECRET not in response.text
    return error


def _still_alive(client: TestClient) -> None:
    assert client.post("/v1/drafts/analyze", json={"text": "You never call."}).status_code == 200


# ---------------------------------------------------------------------------- nesting


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_100k_nested_arrays_are_refused_by_size(api: TestClient) -> None:
    _assert_error(
        api.post("/v1/drafts/analyze", content=_nested(100_000), headers=JSON),
        413,
        "payload_too_large",
    )
    _still_alive(api)


def test_100k_nested_arrays_within_a_raised_size_limit_are_a_400(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(
        _app(monkeypatch, COACH_MAX_REQUEST_BYTES="400000"), raise_server_exceptions=False
    )
    for body in (_nested(100_000), b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        _assert_error(
            client.post("/v1/drafts/analyze", content=body, headers=JSON), 400, "bad_request"
        )
    _still_alive(client)


@pytest.mark.parametrize("depth", [30_000, 2_000])
def test_deep_nesting_under_the_size_limit_is_a_4xx(api: TestClient, depth: int) -> None:
    response = api.post("/v1/drafts/analyze", content=_nested(depth), headers=JSON)
    assert 400 <= response.status_code < 500
    _still_alive(api)


def test_deep_nesting_inside_a_field_is_a_422(api: TestClient) -> None:
    body = b'{"text":' + _nested(900) + b"}"
    error = _assert_error(
        api.post("/v1/drafts/analyze", content=body, headers=JSON), 422, "invalid_input"
    )
    assert error["fields"][0]["field"] == "body.text"


# ---------------------------------------------------------------------------- shape


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "' + SECRET.encode(),  # cut off
        b"{'text': 'single quotes'}",
        b'{"text": "a",}',
        b"",
        bytes(range(256)) * 20,  # binary
        b"\xff\xfe\x00\x00garbage",
    ],
    ids=["truncated", "single-quotes", "trailing-comma", "empty", "binary", "bad-bom"],
)
def test_malformed_or_binary_json_is_a_4xx(api: TestClient, body: bytes) -> None:
    response = api.post("/v1/drafts/analyze", content=body, headers=JSON)
    assert response.status_code in (400, 422), response.text[:200]
    assert response.json()["error"]["code"] in ("bad_request", "invalid_input")
    assert SECRET not in response.text


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_wrong_content_type_is_a_415(api: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {"content-type": ""}
    response = api.post("/v1/drafts/analyze", content=b'{"text": "hi there"}', headers=headers)
    _assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "body", [[1, 2, 3], "just a string", 42, None], ids=["list", "string", "number", "null"]
)
def test_a_body_that_is_not_an_object_is_a_422(api: TestClient, body: Any) -> None:
    _assert_error(api.post("/v1/drafts/analyze", json=body), 422, "invalid_input")


@pytest.mark.parametrize(
    "minutes",
    [b"9" * 10_000, b"1e999", b"NaN", b"-1", b"99999999999999999999", b'"soon"'],
    ids=["10k-digits", "inf", "nan", "negative", "huge", "text"],
)
def test_absurd_numbers_are_a_4xx(api: TestClient, minutes: bytes) -> None:
    body = b'{"description": "We fight about money.", "minutes": ' + minutes + b"}"
    response = api.post("/v1/exercises/recommend", content=body, headers=JSON)
    assert response.status_code in (400, 422)


@pytest.mark.parametrize(
    "text", ["a\x00b " * 20, "\x01\x02\x03\x04\x05" * 100], ids=["nul", "controls"]
)
def test_binary_text_in_a_field_is_refused(api: TestClient, text: str) -> None:
    error = _assert_error(api.post("/v1/drafts/analyze", json={"text": text}), 422, "invalid_input")
    assert "binary" in error["message"]


def test_lone_surrogate_is_a_422(api: TestClient) -> None:
    body = b'{"text": "\\ud800 you never call"}'
    _assert_error(api.post("/v1/drafts/analyze", content=body, headers=JSON), 422, "invalid_input")


# ---------------------------------------------------------------------------- length


@pytest.fixture
def short(shared_index, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    return TestClient(_app(monkeypatch, COACH_MAX_TEXT_CHARS="200"), raise_server_exceptions=False)


def _long() -> str:
    return (SECRET + " we argue. ") * 30  # ~800 characters, over the limit of 200


def _practice_session(client: TestClient) -> str:
    started = client.post(
        "/v1/practice",
        json={"scenario": "We fought about chores.", "goal": "Apologise", "persona": "defensive"},
    )
    assert started.status_code == 200
    return started.json()["session"]["id"]


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [
        ("/v1/drafts/analyze", "text", {}),
        ("/v1/drafts/rewrite", "text", {}),
        ("/v1/drafts/rewrite/stream", "text", {}),
        ("/v1/safety/screen", "text", {}),
        ("/v1/exercises/recommend", "description", {}),
        ("/v1/practice", "scenario", {"goal": "Apologise", "persona": "defensive"}),
        ("/v1/practice", "goal", {"scenario": "We fought.", "persona": "defensive"}),
        ("/v1/practice/{session}/turns", "text", {}),
    ],
)
def test_text_over_max_text_chars_is_a_422_that_names_the_limit(
    short: TestClient, path: str, field: str, extra: dict[str, str]
) -> None:
    if "{session}" in path:
        path = path.format(session=_practice_session(short))
    response = short.post(path, json={field: _long(), **extra})
    error = _assert_error(response, 422, "invalid_input")
    assert "200" in error["message"]


def test_long_page_form_text_is_a_4xx_page(shared_index, monkeypatch: pytest.MonkeyPatch) -> None:
    client = BrowserClient(
        _app(monkeypatch, COACH_MAX_TEXT_CHARS="200"), raise_server_exceptions=False
    )
    response = client.post("/draft", data={"text": _long()})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    # The page keeps the text in its box so nothing typed is lost, and says the limit.
    assert "the limit is 200" in response.text


def test_a_form_with_thousands_of_fields_is_a_4xx(
    shared_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = BrowserClient(_app(monkeypatch), raise_server_exceptions=False)
    fields = {f"f{i}": "1" for i in range(3000)}
    response = client.post("/draft", data={**fields, "text": "You never call."})
    assert 400 <= response.status_code < 500


# ---------------------------------------------------------------------------- invariant


def _bounds_missing(node: Any, components: dict[str, Any], where: str) -> list[str]:
    """Every string needs maxLength and every array maxItems, unless it is an enum."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _bounds_missing(components[name], components, f"{where}->{name}")
    missing = []
    kind = node.get("type")
    if kind == "string" and not {"enum", "const", "maxLength"} & node.keys():
        missing.append(f"{where}: string without maxLength")
    if kind == "array" and "maxItems" not in node:
        missing.append(f"{where}: array without maxItems")
    if kind == "object" and node.get("additionalProperties") not in (None, False):
        missing.append(f"{where}: open-ended object")
    for key, child in (node.get("properties") or {}).items():
        missing += _bounds_missing(child, components, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        missing += _bounds_missing(node.get(key), components, f"{where}[]")
    for key in ("anyOf", "oneOf", "allOf"):
        for child in node.get(key) or []:
            missing += _bounds_missing(child, components, where)
    return missing


def test_every_request_body_field_is_bounded(api: TestClient) -> None:
    """A guard for new endpoints: no unbounded string or list in any JSON request body."""
    schema = api.get("/openapi.json").json()
    components = schema.get("components", {}).get("schemas", {})
    missing: list[str] = []
    bodies = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            for media, spec in content.items():
                bodies += 1
                missing += _bounds_missing(spec["schema"], components, f"{method} {path} {media}")
    assert bodies >= 6
    assert missing == []

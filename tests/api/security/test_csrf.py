"""Cross-site request forgery: the pages' forms need their token, other sites are refused.

A plain ``TestClient`` plays both the person's browser (fetching a page, then
posting its form) and a forger (posting without the page). The JSON API gets no
tokens; there, a body that is not JSON or a request from another site is refused,
which is what protects local mode (no sign-in at all) from a malicious web page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.security.cookies import CSRF_COOKIE
from coach.storage import accounts
from tests.api.browser import BrowserClient, sign_in
from tests.api.security.test_isolation import app_routes

TEMPLATES = Path(__file__).resolve().parents[3] / "api" / "templates"
SECRET_WORDS = "umbrella-nectarine-5150"
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


def _token(client: TestClient, path: str = "/draft") -> str:
    found = TOKEN.search(client.get(path).text)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def _drafts(app: FastAPI) -> int:
    return len(app.state.coach.store.list_drafts(user_id="local"))


# -- every form carries the token ------------------------------------------------------


def _forms(source: str) -> list[tuple[str, str]]:
    """(opening tag, body) of each form in a template."""
    return re.findall(r"(<form\b[^>]*>)(.*?)</form>", source, flags=re.S | re.I)


def test_every_post_form_in_every_template_has_the_token() -> None:
    checked = 0
    for template in sorted(TEMPLATES.glob("*.html")):
        for tag, body in _forms(template.read_text(encoding="utf-8")):
            if re.search(r'method="post"', tag, flags=re.I):
                assert "{{ csrf_input() }}" in body, f"{template.name}: {tag}"
                checked += 1
            else:
                # A GET form's fields end up in the address bar and history: no token there.
                assert "csrf_input" not in body, f"{template.name}: {tag}"
    assert checked >= 12


def test_rendered_forms_carry_this_browsers_token(app: FastAPI) -> None:
    client = TestClient(app)
    html = client.post(
        "/draft", data={"text": "You never listen.", "csrf_token": _token(client)}
    ).text
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    assert len(forms) >= 3  # check again, save, and the I-statement builder
    tokens = {found for form in forms for found in TOKEN.findall(form)}
    assert len(tokens) == 1
    assert tokens == {_token(client)}


# -- the token is checked ------------------------------------------------------------------


def test_a_form_without_the_token_is_refused_without_echo(app: FastAPI) -> None:
    client = TestClient(app)
    client.get("/draft")  # the browser has its cookie; the forger's form has no token
    response = client.post("/draft/save", data={"text": f"You never listen {SECRET_WORDS}"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "That form was not sent" in response.text
    assert "Nothing was saved" in response.text
    assert SECRET_WORDS not in response.text
    assert 'href="/help' in response.text  # still one click from help
    assert _drafts(app) == 0


@pytest.mark.parametrize("kind", ["wrong", "empty", "no cookie", "other browser"])
def test_a_wrong_token_is_refused(app: FastAPI, kind: str) -> None:
    client = TestClient(app)
    token = _token(client)
    if kind == "wrong":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif kind == "empty":
        token = ""
    elif kind == "no cookie":
        client.cookies.clear()
    else:
        token = _token(TestClient(app))  # valid, but for someone else's browser
    response = client.post("/draft/save", data={"text": "hello", "csrf_token": token})
    assert response.status_code == 403
    assert _drafts(app) == 0


def test_the_right_token_is_accepted(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.post("/draft/save", data={"text": "hello", "csrf_token": _token(client)})
    assert response.status_code == 200
    assert _drafts(app) == 1


def test_a_multipart_form_is_checked_too(app: FastAPI) -> None:
    client = TestClient(app)
    token = _token(client)
    files = {"unused": ("a.txt", b"x", "text/plain")}
    ok = client.post("/draft/save", data={"text": "hi", "csrf_token": token}, files=files)
    assert ok.status_code == 200
    refused = client.post("/draft/save", data={"text": "hi"}, files=files)
    assert refused.status_code == 403


def test_every_page_post_route_needs_the_token(app: FastAPI) -> None:
    client = TestClient(app)
    client.get("/draft")
    posts = sorted(
        path for method, path in app_routes(app) if method == "POST" and not path.startswith("/v1")
    )
    assert "/history/delete" in posts
    for path in posts:
        url = path.format(session_id="0" * 32)
        response = client.post(url, data={"confirm": "delete-everything", "text": "x"})
        assert response.status_code == 403, path


def test_delete_everything_cannot_be_forged(app: FastAPI) -> None:
    client = TestClient(app)
    client.post("/draft/save", data={"text": "keep me", "csrf_token": _token(client)})
    forged = client.post("/history/delete", data={"confirm": "delete-everything"})
    assert forged.status_code == 403
    assert _drafts(app) == 1


def test_a_large_form_is_refused_before_it_is_read(make_app: Callable[..., FastAPI]) -> None:
    client = TestClient(make_app(max_request_bytes="1000"))
    token = _token(client)
    response = client.post("/draft", data={"text": "x" * 5000, "csrf_token": token})
    assert response.status_code == 413


# -- other sites ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
    ],
)
def test_a_cross_site_post_is_refused_even_with_a_token(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    token = _token(client)
    response = client.post("/draft/save", data={"text": "x", "csrf_token": token}, headers=headers)
    assert response.status_code == 403
    assert _drafts(app) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # our pages: no-referrer
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},
        {},
    ],
)
def test_our_own_pages_posts_pass(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    token = _token(client)
    response = client.post("/draft/save", data={"text": "x", "csrf_token": token}, headers=headers)
    assert response.status_code == 200


# -- the CSRF cookie ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "setting", "secure"),
    [
        ("http://testserver", None, False),
        ("https://testserver", None, True),
        ("http://testserver", "true", True),
    ],
)
def test_the_csrf_cookie_flags(
    make_app: Callable[..., FastAPI], base_url: str, setting: str | None, secure: bool
) -> None:
    app = make_app(**({"cookie_secure": setting} if setting else {}))
    response = TestClient(app, base_url=base_url).get("/draft")
    cookie = response.headers["set-cookie"]
    flags = [part.strip() for part in cookie.split(";")]
    assert flags[0].startswith(f"{CSRF_COOKIE}=")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(flags)
    assert ("Secure" in flags) is secure
    # Ends with the browser session: no lasting identifier for this browser.
    assert not any(f.startswith(("Max-Age", "Expires")) for f in flags)


def test_the_cookie_is_set_only_where_a_form_needs_it(app: FastAPI) -> None:
    client = TestClient(app)
    for path in ("/", "/help", "/healthz", "/static/coach.css", "/v1/stages"):
        assert "set-cookie" not in client.get(path).headers, path
    assert "set-cookie" in client.get("/draft").headers
    assert "set-cookie" not in client.get("/draft").headers  # kept, not renewed


# -- shared-server mode: tokens are bound to the sign-in ------------------------------------


def test_a_token_from_before_sign_in_is_refused_after_it(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(auth="tokens")
    issued = accounts.add_user(app.state.coach.store, name="kim")
    client = TestClient(app)
    anonymous = _token(client, "/login")
    client.post("/login", data={"token": issued.token, "csrf_token": anonymous})
    assert client.get("/history").status_code == 200
    stale = client.post("/draft/save", data={"text": "x", "csrf_token": anonymous})
    assert stale.status_code == 403
    fresh = client.post("/draft/save", data={"text": "x", "csrf_token": _token(client)})
    assert fresh.status_code == 200


def test_a_forged_sign_out_is_refused(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(auth="tokens")
    issued = accounts.add_user(app.state.coach.store, name="kim")
    client = BrowserClient(app)
    sign_in(client, issued.token)
    forged = client.post(
        "/logout", headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert client.get("/history", follow_redirects=False).status_code == 200


def test_login_itself_needs_the_token(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(auth="tokens")
    issued = accounts.add_user(app.state.coach.store, name="kim")
    client = TestClient(app)
    client.get("/login")
    # Login CSRF: another site signing this browser in to someone else's account.
    response = client.post("/login", data={"token": issued.token}, follow_redirects=False)
    assert response.status_code == 403
    assert "coach_session" not in response.headers.get("set-cookie", "")


# -- the JSON API: no form from another site gets through ----------------------------------


def _v1_writes(app: FastAPI) -> list[tuple[str, str]]:
    found = sorted(
        (method, path.format(session_id="0" * 32, exercise_id="exercise-x"))
        for method, path in app_routes(app)
        if path.startswith("/v1") and method not in ("GET", "HEAD", "OPTIONS")
    )
    assert ("DELETE", "/v1/me") in found
    return found


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
def test_form_bodies_to_the_api_are_refused(app: FastAPI, content_type: str) -> None:
    """What an HTML form on another site can send: refused on every /v1 write, 415."""
    client = TestClient(app)
    client.post("/v1/exercises/recommend", json={"description": "We argue.", "stage": "patterns"})
    for method, path in _v1_writes(app):
        response = client.request(
            method, path, content=b'{"text": "hi"}', headers={"Content-Type": content_type}
        )
        assert response.status_code == 415, (method, path)
        assert response.json()["error"]["code"] == "unsupported_media_type"
    assert client.get("/v1/me/export").json()["exercises"], "nothing was deleted"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed frame or a no-referrer page elsewhere
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
    ],
)
def test_cross_site_requests_to_the_api_are_refused(app: FastAPI, headers: dict) -> None:
    """``fetch(url, {mode: "no-cors"})`` sends no content type at all: Origin gives it away."""
    client = TestClient(app)
    client.post("/v1/exercises/recommend", json={"description": "We argue.", "stage": "patterns"})
    for method, path in _v1_writes(app):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 403, (method, path)
    assert client.get("/v1/me/export").json()["exercises"], "nothing was deleted"


def test_fastapi_reads_no_json_from_a_body_without_a_content_type(app: FastAPI) -> None:
    """A second line behind the Origin check: strict content types since FastAPI 0.12x."""
    client = TestClient(app)
    response = client.post(
        "/v1/drafts/analyze", content=b'{"text": "You never listen."}', headers={}
    )
    assert response.status_code == 422


def test_programs_and_trusted_origins_still_reach_the_api(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(cors_origins="https://app.example")
    client = TestClient(app)
    body = {"text": "You never listen."}
    assert client.post("/v1/drafts/analyze", json=body).status_code == 200  # curl, scripts
    trusted = {"Origin": "https://app.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/v1/drafts/analyze", json=body, headers=trusted).status_code == 200
    other = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/v1/drafts/analyze", json=body, headers=other).status_code == 403

"""Signing in: local mode needs none; shared-server mode needs a token or a session.

Covers the 401 shape and challenge, the public paths (help is never behind a
login), the login page, the session cookie's flags, server-side logout and
revocation, expiry, and that secrets are stored only as hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.requests import Request

from api.deps import get_user_id
from api.security import sessions
from api.security.cookies import SESSION_COOKIE
from coach.config import Settings
from coach.storage import accounts
from coach.storage.accounts import secret_hash
from coach.storage.records import LOCAL_USER
from coach.storage.tables import utc_now
from tests.api.browser import BrowserClient, sign_in

PUBLIC = ["/healthz", "/help", "/help?locale=GB", "/static/coach.css", "/static/coach.js"]
PUBLIC += ["/v1/resources", "/login", "/openapi.json"]
PROTECTED_PAGES = ["/", "/draft", "/exercises", "/practice", "/history", "/history/delete"]


@pytest.fixture
def make_app(make_app: Callable[..., FastAPI]) -> Callable[..., FastAPI]:
    """Every app here signs people in with tokens (the factory is in conftest.py)."""
    return partial(make_app, auth="tokens")


def _add(app: FastAPI, name: str = "sam") -> accounts.IssuedToken:
    return accounts.add_user(app.state.coach.store, name=name)


def _set_cookies(response_headers: list[str]) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response_headers}


# -- local mode: nothing changes ---------------------------------------------------------


def test_local_mode_needs_no_sign_in(client: TestClient) -> None:
    assert client.get("/v1/me/export").json()["user_id"] == LOCAL_USER
    assert client.get("/history").status_code == 200
    login = client.get("/login", follow_redirects=False)
    assert login.status_code == 303
    assert login.headers["location"] == "/"
    assert client.post("/logout", follow_redirects=False).headers["location"] == "/"
    assert "Sign out" not in client.get("/draft").text
    assert SESSION_COOKIE not in client.cookies


def test_user_dependency_fails_closed_without_the_middleware(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app()
    request = Request({"type": "http", "app": app, "headers": [], "state": {}})
    with pytest.raises(HTTPException) as refused:
        get_user_id(request, app.state.settings)
    assert refused.value.status_code == 401
    local = Settings(auth="local")
    assert get_user_id(Request({"type": "http", "headers": []}), local) == LOCAL_USER


# -- the API: bearer tokens ------------------------------------------------------------


def test_api_without_a_token_is_401_with_a_bearer_challenge(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.get("/v1/me/export")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="coach"'
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert "Bearer" in error["hint"]
    for method, path in [("POST", "/v1/drafts/analyze"), ("DELETE", "/v1/me")]:
        refused = client.request(method, path, json={"text": "hi"})
        assert refused.status_code == 401, path


@pytest.mark.parametrize(
    "header", ["Bearer coach_wrong", "Bearer ", "Basic c2FtOnB3", "coach_abc", "Bearer x y"]
)
def test_a_bad_token_is_401_invalid_token(app: FastAPI, header: str) -> None:
    _add(app)
    response = TestClient(app).get("/v1/me/export", headers={"Authorization": header})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "coach_wrong" not in response.text


def test_a_valid_token_acts_as_its_user(app: FastAPI) -> None:
    issued = _add(app)
    client = TestClient(app, headers={"Authorization": f"Bearer {issued.token}"})
    assert client.get("/v1/me/export").json()["user_id"] == issued.user_id
    assert client.post("/v1/drafts/analyze", json={"text": "You never call."}).status_code == 200
    # A bearer token works on pages too, and needs no CSRF token (no cookie is involved).
    assert client.get("/history").status_code == 200
    saved = client.post("/draft/save", data={"text": "You never call."})
    assert saved.status_code == 200
    assert len(client.get("/v1/me/export").json()["drafts"]) == 1


def test_a_bad_token_on_a_page_is_401_not_a_redirect(app: FastAPI) -> None:
    response = TestClient(app).get(
        "/history", headers={"Authorization": "Bearer coach_nope"}, follow_redirects=False
    )
    assert response.status_code == 401


# -- public paths ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC)
def test_help_and_health_never_need_a_login(app: FastAPI, path: str) -> None:
    response = TestClient(app).get(path, follow_redirects=False)
    assert response.status_code == 200, path


def test_help_works_with_a_stale_session_cookie(app: FastAPI) -> None:
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, "x" * 43, domain="testserver.local")
    assert client.get("/help", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_pages_redirect_to_login(app: FastAPI, path: str) -> None:
    response = TestClient(app).get(path + "?locale=GB", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + path.replace("/", "%2F") + (
        "%3Flocale%3DGB"
    )


def test_a_form_post_without_sign_in_changes_nothing(app: FastAPI) -> None:
    client = BrowserClient(app)
    response = client.post("/draft/save", data={"text": "hello"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with app.state.coach.store.session() as session:
        assert session.execute(text("select count(*) from drafts")).scalar() == 0


# -- the login page and the session cookie ---------------------------------------------


def test_login_page_is_a_clean_form(app: FastAPI) -> None:
    page = TestClient(app).get("/login?next=/history")
    assert page.status_code == 200
    assert 'name="token" type="password"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'name="next" value="/history"' in page.text
    assert 'href="/help"' in page.text


def test_a_wrong_token_renders_the_page_again_without_echo(app: FastAPI) -> None:
    _add(app)
    client = BrowserClient(app)
    response = client.post("/login", data={"token": "coach_guessed-wrong-123"})
    assert response.status_code == 401
    assert "did not work" in response.text
    assert "guessed-wrong-123" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_signing_in_sets_a_strict_session_cookie(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    response = client.post(
        "/login", data={"token": issued.token, "next": "/history"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/history"
    cookie = _set_cookies(response.headers.get_list("set-cookie"))[SESSION_COOKIE]
    flags = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in flags
    assert "SameSite=Strict" in flags
    assert "Path=/" in flags
    assert f"Max-Age={12 * 3600}" in flags
    assert "Secure" not in flags  # plain http, COACH_COOKIE_SECURE unset
    assert not any(f.lower().startswith("domain") for f in flags)
    page = client.get("/history")
    assert page.status_code == 200
    assert "Sign out" in page.text


@pytest.mark.parametrize(
    ("base_url", "setting", "secure"),
    [
        ("https://testserver", None, True),
        ("http://testserver", "true", True),
        ("https://testserver", "false", False),
    ],
)
def test_cookies_are_secure_on_https_or_when_configured(
    make_app: Callable[..., FastAPI], base_url: str, setting: str | None, secure: bool
) -> None:
    app = make_app(**({"cookie_secure": setting} if setting else {}))
    issued = _add(app)
    client = BrowserClient(app, base_url=base_url)
    response = client.post("/login", data={"token": issued.token}, follow_redirects=False)
    cookie = _set_cookies(response.headers.get_list("set-cookie"))[SESSION_COOKIE]
    assert ("; Secure" in cookie) is secure


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(app: FastAPI, target: str) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    response = client.post(
        "/login", data={"token": issued.token, "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


def test_signed_in_login_page_goes_on(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    sign_in(client, issued.token)
    response = client.get("/login?next=/practice", follow_redirects=False)
    assert response.headers["location"] == "/practice"


# -- ending sessions -----------------------------------------------------------------------


def _cookie(client: TestClient) -> str:
    return next(c.value for c in client.cookies.jar if c.name == SESSION_COOKIE)


def _replay(app: FastAPI, secret: str) -> int:
    """A fresh browser presenting a copied session cookie; the status of /history."""
    thief = TestClient(app)
    thief.cookies.set(SESSION_COOKIE, secret, domain="testserver.local")
    return thief.get("/history", follow_redirects=False).status_code


def test_logout_ends_the_session_on_the_server(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    sign_in(client, issued.token)
    secret = _cookie(client)
    assert _replay(app, secret) == 200
    confirm = client.get("/logout")
    assert confirm.status_code == 200
    assert 'action="/logout"' in confirm.text
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?signed_out=1"
    cleared = _set_cookies(response.headers.get_list("set-cookie"))[SESSION_COOKIE]
    assert "Max-Age=0" in cleared
    assert _replay(app, secret) == 303  # a copy of the cookie is worthless now
    assert "You are signed out" in client.get("/login?signed_out=1").text


def test_revoking_a_token_ends_its_sessions_and_its_api_access(app: FastAPI) -> None:
    store = app.state.coach.store
    first = _add(app)
    second = accounts.issue_token(store, name="sam")
    browser_one, browser_two = BrowserClient(app), BrowserClient(app)
    sign_in(browser_one, first.token)
    sign_in(browser_two, second.token)

    assert accounts.revoke(store, name="sam", token_id=first.token_id) == 1
    assert browser_one.get("/history", follow_redirects=False).status_code == 303
    assert browser_two.get("/history", follow_redirects=False).status_code == 200
    api = TestClient(app)
    revoked = api.get("/v1/me/export", headers={"Authorization": f"Bearer {first.token}"})
    assert revoked.status_code == 401
    ok = api.get("/v1/me/export", headers={"Authorization": f"Bearer {second.token}"})
    assert ok.status_code == 200

    accounts.revoke(store, name="sam")
    assert browser_two.get("/history", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused(app: FastAPI) -> None:
    issued = _add(app)
    store = app.state.coach.store
    stale = sessions.start_session(
        store, token=issued.token, lifetime=timedelta(hours=1), now=utc_now() - timedelta(hours=2)
    )
    assert stale is not None
    assert _replay(app, stale.secret) == 303
    fresh = sessions.start_session(store, token=issued.token, lifetime=timedelta(hours=1))
    assert fresh is not None
    assert _replay(app, fresh.secret) == 200


def test_removing_a_user_ends_everything(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    sign_in(client, issued.token)
    accounts.remove_user(app.state.coach.store, name="sam")
    assert client.get("/history", follow_redirects=False).status_code == 303
    bearer = {"Authorization": f"Bearer {issued.token}"}
    assert TestClient(app).get("/v1/me/export", headers=bearer).status_code == 401


# -- the browser session on the JSON API ----------------------------------------------------


def test_a_session_may_call_the_api_only_from_our_own_pages(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    sign_in(client, issued.token)
    assert client.get("/v1/me/export").json()["user_id"] == issued.user_id
    same = {"Sec-Fetch-Site": "same-origin"}
    body = {"text": "You never call."}
    assert client.post("/v1/drafts/analyze", json=body, headers=same).status_code == 200
    origin = {"Origin": "http://testserver"}
    assert client.post("/v1/drafts/analyze", json=body, headers=origin).status_code == 200
    # No proof of where it came from: refused, since the cookie is the only credential.
    refused = client.post("/v1/drafts/analyze", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


# -- secrets at rest -------------------------------------------------------------------------


def _database_bytes(app: FastAPI) -> bytes:
    path = Path(app.state.settings.effective_database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_only_hashes_of_tokens_and_sessions_are_stored(app: FastAPI) -> None:
    issued = _add(app)
    client = BrowserClient(app)
    sign_in(client, issued.token)
    secret = _cookie(client)
    stored = _database_bytes(app)
    assert issued.token.encode() not in stored
    assert secret.encode() not in stored
    assert secret_hash(secret).encode() in stored
    assert secret_hash(issued.token).encode() in stored
    assert re.fullmatch(r"coach_[A-Za-z0-9_-]{43}", issued.token)

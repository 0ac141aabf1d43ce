"""A test client that posts forms the way Coach's own pages do: with the CSRF token.

Tests of the pages' behaviour use it so they need not fetch a form first; the
CSRF tests themselves (``test_csrf.py``) use a plain ``TestClient`` to prove what
happens without the token.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from api.security.cookies import CSRF_COOKIE, SESSION_COOKIE
from api.security.csrf import FIELD, form_token

_SAFE = {"GET", "HEAD", "OPTIONS"}


class BrowserClient(TestClient):
    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        path = urlsplit(str(url)).path
        is_page_form = (
            method.upper() not in _SAFE
            and not path.startswith("/v1")
            and kwargs.get("content") is None
            and kwargs.get("json") is None
        )
        if is_page_form:
            data = dict(kwargs.get("data") or {})
            data.setdefault(FIELD, self.csrf_token())
            kwargs["data"] = data
        return super().request(method, url, **kwargs)

    def _cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies.jar if c.name == name), None)

    def csrf_token(self) -> str:
        """The token this browser's pages would carry, making its CSRF cookie if needed."""
        secret = self._cookie(CSRF_COOKIE)
        if secret is None:
            secret = secrets.token_urlsafe(32)
            host = self.base_url.host
            # The cookie jar files dotless hosts (testserver) under "<host>.local".
            self.cookies.set(CSRF_COOKIE, secret, domain=host if "." in host else f"{host}.local")
        return form_token(secret, self._cookie(SESSION_COOKIE))


def sign_in(client: BrowserClient, token: str) -> None:
    """Sign a browser in through the login form, as a person would."""
    response = client.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.status_code

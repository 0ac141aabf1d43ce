"""CSRF tokens for the web pages' forms.

Each browser gets a random secret in the ``coach_csrf`` cookie. A form's token is
an HMAC of that secret and of the session cookie, if the browser has one:

    token = HMAC-SHA256(key=browser secret, "coach-csrf" + session cookie)

Another site can make a browser send a request (and an old browser, the cookies
with it), but it can read neither the cookies nor our pages, so it cannot put the
right token in its form. Binding the session cookie means a CSRF cookie planted
from a sibling host still gives no valid token for someone's sign-in, and signing
in or out turns tokens from before into refusals. Pages get the hidden input from
the Jinja global ``csrf_input()``; the middleware checks it on every non-GET
request outside ``/v1``.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from api.security.cookies import CSRF_COOKIE, cookie_header

FIELD = "csrf_token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what secrets.token_urlsafe(32) makes


def form_token(browser_secret: str, session_secret: str | None) -> str:
    mac = hmac.new(
        browser_secret.encode(), b"coach-csrf\x00" + (session_secret or "").encode(), "sha256"
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


class CsrfState:
    """This request's browser secret and token; remembers whether a page used the token.

    A new secret is sent as a cookie only if the response handed out a token (a page
    with a form), so plain pages and downloads set no cookie.
    """

    def __init__(self, cookie: str | None, session_secret: str | None) -> None:
        self.is_new = cookie is None or not _SECRET.match(cookie)
        self.browser_secret = secrets.token_urlsafe(32) if self.is_new else str(cookie)
        self._expected = form_token(self.browser_secret, session_secret)
        self.used = False

    @property
    def token(self) -> str:
        self.used = True
        return self._expected

    def accepts(self, given: str | None) -> bool:
        # A brand-new secret has never been in a page, so nothing can match it.
        if self.is_new or not given:
            return False
        return hmac.compare_digest(given.encode(), self._expected.encode())

    def cookie_sender(self, send: Send, *, secure: bool) -> Send:
        """Wrap ``send`` so a new secret goes out as a cookie when a page used it."""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and self.is_new and self.used:
                value = cookie_header(CSRF_COOKIE, self.browser_secret, secure=secure)
                message["headers"] = [*message.get("headers", []), (b"set-cookie", value.encode())]
            await send(message)

        return send_with_cookie


async def submitted_token(scope: Scope, body: bytes) -> str | None:
    """The ``csrf_token`` field of a form body (urlencoded or multipart), if any."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception:  # a malformed body has no token; the refusal says enough
        return None
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already-read body once, then the real channel.

    The real channel still reports the client going away (``http.disconnect``).
    """
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def _state(context: Any) -> dict[str, Any]:
    return context["request"].scope.get("state") or {}


@pass_context
def csrf_input(context: Any) -> Markup:
    """``{{ csrf_input() }}`` in a POST form: the hidden field with this browser's token."""
    state = _state(context).get("csrf")
    if state is None:
        raise RuntimeError("csrf_input() needs api.security.install_security(app).")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, state.token)


@pass_context
def signed_in(context: Any) -> bool:
    """True when a person is signed in with a browser session (so a sign-out makes sense)."""
    return _state(context).get("auth_via") == "session"

"""The two cookies Coach sets, and the flags every one of them carries.

``coach_session`` holds a browser sign-in (shared-server mode only); ``coach_csrf``
holds the per-browser secret behind the forms' CSRF tokens. Both are HttpOnly (no
script reads them), SameSite=Strict (another site's page never sends them), Path=/,
and Secure on https (or as ``COACH_COOKIE_SECURE`` says, for a TLS proxy in front).
"""

from __future__ import annotations

from starlette.types import Scope

from api.settings import WebSettings

SESSION_COOKIE = "coach_session"
CSRF_COOKIE = "coach_csrf"


def secure_cookies(web: WebSettings, scope: Scope) -> bool:
    """``COACH_COOKIE_SECURE`` when set, else whether this request came over https."""
    if web.cookie_secure is not None:
        return web.cookie_secure
    return scope.get("scheme") == "https"


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    """A ``Set-Cookie`` value. Without ``max_age`` the cookie ends with the browser session.

    ``value`` is always our own URL-safe random text, so it needs no quoting.
    """
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie_header(name: str, *, secure: bool) -> str:
    """Tell the browser to forget a cookie at once."""
    return cookie_header(name, "", secure=secure, max_age=0) + (
        "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )

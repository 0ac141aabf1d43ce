"""Is this request from one of our own pages? What the browser's headers say.

Two signals, strongest first. ``Sec-Fetch-Site`` is set by the browser itself and
no page can forge it; current Chromium, Firefox and Safari send it. ``Origin`` is
sent by every browser on a POST from another origin, but our own pages send
``Origin: null`` on form posts (their ``Referrer-Policy: no-referrer`` asks for
that), so a null origin proves nothing either way. Clients that are not browsers
(curl, scripts) send neither header: they are not the victims of cross-site forgery.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers


def _netloc(origin: str) -> str:
    return urlsplit(origin).netloc.lower()


def is_cross_site(
    headers: Headers, *, trusted: Collection[str] = (), null_is_cross_site: bool = False
) -> bool:
    """True when the browser says another site's page made this request.

    ``trusted`` origins (``COACH_CORS_ORIGINS``) are allowed like our own. Set
    ``null_is_cross_site`` where our own pages never send ``Origin: null`` (the
    JSON API, which only our scripts call, with a real origin).
    """
    origin = headers.get("origin")
    if origin and origin.rstrip("/") in trusted:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        # "none" is the person's own action (a bookmark, the address bar).
        return fetch_site not in ("same-origin", "none")
    if origin == "null":
        return null_is_cross_site
    if not origin:
        return False
    return _netloc(origin) != (headers.get("host") or "").lower()


def is_same_origin(headers: Headers) -> bool:
    """True only with positive proof the request came from a page of this very origin."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = headers.get("origin")
    if not origin or origin == "null":
        return False
    return _netloc(origin) == (headers.get("host") or "").lower()


def is_json_request(headers: Headers) -> bool:
    """True unless the body claims a type other than JSON.

    An HTML form can only send urlencoded, multipart or text/plain bodies; a page on
    another site cannot send ``application/json`` without the browser asking us first
    (a CORS preflight we do not grant). No content type at all is allowed: FastAPI
    then reads no JSON from the body, so a route gets nothing it could act on.
    """
    content_type = headers.get("content-type")
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )

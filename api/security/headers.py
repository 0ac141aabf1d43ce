"""Security headers on every response: pages, JSON, errors, 404s, 413s, 429s, static files, streams.

Why one pure-ASGI middleware rather than headers set by each route: a header set
per route is missed wherever a response is made somewhere else (the exception
handlers, the body limit, the rate limit, Starlette's own 404 and 500). The app
installs this outermost, around even the server-error handler (see ``api.app``).

Headers a response already carries win: a route that knows better keeps its own
value (static files are ``no-cache`` so the browser may keep them and revalidate;
everything else is ``no-store`` because it may carry someone's private words).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages: scripts and styles only from our own origin, no inline code, no CDN, no
# fonts. form-action stays on our origin; the quick exit is a link, not a form.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# JSON, event streams, static files, redirects: nothing may load from them or frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# Only for the Swagger UI, which is off unless COACH_API_DOCS is set: FastAPI's page
# starts the UI with an inline script and loads it from a CDN.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

ALWAYS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Coach needs no device features; a page that asks for one is not ours.
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Cache-Control": "no-store",
}


def content_security_policy(path: str, content_type: str, docs_path: str | None) -> str:
    """The policy for one response: relaxed for the docs, the pages' for HTML, else none."""
    if docs_path and (path == docs_path or path.startswith(f"{docs_path}/")):
        return DOCS_CSP
    if content_type.startswith("text/html"):
        return PAGE_CSP
    return API_CSP


class SecurityHeadersMiddleware:
    """Add :data:`ALWAYS` and a Content-Security-Policy to each HTTP response start."""

    def __init__(self, app: ASGIApp, *, docs_path: str | None = None) -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                policy = content_security_policy(
                    path, headers.get("content-type", ""), self.docs_path
                )
                headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

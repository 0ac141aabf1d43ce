"""One pure-ASGI middleware that decides, before any route runs, whether a request may.

In order:

1. A state-changing request (not GET/HEAD/OPTIONS) that a browser says comes from
   another site's page is refused with 403. On ``/v1`` its body must also be JSON
   (415 otherwise): an HTML form on another site cannot send JSON.
2. Identification (:mod:`api.security.auth`). The user id goes into
   ``request.state.user_id``, where ``api.deps.get_user_id`` and the rate limit
   read it. Without one, outside the public paths: ``/v1`` answers 401 with
   ``WWW-Authenticate: Bearer``, pages redirect to ``/login``. A browser session
   may call ``/v1`` only from our own origin.
3. Pages (everything outside ``/v1``) get a CSRF state; their state-changing
   requests must carry the form's ``csrf_token`` (403 page otherwise), unless
   they came with a bearer token, which no other site can make a browser send.

Nothing here reads, logs or echoes what a person wrote: the form body is parsed
only for its token and handed on unchanged.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import JSONResponse, RedirectResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import STATUS_BY_CODE, error_body
from api.pages.render import render
from api.security import auth
from api.security.cookies import CSRF_COOKIE, SESSION_COOKIE, secure_cookies
from api.security.csrf import CsrfState, replaying, submitted_token
from api.security.origin import is_cross_site, is_json_request, is_same_origin
from coach.errors import CoachError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class _TooLargeError(Exception):
    pass


class _DisconnectedError(Exception):
    pass


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        api = auth.is_api(scope["path"])
        unsafe = scope["method"] not in SAFE_METHODS
        state = scope.setdefault("state", {})
        caller = auth.ANONYMOUS
        refusal = _method_refusal(request)  # every method: Allow lists all of them
        refusal = refusal or self._origin_refusal(request, api=api, unsafe=unsafe)
        if refusal is None:
            identified = await _identify(request)
            if isinstance(identified, Response):
                refusal = identified
            else:
                caller = identified
                state["user_id"] = caller.user_id
                state["auth_via"] = caller.via
                refusal = _access_refusal(request, caller, api=api, unsafe=unsafe)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if not api:
            piped = await _page_forms(request, caller, receive, send, unsafe=unsafe)
            if not isinstance(piped, tuple):
                if piped is not None:
                    await piped(scope, receive, send)
                return  # refused, or the client went away mid-body
            receive, send = piped
        await self.app(scope, receive, send)

    def _origin_refusal(self, request: Request, *, api: bool, unsafe: bool) -> Response | None:
        """Step 1: another site's page may change nothing; the API takes only JSON."""
        web = request.app.state.web
        if unsafe and is_cross_site(
            request.headers, trusted=web.cors_origins if api else (), null_is_cross_site=api
        ):
            return self._refuse_cross_site(request, api)
        if unsafe and api and not is_json_request(request.headers):
            return _json_error(
                415,
                "unsupported_media_type",
                "This API takes JSON.",
                hint="Send the body with Content-Type: application/json.",
            )
        return None

    def _refuse_cross_site(self, request: Request, api: bool) -> Response:
        if api:
            return _json_error(
                403,
                "forbidden",
                "Requests from other websites cannot change anything here.",
                hint="Call the API from a program, or from Coach's own pages.",
            )
        request.scope.setdefault("state", {})["csrf"] = CsrfState(None, None)
        return _csrf_failed(request)


def _method_refusal(request: Request) -> Response | None:
    """405 for a method the address does not take, before any CSRF or sign-in check.

    For every method (OPTIONS and TRACE too), so ``Allow`` lists every route on the
    address: Starlette's own 405 names only the first route that matched the path.

    Otherwise an unknown method on a page would be refused as a forged form (403),
    which tells a client the wrong thing. Addresses no route knows go on (to a 404).
    """
    allowed: set[str] = set()
    for route in getattr(request.app.state, "routes", request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return None
        if match == Match.PARTIAL:
            allowed |= getattr(route, "methods", None) or set()
    if not allowed:
        return None
    response = _json_error(405, "method_not_allowed", "This address does not take that method.")
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


async def _identify(request: Request) -> auth.Caller | Response:
    """Step 2: who is asking; a database failure refuses all but the public paths."""
    path = request.scope["path"]
    try:
        return await auth.identify(request, request.app.state.settings)
    except CoachError as exc:
        if not auth.is_public(path):
            status = STATUS_BY_CODE.get(exc.code, 500)
            return _json_error(status, exc.code, exc.message, hint=exc.hint)
        return auth.ANONYMOUS  # help stays reachable while the database is down


def _access_refusal(
    request: Request, caller: auth.Caller, *, api: bool, unsafe: bool
) -> Response | None:
    """Nobody signed in outside the public paths, or a browser session off our origin."""
    scope = request.scope
    if (
        caller.user_id is None
        and not auth.is_public(scope["path"])
        and scope["method"] != "OPTIONS"
    ):
        return _sign_in_needed(request, api, caller)
    if api and unsafe and caller.via == "session" and not is_same_origin(request.headers):
        return _json_error(
            403, "forbidden", "A browser session can only call the API from Coach's own pages."
        )
    return None


async def _page_forms(
    request: Request, caller: auth.Caller, receive: Receive, send: Send, *, unsafe: bool
) -> tuple[Receive, Send] | Response | None:
    """Step 3, pages only: the CSRF state, and a checked form for a state-changing request.

    The body and the sender to use from here on; or the refusal; or None when the
    client went away mid-body.
    """
    settings, web = request.app.state.settings, request.app.state.web
    # Bound to the session cookie as sent, valid or not, so a form rendered just
    # before a session expired still signs out cleanly instead of failing.
    session = request.cookies.get(SESSION_COOKIE) if settings.auth == "tokens" else None
    csrf = CsrfState(request.cookies.get(CSRF_COOKIE), session)
    request.scope["state"]["csrf"] = csrf
    if unsafe and caller.via != "bearer":
        checked = await _checked_form(request, csrf, receive, web.max_request_bytes)
        if checked is None or isinstance(checked, Response):
            return checked
        receive = checked
    return receive, csrf.cookie_sender(send, secure=secure_cookies(web, request.scope))


async def _checked_form(
    request: Request, csrf: CsrfState, receive: Receive, limit: int
) -> Receive | Response | None:
    """Read the form, check its token; the body for the route again, or the refusal."""
    try:
        body = await _read_body(receive, limit)
    except _DisconnectedError:
        return None
    except _TooLargeError:
        return _json_error(
            413, "payload_too_large", f"The request body is larger than the limit of {limit} bytes."
        )
    if not csrf.accepts(await submitted_token(request.scope, body)):
        return _csrf_failed(request)
    return replaying(body, receive)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise _DisconnectedError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _json_error(status: int, code: str, message: str, *, hint: str | None = None) -> Response:
    return JSONResponse(error_body(code, message, hint), status_code=status)


def _sign_in_needed(request: Request, api: bool, caller: auth.Caller) -> Response:
    if api or caller.bad_credentials:
        challenge = 'Bearer realm="coach"'
        if caller.bad_credentials:
            challenge += ', error="invalid_token"'
        message = (
            "That API token is not valid (or it was revoked)."
            if caller.bad_credentials
            else "This server needs an API token."
        )
        response = _json_error(
            401,
            "unauthorized",
            message,
            hint="Send Authorization: Bearer <token>; `coach users token NAME` issues one.",
        )
        response.headers["WWW-Authenticate"] = challenge
        return response
    target = "/login"
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(here, safe="")
    return RedirectResponse(target, status_code=303)


def _csrf_failed(request: Request) -> Response:
    # Rendered like every page (help link, quick exit); it quotes nothing that was sent.
    return render(request, "csrf_failed.html", status_code=403)

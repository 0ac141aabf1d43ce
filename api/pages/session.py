"""Signing in and out of a shared server (``COACH_AUTH=tokens``) in the browser.

A person pastes one of their API tokens on ``/login``; Coach checks it, opens a
server-side session and sets only the session's random id as a cookie. The
database keeps a hash of that id, so ``/logout`` (or revoking the token) ends the
session for every worker at once, and a copied cookie stops working too.

In local mode there is nobody to sign in: both pages send the person home.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import CoachDep, SettingsDep, WebDep
from api.pages.render import render
from api.security import sessions
from api.security.auth import session_lifetime
from api.security.cookies import (
    SESSION_COOKIE,
    clear_cookie_header,
    cookie_header,
    secure_cookies,
)

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(c in value for c in "\r\n\t\\")
    ):
        return "/"
    return value


def _signed_in(request: Request) -> bool:
    return getattr(request.state, "auth_via", None) == "session"


@router.get("/login", response_model=None)
def login_page(
    request: Request, settings: SettingsDep, next: str = "/", signed_out: str | None = None
) -> Response:
    if settings.auth == "local":
        return RedirectResponse("/", status_code=303)
    if _signed_in(request):
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next), "signed_out": signed_out == "1"}
    return render(request, "login.html", context)


@router.post("/login", response_model=None)
async def login(
    request: Request,
    coach: CoachDep,
    settings: SettingsDep,
    web: WebDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the token and open a session; a wrong token gets the page again, unechoed."""
    if settings.auth == "local":
        return RedirectResponse("/", status_code=303)
    opened = await run_in_threadpool(
        sessions.start_session,
        coach.store,
        token=token.strip(),
        lifetime=session_lifetime(web),
    )
    if opened is None:
        error = {
            "message": "That token did not work.",
            "hint": "Paste the whole token, starting with coach_. It may have been revoked.",
        }
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "signed_out": False, "error": error},
            status_code=401,
        )
    # A session this browser had before (another account) ends: one sign-in at a time.
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await run_in_threadpool(sessions.end_session, coach.store, secret=old)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.headers.append(
        "set-cookie",
        cookie_header(
            SESSION_COOKIE,
            opened.secret,
            secure=secure_cookies(web, request.scope),
            max_age=web.session_hours * 3600,
        ),
    )
    return response


@router.get("/logout", response_model=None)
def logout_page(request: Request, settings: SettingsDep) -> Response:
    """A page with the sign-out button: following a link never signs anyone out."""
    if settings.auth == "local":
        return RedirectResponse("/", status_code=303)
    if not _signed_in(request):
        return RedirectResponse("/login", status_code=303)
    return render(request, "logout.html")


@router.post("/logout", response_model=None)
async def logout(request: Request, coach: CoachDep, settings: SettingsDep, web: WebDep) -> Response:
    """End the session in the database and drop the cookie."""
    if settings.auth == "local":
        return RedirectResponse("/", status_code=303)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await run_in_threadpool(sessions.end_session, coach.store, secret=secret)
    # Post/redirect/get: the login page then renders tokens for a browser with no session.
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.headers.append(
        "set-cookie",
        clear_cookie_header(SESSION_COOKIE, secure=secure_cookies(web, request.scope)),
    )
    return response

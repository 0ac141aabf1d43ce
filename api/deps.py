"""FastAPI dependencies: the boundaries routes receive instead of importing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.settings import WebSettings
from coach.config import Settings
from coach.service import Coach
from coach.storage.records import LOCAL_USER


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_web_settings(request: Request) -> WebSettings:
    return request.app.state.web


def get_coach(request: Request) -> Coach:
    return request.app.state.coach


def get_user_id(request: Request, settings: Annotated[Settings, Depends(get_app_settings)]) -> str:
    """The person this request acts for, as ``api.security`` identified them.

    Local mode: always the one local person. Shared-server mode: the signed-in
    account; the middleware has already turned everyone else away, and if it was
    somehow not installed this refuses rather than guess (fail closed).
    """
    user_id = getattr(request.state, "user_id", None)
    if user_id:
        return str(user_id)
    if settings.auth == "local":
        return LOCAL_USER
    raise HTTPException(
        status_code=401, detail="Sign in first.", headers={"WWW-Authenticate": "Bearer"}
    )


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
WebDep = Annotated[WebSettings, Depends(get_web_settings)]
CoachDep = Annotated[Coach, Depends(get_coach)]
UserDep = Annotated[str, Depends(get_user_id)]

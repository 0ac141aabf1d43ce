"""FastAPI dependencies: the boundaries routes receive instead of importing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coach.config import Settings
from coach.service import Coach
from coach.store import LOCAL_USER


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_coach(request: Request) -> Coach:
    return request.app.state.coach


def get_user_id() -> str:
    """Single-user local mode: everything belongs to the local user."""
    return LOCAL_USER


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CoachDep = Annotated[Coach, Depends(get_coach)]
UserDep = Annotated[str, Depends(get_user_id)]

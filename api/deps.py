"""FastAPI dependencies: the boundaries routes receive instead of importing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coach.config import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]

"""Liveness and engine mode."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SettingsDep
from coach.__about__ import __version__

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    engine: str


@router.get("/healthz", response_model=Health)
def healthz(settings: SettingsDep) -> Health:
    """Answers 200 while the server runs; ``engine`` is ``offline`` or ``llm:<model>``."""
    return Health(status="ok", version=__version__, engine=settings.engine_mode)

"""Liveness and engine mode."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CoachDep

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    engine: str
    saving: bool = Field(description="False in don't-save mode: nothing outlives the server.")
    retention_days: int | None = Field(
        default=None, description="Stored data older than this many days is deleted."
    )


@router.get("/healthz", response_model=Health)
def healthz(coach: CoachDep) -> Health:
    """Answers 200 while the server runs; ``engine`` is ``offline`` or ``llm:<model>``."""
    return Health(status="ok", **coach.status().model_dump())

"""Liveness and engine mode."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import CoachDep
from coach.service import Finding

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="'degraded': the server runs (help and the safety screen answer) but a "
        "part is broken; ``problems`` says what and how to recover."
    )
    version: str
    engine: str
    saving: bool = Field(description="False in don't-save mode: nothing outlives the server.")
    retention_days: int | None = Field(
        default=None, description="Stored data older than this many days is deleted."
    )
    problems: list[Finding] = Field(
        default_factory=list, description="Each broken part, in plain words, with its fix."
    )


@router.get("/healthz", response_model=Health)
async def healthz(coach: CoachDep) -> Health:
    """Answers 200 while the server runs; ``engine`` is ``offline`` or ``llm:<model>``."""
    status = await run_in_threadpool(coach.status)
    return Health(**status.model_dump())

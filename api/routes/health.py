"""Liveness, readiness and engine mode."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.deps import CoachDep
from coach import __version__
from coach.service import Finding

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: Literal["ok", "degraded", "warming"] = Field(
        description="'warming': models and index still loading (503). 'degraded': the "
        "server runs (help and the safety screen answer) but a part is broken; "
        "``problems`` says what and how to recover."
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


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(coach: CoachDep, request: Request, response: Response) -> Health:
    """200 ``ok`` (or ``degraded``) once the server is ready; ``engine`` is ``offline``
    or ``llm:<model>``.

    While a server started with warm-up (``coach serve``) is still loading its models
    and index, 503 with ``status: warming``, so launchers and load balancers wait. A sync
    route: FastAPI runs it in its thread pool, so a slow database check blocks nobody.
    """
    warmed = getattr(request.app.state, "warmed", None)
    if warmed is not None and not warmed.is_set():
        response.status_code = 503
        # Not coach.status(): its database check would race the warm-up's migration.
        settings = coach.settings
        return Health(
            status="warming",
            version=__version__,
            engine=settings.engine_mode,
            saving=not settings.dont_save,
            retention_days=settings.retention_days,
        )
    return Health(**coach.status().model_dump())

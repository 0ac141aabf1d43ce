"""Liveness and engine mode."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
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


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(coach: CoachDep, request: Request, response: Response) -> Health:
    """200 ``ok`` once the server is ready; ``engine`` is ``offline`` or ``llm:<model>``.

    While a server started with warm-up (``coach serve``) is still loading its models
    and index, 503 with ``status: warming``, so launchers and load balancers wait.
    """
    warmed = getattr(request.app.state, "warmed", None)
    if warmed is not None and not warmed.is_set():
        response.status_code = 503
        return Health(status="warming", **coach.status().model_dump())
    return Health(status="ok", **coach.status().model_dump())

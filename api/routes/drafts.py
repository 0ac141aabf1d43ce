"""Job 1: check a draft message and rewrite it as an "I" statement."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import CoachDep
from coach.service import DraftResult

router = APIRouter(prefix="/v1/drafts", tags=["drafts"])


class DraftRequest(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description="The message to check.")
    locale: str | None = Field(default=None, max_length=8, description="Country for resources.")


@router.post("/analyze", response_model=DraftResult, response_model_exclude_none=True)
async def analyze_draft(body: DraftRequest, coach: CoachDep) -> DraftResult:
    """Find blame, criticism, contempt, defensiveness and stonewalling, with spans and why."""
    return await run_in_threadpool(coach.analyze_draft, body.text, locale=body.locale)


@router.post("/rewrite", response_model=DraftResult, response_model_exclude_none=True)
async def rewrite_draft(body: DraftRequest, coach: CoachDep) -> DraftResult:
    """The analysis plus an I-statement scaffold and rewrites; safety response if urgent."""
    return await run_in_threadpool(coach.rewrite_draft, body.text, locale=body.locale)

"""Job 1: check a draft message and rewrite it as an "I" statement, or stream the rewrites.

The streamed route sends server-sent events (see :mod:`coach.drafts.stream`):
``safety`` and nothing else for an urgent message, else ``token``s, maybe
``retract``, then ``done`` with the result that passed every check. Bad input is a
plain JSON error before any stream starts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from api.deps import CoachDep
from api.limits import JobText
from coach.service import DraftResult, RewriteOptions, StreamStep

router = APIRouter(prefix="/v1/drafts", tags=["drafts"])


class DraftRequest(BaseModel):
    text: JobText = Field(description="The message to check.")
    locale: str | None = Field(default=None, max_length=8, description="Country for resources.")


class RewriteRequest(DraftRequest):
    keep_apology: bool = Field(default=True, description="Keep your apology in every version.")
    shorter: bool = Field(default=False, description="Prefer a short text and a direct version.")
    softer: bool = Field(default=False, description="Prefer a gentle version and a softer ask.")

    def options(self) -> RewriteOptions:
        return RewriteOptions(
            keep_apology=self.keep_apology, shorter=self.shorter, softer=self.softer
        )


@router.post("/analyze", response_model=DraftResult, response_model_exclude_none=True)
async def analyze_draft(body: DraftRequest, coach: CoachDep) -> DraftResult:
    """Find blame, criticism, contempt, defensiveness and stonewalling, with spans and why."""
    return await run_in_threadpool(coach.analyze_draft, body.text, locale=body.locale)


@router.post("/rewrite", response_model=DraftResult, response_model_exclude_none=True)
async def rewrite_draft(body: RewriteRequest, coach: CoachDep) -> DraftResult:
    """The analysis, a verdict (good_to_send, rewritten, not_built) and the rewrites.

    The rewrites are the person's message with the blame taken out: their facts,
    apology and request kept, nothing invented. Safety response only, if urgent.
    """
    return await run_in_threadpool(
        coach.rewrite_draft, body.text, locale=body.locale, options=body.options()
    )


@router.post("/rewrite/stream", response_class=EventSourceResponse)
async def rewrite_draft_stream(body: RewriteRequest, coach: CoachDep) -> EventSourceResponse:
    """Rewrites as server-sent events: ``token``s, maybe ``retract``, then ``done``."""
    stream = await run_in_threadpool(
        coach.rewrite_draft_stream, body.text, locale=body.locale, options=body.options()
    )
    return EventSourceResponse(_events(stream.steps()))


async def _events(steps: AsyncIterator[StreamStep]) -> AsyncIterator[dict[str, str]]:
    async for step in steps:
        yield {"event": step.name, "data": json.dumps(step.data, ensure_ascii=False)}

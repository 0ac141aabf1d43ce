"""Job 3: practise a reconciliation conversation with a simulated partner."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import CoachDep, UserDep
from api.downloads import practice_download
from api.limits import JobText
from coach.service import (
    HintResult,
    PracticeSession,
    PracticeStart,
    PracticeSummary,
    SessionListItem,
    TurnResult,
    UndoResult,
)

router = APIRouter(tags=["practice"])


class StartRequest(BaseModel):
    scenario: JobText
    goal: JobText
    persona: Literal["defensive", "hurt_withdrawn", "skeptical", "open_cautious"]
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    locale: str | None = Field(default=None, max_length=8)


class TurnRequest(BaseModel):
    text: JobText
    locale: str | None = Field(default=None, max_length=8)


@router.post("/v1/practice", response_model=PracticeStart, response_model_exclude_none=True)
async def start(body: StartRequest, coach: CoachDep, user_id: UserDep) -> PracticeStart:
    """Open a session (a scenario that describes abuse gets the safety response instead)."""
    return await run_in_threadpool(
        coach.start_practice,
        scenario=body.scenario,
        goal=body.goal,
        persona=body.persona,
        user_id=user_id,
        seed=body.seed,
        locale=body.locale,
    )


@router.get("/v1/practice", response_model=list[SessionListItem])
async def list_sessions(coach: CoachDep, user_id: UserDep) -> list[SessionListItem]:
    return await run_in_threadpool(coach.practice_sessions, user_id=user_id)


@router.get("/v1/practice/{session_id}", response_model=PracticeSession)
async def get_session(session_id: str, coach: CoachDep, user_id: UserDep) -> PracticeSession:
    return await run_in_threadpool(coach.practice_session, session_id, user_id=user_id)


@router.post("/v1/practice/{session_id}/turns", response_model=TurnResult)
async def take_turn(
    session_id: str, body: TurnRequest, coach: CoachDep, user_id: UserDep
) -> TurnResult:
    """Feedback on what you said and the simulated partner's reply (or the safety response)."""
    return await run_in_threadpool(
        coach.take_practice_turn, session_id, body.text, user_id=user_id, locale=body.locale
    )


@router.post("/v1/practice/{session_id}/hint", response_model=HintResult)
async def hint(session_id: str, coach: CoachDep, user_id: UserDep) -> HintResult:
    return await run_in_threadpool(coach.practice_hint, session_id, user_id=user_id)


@router.post("/v1/practice/{session_id}/undo", response_model=UndoResult)
async def undo(session_id: str, coach: CoachDep, user_id: UserDep) -> UndoResult:
    return await run_in_threadpool(coach.undo_practice_turn, session_id, user_id=user_id)


@router.post("/v1/practice/{session_id}/end", response_model=PracticeSummary)
async def end(session_id: str, coach: CoachDep, user_id: UserDep) -> PracticeSummary:
    return await run_in_threadpool(coach.end_practice, session_id, user_id=user_id)


@router.get("/v1/practice/{session_id}/export")
async def export(
    session_id: str,
    coach: CoachDep,
    user_id: UserDep,
    fmt: Literal["json", "markdown"] = Query(default="json", alias="format"),
) -> Response:
    """The session as JSON or a Markdown transcript, as a download."""
    body = await run_in_threadpool(
        coach.export_practice_session, session_id, user_id=user_id, fmt=fmt
    )
    return practice_download(body, session_id, fmt)


@router.delete("/v1/practice/{session_id}", status_code=204)
async def delete(session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    await run_in_threadpool(coach.delete_practice_session, session_id, user_id=user_id)
    return Response(status_code=204)

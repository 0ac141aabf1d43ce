"""Job 2: stage-aware exercises."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import CoachDep, UserDep
from api.limits import JobText
from coach.service import ExerciseCard, ExerciseEntry, ExerciseRequest, ExerciseResult, Stage

router = APIRouter(tags=["exercises"])


class RecommendRequest(BaseModel):
    description: JobText
    stage: str | None = Field(default=None, max_length=32)
    who: Literal["solo", "together"] | None = None
    minutes: int | None = Field(default=None, ge=1, le=600)
    locale: str | None = Field(default=None, max_length=8)


class DoneRequest(BaseModel):
    reflection: str | None = Field(default=None, max_length=5_000)


@router.get("/v1/stages", response_model=list[Stage])
def stages(coach: CoachDep) -> list[Stage]:
    """The stages of starting over, with one line each."""
    return coach.stages()


@router.post(
    "/v1/exercises/recommend", response_model=ExerciseResult, response_model_exclude_none=True
)
async def recommend(body: RecommendRequest, coach: CoachDep, user_id: UserDep) -> ExerciseResult:
    """One fitting exercise and two alternatives (a safety response instead, if urgent)."""
    request = ExerciseRequest(**body.model_dump(exclude={"locale"}))
    return await run_in_threadpool(
        coach.recommend_exercise, request, user_id=user_id, locale=body.locale
    )


@router.get("/v1/exercises", response_model=list[ExerciseCard])
def list_exercises(
    coach: CoachDep, stage: str | None = Query(default=None, max_length=32)
) -> list[ExerciseCard]:
    """Every exercise, or those for one stage."""
    return coach.list_exercises(stage=stage)


@router.get("/v1/exercises/history", response_model=list[ExerciseEntry])
def history(coach: CoachDep, user_id: UserDep) -> list[ExerciseEntry]:
    """Exercises given to you and the ones you marked done."""
    return coach.exercise_history(user_id=user_id)


@router.post("/v1/exercises/{exercise_id}/done", response_model=ExerciseEntry)
def mark_done(
    exercise_id: str, body: DoneRequest, coach: CoachDep, user_id: UserDep
) -> ExerciseEntry:
    """Mark an exercise done, with an optional short reflection."""
    return coach.mark_exercise_done(exercise_id, reflection=body.reflection, user_id=user_id)

"""Everything a person has stored: export it, or delete it for real."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import CoachDep, UserDep

router = APIRouter(prefix="/v1/me", tags=["your data"])


@router.get("/export")
async def export_data(coach: CoachDep, user_id: UserDep) -> dict[str, Any]:
    """All your drafts, exercises and practice sessions as JSON."""
    return await run_in_threadpool(coach.export_user_data, user_id=user_id)


@router.delete("")
async def delete_data(coach: CoachDep, user_id: UserDep) -> dict[str, dict[str, int]]:
    """Delete everything stored for you. The rows are removed, not hidden."""
    counts = await run_in_threadpool(coach.delete_user_data, user_id=user_id)
    return {"deleted": counts}

"""What a person has stored, in the browser: see it, download it, delete it for real."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import CoachDep, UserDep
from api.downloads import export_download
from api.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request, coach: CoachDep, user_id: UserDep, deleted: str | None = None
) -> HTMLResponse:
    titles = {card.id: card.title for card in coach.list_exercises()}
    return render(
        request,
        "history.html",
        {
            "exercises": coach.exercise_history(user_id=user_id),
            "drafts": coach.saved_drafts(user_id=user_id),
            "sessions": coach.practice_sessions(user_id=user_id),
            "titles": titles,
            "deleted": deleted == "1",
        },
    )


@router.get("/history/export")
def history_export(coach: CoachDep, user_id: UserDep) -> Response:
    """Everything stored for this person, as a JSON download."""
    return export_download(coach.export_user_data(user_id=user_id))


@router.get("/history/delete", response_class=HTMLResponse)
def history_delete_confirm(request: Request) -> HTMLResponse:
    """The confirmation step: nothing is deleted by following a link."""
    return render(request, "history_delete.html")


@router.post("/history/delete", response_model=None)
def history_delete(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "delete-everything":
        return render(
            request,
            "history_delete.html",
            {"error": {"message": "Nothing was deleted.", "hint": "Tick the box to confirm."}},
            status_code=422,
        )
    coach.delete_user_data(user_id=user_id)
    # Post/redirect/get: reloading the result must not resubmit the deletion.
    return RedirectResponse("/history?deleted=1", status_code=303)

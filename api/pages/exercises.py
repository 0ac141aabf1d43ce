"""Job 2 in the browser: one exercise for the situation or the chosen stage; mark one done."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.deps import CoachDep, UserDep
from api.pages.render import blank_to_none, error, page_locale, render
from coach.errors import CoachError, InputError
from coach.service import Coach, ExerciseRequest

router = APIRouter(include_in_schema=False)

_EMPTY_FORM = {"description": "", "stage": "", "who": "", "minutes": ""}


def _context(coach: Coach, **extra: Any) -> dict[str, Any]:
    return {
        "stages": coach.stages(),
        "result": None,
        "done": None,
        "form": dict(_EMPTY_FORM),
    } | extra


@router.get("/exercises", response_class=HTMLResponse)
def exercises_page(request: Request, coach: CoachDep) -> HTMLResponse:
    return render(request, "exercises.html", _context(coach))


@router.post("/exercises", response_class=HTMLResponse)
def exercises_submit(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    description: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = "",
    who: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """One exercise for the situation or the chosen stage."""
    form = {"description": description, "stage": stage, "who": who, "minutes": minutes}
    try:
        request_model = _exercise_request(coach, description, stage, who, minutes)
        result = coach.recommend_exercise(
            request_model, user_id=user_id, locale=page_locale(request)
        )
    except CoachError as exc:
        message, status = error(exc)
        return render(
            request,
            "exercises.html",
            _context(coach, form=form, error=message),
            status_code=status,
        )
    if result.status == "safety":
        form = dict(_EMPTY_FORM)
    return render(request, "exercises.html", _context(coach, result=result, form=form))


def _exercise_request(
    coach: Coach, description: str, stage: str, who: str, minutes: str
) -> ExerciseRequest:
    """Validate the form; a stage alone is enough (its own description stands in)."""
    stage_id = blank_to_none(stage)
    if not description.strip():
        if stage_id is None:
            raise InputError(
                "Describe what is going on, or pick a stage.",
                hint="A sentence or two is enough.",
            )
        description = coach.stage(stage_id).about
    minutes_value: int | None = None
    if minutes.strip():
        try:
            minutes_value = int(minutes)
        except ValueError:
            raise InputError("Minutes must be a whole number, like 15.") from None
        if not 1 <= minutes_value <= 600:
            raise InputError("Minutes must be between 1 and 600.")
    return ExerciseRequest(
        description=description,
        stage=stage_id,
        who=who if who in ("solo", "together") else None,
        minutes=minutes_value,
    )


@router.post("/exercises/done", response_class=HTMLResponse)
def exercise_done(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    exercise_id: Annotated[str, Form()] = "",
    reflection: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Record that an exercise was done, with an optional short reflection."""
    try:
        entry = coach.mark_exercise_done(
            exercise_id, reflection=blank_to_none(reflection), user_id=user_id
        )
    except CoachError as exc:
        message, status = error(exc)
        return render(request, "exercises.html", _context(coach, error=message), status_code=status)
    titles = {card.id: card.title for card in coach.list_exercises()}
    return render(
        request,
        "exercises.html",
        _context(coach, done={"entry": entry, "title": titles.get(entry.exercise_id)}),
    )

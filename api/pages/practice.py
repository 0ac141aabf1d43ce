"""Job 3 in the browser: start a role-play, take turns, ask for a hint, undo, end, export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.deps import CoachDep, UserDep
from api.downloads import practice_download
from api.pages.render import error, page_locale, render
from coach.errors import CoachError, InputError, NotFoundError
from coach.service import Coach

router = APIRouter(include_in_schema=False)

T = TypeVar("T")


def _context(coach: Coach, **extra: Any) -> dict[str, Any]:
    return {
        "personas": [style.model_dump() for style in coach.partner_styles()],
        "form": {"scenario": "", "goal": "", "persona": "defensive"},
        "start": None,
        "sessions": [],
    } | extra


@router.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, coach: CoachDep, user_id: UserDep) -> HTMLResponse:
    sessions = coach.practice_sessions(user_id=user_id)
    return render(request, "practice.html", _context(coach, sessions=sessions))


@router.post("/practice", response_model=None)
def practice_start(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    scenario: Annotated[str, Form()] = "",
    goal: Annotated[str, Form()] = "",
    persona: Annotated[str, Form()] = "defensive",
) -> Response:
    """Open a session and go to it; a scenario that describes harm gets resources instead."""
    form = {"scenario": scenario, "goal": goal, "persona": persona}
    try:
        start = coach.start_practice(
            scenario=scenario,
            goal=goal,
            persona=persona,
            user_id=user_id,
            locale=page_locale(request),
        )
    except CoachError as exc:
        message, status = error(exc)
        return render(
            request,
            "practice.html",
            _context(coach, form=form, error=message),
            status_code=status,
        )
    if start.status == "safety" or start.session is None:
        return render(request, "practice.html", _context(coach, start=start))
    return RedirectResponse(f"/practice/{start.session.id}", status_code=303)


def _session_page(
    request: Request,
    coach: Coach,
    user_id: str,
    session_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    session = coach.practice_session(session_id, user_id=user_id)
    context = {
        "session": session,
        "hint": None,
        "text": "",
        "safety_stop": None,
        "caution": None,
    } | extra
    return render(request, "practice_session.html", context, status_code=status_code)


def _session_or_404(call: Callable[[], T]) -> T:
    """Run a session call; an unknown id (or another user's) is a plain 404."""
    try:
        return call()
    except NotFoundError:
        raise HTTPException(status_code=404, detail="No practice session with that id.") from None


@router.get("/practice/{session_id}", response_class=HTMLResponse)
def practice_session(
    request: Request, session_id: str, coach: CoachDep, user_id: UserDep
) -> HTMLResponse:
    return _session_or_404(lambda: _session_page(request, coach, user_id, session_id))


@router.post("/practice/{session_id}/turn", response_model=None)
def practice_turn(
    request: Request,
    session_id: str,
    coach: CoachDep,
    user_id: UserDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Say one thing; the feedback and the partner's reply appear in the transcript."""

    def run() -> Response:
        try:
            result = coach.take_practice_turn(
                session_id, text, user_id=user_id, locale=page_locale(request)
            )
        except InputError as exc:
            message, status = error(exc)
            return _session_page(
                request, coach, user_id, session_id, text=text, error=message, status_code=status
            )
        if result.status == "safety":
            return render(
                request,
                "practice_session.html",
                {"session": None, "safety_stop": result.safety_response},
            )
        if result.safety_response is not None:
            # A caution stays on screen: a redirect would lose it.
            return _session_page(
                request, coach, user_id, session_id, caution=result.safety_response
            )
        anchor = f"#turn-{result.turn.index}" if result.turn else ""
        return RedirectResponse(f"/practice/{session_id}{anchor}", status_code=303)

    return _session_or_404(run)


@router.post("/practice/{session_id}/hint", response_class=HTMLResponse)
def practice_hint(
    request: Request,
    session_id: str,
    coach: CoachDep,
    user_id: UserDep,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """A suggested next move; what the person had typed stays in the box."""

    def run() -> HTMLResponse:
        try:
            found = coach.practice_hint(session_id, user_id=user_id)
        except InputError as exc:
            message, status = error(exc)
            return _session_page(
                request, coach, user_id, session_id, text=text, error=message, status_code=status
            )
        return _session_page(request, coach, user_id, session_id, hint=found, text=text)

    return _session_or_404(run)


@router.post("/practice/{session_id}/undo", response_model=None)
def practice_undo(request: Request, session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    def run() -> Response:
        try:
            coach.undo_practice_turn(session_id, user_id=user_id)
        except InputError as exc:
            message, status = error(exc)
            return _session_page(
                request, coach, user_id, session_id, error=message, status_code=status
            )
        return RedirectResponse(f"/practice/{session_id}", status_code=303)

    return _session_or_404(run)


@router.post("/practice/{session_id}/end", response_model=None)
def practice_end(session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    """Finish and score the session; the page then shows the summary."""
    _session_or_404(lambda: coach.end_practice(session_id, user_id=user_id))
    return RedirectResponse(f"/practice/{session_id}#summary", status_code=303)


@router.get("/practice/{session_id}/export")
def practice_export(
    session_id: str, coach: CoachDep, user_id: UserDep, fmt: str = "markdown"
) -> Response:
    """One session as a Markdown transcript (with feedback) or as JSON."""
    chosen = "json" if fmt == "json" else "markdown"
    body = _session_or_404(
        lambda: coach.export_practice_session(session_id, user_id=user_id, fmt=chosen)
    )
    return practice_download(body, session_id, chosen)


@router.post("/practice/{session_id}/delete", response_model=None)
def practice_delete(session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    _session_or_404(lambda: coach.delete_practice_session(session_id, user_id=user_id))
    return RedirectResponse("/practice", status_code=303)

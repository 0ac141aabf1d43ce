"""Server-rendered pages: the three jobs in the browser, plus history and help.

Why server-rendered forms: every page works with JavaScript off (POST -> render),
so it works on an old phone, with assistive technology, and under a strict
Content-Security-Policy that forbids inline scripts. ``/static/coach.js`` only
enhances (copy buttons, tap-to-explain highlights, a step timer, quick exit,
rewrites streamed as the model writes them when one is configured).

Each handler parses the form, calls one ``Coach`` facade method and renders. An
urgent safety verdict renders the crisis resources and nothing else of the job.
User text is never logged; pages are sent ``no-store`` so a shared device's cache
and back button do not keep them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from api.deps import CoachDep, SettingsDep, UserDep
from api.downloads import export_download, practice_download
from api.errors import STATUS_BY_CODE
from coach.errors import CoachError, InputError
from coach.practice.rules import load_rules as load_practice_rules
from coach.service import DraftResult, ExerciseRequest
from coach.stages.model import list_stages

router = APIRouter(include_in_schema=False)

_API_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = Jinja2Templates(directory=_API_DIR / "templates")
STATIC_DIR = _API_DIR / "static"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}

# A neutral, common page: leaving to it looks like ordinary browsing.
QUICK_EXIT_URL = "https://www.bbc.com/weather"

NAV = [
    ("/draft", "Check a message"),
    ("/exercises", "Exercises"),
    ("/practice", "Practice"),
    ("/history", "History"),
]

KIND_LABELS = {
    "crisis": "Crisis and suicide",
    "abuse": "Domestic abuse",
    "child": "Children",
    "emergency": "Emergency",
    "directory": "Find a line",
}

# The four horsemen as people read them next to a highlight.
KIND_NAMES = {
    "criticism": "Criticism",
    "contempt": "Contempt",
    "defensiveness": "Defensiveness",
    "stonewalling": "Shutting down",
}

STATUS_NAMES = {"active": "in progress", "ended": "ended", "safety_stopped": "stopped for safety"}
AREA_NAMES = {
    "gentle_startup": "Gentle start",
    "listening": "Listening",
    "responsibility": "Taking responsibility",
    "repair": "Repair",
}

STYLE_NAMES = {"gentle": "Gentle", "direct": "Direct", "short_text": "As a short text"}

_LOCALE = re.compile(r"^[A-Za-z]{2,4}$")


# ---------------------------------------------------------------------------- helpers


def _locale_param(value: str | None) -> str | None:
    """A country code from ``?locale=``; anything else is ignored, never echoed."""
    if value and _LOCALE.match(value.strip()):
        return value.strip().upper()
    return None


def _render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    settings = request.app.state.settings
    locale_param = _locale_param(request.query_params.get("locale"))
    base = {
        "nav": NAV,
        "active": request.url.path,
        "quick_exit_url": QUICK_EXIT_URL,
        "kind_labels": KIND_LABELS,
        "kind_names": KIND_NAMES,
        "style_names": STYLE_NAMES,
        "status_names": STATUS_NAMES,
        "area_names": AREA_NAMES,
        "persona_names": {p["id"]: p["name"] for p in _personas()},
        "engine": settings.engine_mode,
        "locale_param": locale_param,
        "locale_query": f"?locale={locale_param}" if locale_param else "",
        "error": None,
    }
    # The Content-Security-Policy, no-store and the other headers come from
    # api.security.headers, which every response passes through.
    return TEMPLATES.TemplateResponse(
        request, template, base | (context or {}), status_code=status_code
    )


def _error(exc: CoachError) -> tuple[dict[str, Any], int]:
    """A CoachError as template context and status. Its message never quotes user text."""
    return {"message": exc.message, "hint": exc.hint}, STATUS_BY_CODE.get(exc.code, 500)


def _locale(request: Request, settings: SettingsDep) -> str:
    return _locale_param(request.query_params.get("locale")) or settings.locale


def _blank_to_none(value: str | None) -> str | None:
    return value if value and value.strip() else None


# ---------------------------------------------------------------------------- static


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """Serve the few files in ``api/static`` (a route, so ``app.py`` needs no mount)."""
    path = STATIC_DIR / name
    media_type = _STATIC_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise HTTPException(status_code=404, detail="No such file.")
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


# ---------------------------------------------------------------------------- home, help


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _render(request, "home.html")


@router.get("/help", response_class=HTMLResponse)
def get_help(request: Request, coach: CoachDep, settings: SettingsDep) -> HTMLResponse:
    """Every line for the person's country: reachable from every page, no coaching."""
    from coach import safety

    lines = coach.crisis_lines
    locale = safety.resolve_locale(_locale(request, settings), directory=lines)
    names = lines.names
    countries = sorted(names.items(), key=lambda item: (item[0] == "INTL", item[1]))
    return _render(
        request,
        "help.html",
        {
            "locale": locale,
            "resources": safety.resources_for(locale, None, directory=lines),
            "countries": countries,
            "country_name": names.get(locale) if locale != "INTL" else None,
        },
    )


# ---------------------------------------------------------------------------- job 1: drafts


def _segments(text: str, findings: list[Any]) -> list[dict[str, Any]]:
    """Split ``text`` into plain runs and highlighted runs.

    ``findings`` must be in reading order (see :func:`_in_reading_order`); they are
    numbered from 1 in that order. Overlapping findings share one highlight (their
    union) that points to each explanation, so no character is ever shown twice.
    """
    groups: list[dict[str, Any]] = []
    for number, finding in enumerate(findings, start=1):
        if groups and finding.start < groups[-1]["end"]:
            groups[-1]["end"] = max(groups[-1]["end"], finding.end)
            groups[-1]["refs"].append((number, finding))
        else:
            groups.append({"start": finding.start, "end": finding.end, "refs": [(number, finding)]})
    segments: list[dict[str, Any]] = []
    cursor = 0
    for group in groups:
        if group["start"] > cursor:
            segments.append({"text": text[cursor : group["start"]], "refs": []})
        segments.append({"text": text[group["start"] : group["end"]], "refs": group["refs"]})
        cursor = group["end"]
    if cursor < len(text):
        segments.append({"text": text[cursor:], "refs": []})
    return segments


def _draft_context(**extra: Any) -> dict[str, Any]:
    """What every render of the draft page needs; the builder starts empty."""
    from coach.drafts.lexicon import load_feelings

    return {
        "result": None,
        "text": "",
        "statement": None,
        "saved": False,
        "findings": [],
        "segments": [],
        "builder": {},
        "feeling_words": sorted(load_feelings().all_words()),
        "need_words": [],
        "stream_locale": None,
    } | extra


def _in_reading_order(findings: list[Any]) -> list[Any]:
    """Findings by position, so note numbers rise along the text."""
    return sorted(findings, key=lambda f: (f.start, -f.end))


@router.get("/draft", response_class=HTMLResponse)
def draft_page(request: Request) -> HTMLResponse:
    return _render(request, "draft.html", _draft_context())


@router.post("/draft", response_class=HTMLResponse)
def draft_submit(
    request: Request,
    coach: CoachDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
    stream: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Highlights, rewrites and an I-statement scaffold, or only resources when urgent.

    ``stream`` is added by coach.js when a model is configured: the page is then
    rendered at once with the offline analysis and rewrites, and the script streams
    the model's rewrites into it from ``/v1/drafts/rewrite/stream``, so the model runs
    once per check. Without JavaScript the field is absent and the model runs here.
    """
    locale = _locale(request, settings)
    streaming = bool(stream) and settings.llm_enabled
    try:
        result = coach.rewrite_draft(text, locale=locale, use_llm=not streaming)
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request, "draft.html", _draft_context(text=text, error=error), status_code=status
        )
    return _draft_result_page(request, result, text, stream_locale=locale if streaming else None)


def _draft_result_page(
    request: Request,
    result: DraftResult,
    text: str,
    *,
    saved: bool = False,
    stream_locale: str | None = None,
) -> HTMLResponse:
    if result.status == "safety":
        # Only the resources: the text is not echoed and no coaching is shown.
        return _render(request, "draft.html", _draft_context(result=result))
    findings = _in_reading_order(result.findings)
    return _render(
        request,
        "draft.html",
        _draft_context(
            result=result,
            text=text,
            findings=findings,
            segments=_segments(result.text or text, findings),
            builder=result.i_statement or {},
            saved=saved,
            stream_locale=stream_locale,
        ),
    )


@router.post("/draft/save", response_class=HTMLResponse)
def draft_save(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep a checked draft in history, only when the person asks (nothing is kept by default)."""
    try:
        result = coach.rewrite_draft(text, locale=_locale(request, settings))
        if result.status != "safety":
            coach.save_draft(result, user_id=user_id)
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request, "draft.html", _draft_context(text=text, error=error), status_code=status
        )
    return _draft_result_page(request, result, text, saved=True)


@router.post("/draft/i-statement", response_class=HTMLResponse)
def i_statement_submit(
    request: Request,
    coach: CoachDep,
    settings: SettingsDep,
    observation: Annotated[str, Form()] = "",
    feeling: Annotated[str, Form()] = "",
    need: Annotated[str, Form()] = "",
    request_text: Annotated[str, Form(alias="request")] = "",
) -> HTMLResponse:
    """Compose the four steps into one sentence and lint it; screened like any input."""
    from coach import safety
    from coach.drafts.builder import compose_i_statement

    parts = {"observation": observation, "feeling": feeling, "need": need, "request": request_text}
    verdict = safety.screen(
        "\n".join(parts.values()), _locale(request, settings), directory=coach.crisis_lines
    )
    if verdict.level == "urgent":
        return _render(
            request,
            "draft.html",
            _draft_context(
                result={"status": "safety", "safety_response": safety.safety_response(verdict)}
            ),
        )
    try:
        statement = compose_i_statement(**parts, words=coach.words)
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request, "draft.html", _draft_context(builder=parts, error=error), status_code=status
        )
    return _render(request, "draft.html", _draft_context(builder=parts, statement=statement))


# ---------------------------------------------------------------------------- job 2: exercises


def _exercise_context(**extra: Any) -> dict[str, Any]:
    return {
        "stages": list_stages(),
        "result": None,
        "done": None,
        "form": {"description": "", "stage": "", "who": "", "minutes": ""},
    } | extra


@router.get("/exercises", response_class=HTMLResponse)
def exercises_page(request: Request) -> HTMLResponse:
    return _render(request, "exercises.html", _exercise_context())


@router.post("/exercises", response_class=HTMLResponse)
def exercises_submit(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    settings: SettingsDep,
    description: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = "",
    who: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """One exercise for the situation or the chosen stage."""
    form = {"description": description, "stage": stage, "who": who, "minutes": minutes}
    try:
        request_model = _exercise_request(description, stage, who, minutes)
        result = coach.recommend_exercise(
            request_model, user_id=user_id, locale=_locale(request, settings)
        )
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request,
            "exercises.html",
            _exercise_context(form=form, error=error),
            status_code=status,
        )
    if result.status == "safety":
        form = {"description": "", "stage": "", "who": "", "minutes": ""}
    return _render(request, "exercises.html", _exercise_context(result=result, form=form))


def _exercise_request(description: str, stage: str, who: str, minutes: str) -> ExerciseRequest:
    """Validate the form; a stage alone is enough (its own description stands in)."""
    from coach.stages.model import get_stage

    stage_id = _blank_to_none(stage)
    if not description.strip():
        if stage_id is None:
            raise InputError(
                "Describe what is going on, or pick a stage.",
                hint="A sentence or two is enough.",
            )
        description = get_stage(stage_id).about
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
            exercise_id, reflection=_blank_to_none(reflection), user_id=user_id
        )
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request, "exercises.html", _exercise_context(error=error), status_code=status
        )
    titles = {card.id: card.title for card in coach.list_exercises()}
    return _render(
        request,
        "exercises.html",
        _exercise_context(done={"entry": entry, "title": titles.get(entry.exercise_id)}),
    )


# ---------------------------------------------------------------------------- job 3: practice


def _personas() -> list[dict[str, str]]:
    rules = load_practice_rules().personas
    return [
        {"id": key, "name": spec.name, "description": spec.description}
        for key, spec in rules.personas.items()
    ]


def _practice_context(**extra: Any) -> dict[str, Any]:
    return {
        "personas": _personas(),
        "form": {"scenario": "", "goal": "", "persona": "defensive"},
        "start": None,
        "sessions": [],
    } | extra


@router.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, coach: CoachDep, user_id: UserDep) -> HTMLResponse:
    sessions = coach.practice_sessions(user_id=user_id)
    return _render(request, "practice.html", _practice_context(sessions=sessions))


@router.post("/practice", response_model=None)
def practice_start(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    settings: SettingsDep,
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
            locale=_locale(request, settings),
        )
    except CoachError as exc:
        error, status = _error(exc)
        return _render(
            request,
            "practice.html",
            _practice_context(form=form, error=error),
            status_code=status,
        )
    if start.status == "safety" or start.session is None:
        return _render(request, "practice.html", _practice_context(start=start))
    return RedirectResponse(f"/practice/{start.session.id}", status_code=303)


def _session_page(
    request: Request,
    coach: Any,
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
    return _render(request, "practice_session.html", context, status_code=status_code)


def _session_or_404(call: Any) -> Any:
    """Run a session call; an unknown id (or another user's) is a plain 404."""
    from coach.errors import NotFoundError

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
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Say one thing; the feedback and the partner's reply appear in the transcript."""

    def run() -> Response:
        try:
            result = coach.take_practice_turn(
                session_id, text, user_id=user_id, locale=_locale(request, settings)
            )
        except InputError as exc:
            error, status = _error(exc)
            return _session_page(
                request, coach, user_id, session_id, text=text, error=error, status_code=status
            )
        if result.status == "safety":
            return _render(
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
            error, status = _error(exc)
            return _session_page(
                request, coach, user_id, session_id, text=text, error=error, status_code=status
            )
        return _session_page(request, coach, user_id, session_id, hint=found, text=text)

    return _session_or_404(run)


@router.post("/practice/{session_id}/undo", response_model=None)
def practice_undo(request: Request, session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    def run() -> Response:
        try:
            coach.undo_practice_turn(session_id, user_id=user_id)
        except InputError as exc:
            error, status = _error(exc)
            return _session_page(
                request, coach, user_id, session_id, error=error, status_code=status
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
    fmt = "json" if fmt == "json" else "markdown"
    body = _session_or_404(
        lambda: coach.export_practice_session(session_id, user_id=user_id, fmt=fmt)
    )
    return practice_download(body, session_id, fmt)


@router.post("/practice/{session_id}/delete", response_model=None)
def practice_delete(session_id: str, coach: CoachDep, user_id: UserDep) -> Response:
    _session_or_404(lambda: coach.delete_practice_session(session_id, user_id=user_id))
    return RedirectResponse("/practice", status_code=303)


# ---------------------------------------------------------------------------- history


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request, coach: CoachDep, user_id: UserDep, deleted: str | None = None
) -> HTMLResponse:
    titles = {card.id: card.title for card in coach.list_exercises()}
    return _render(
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
    return _render(request, "history_delete.html")


@router.post("/history/delete", response_model=None)
def history_delete(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "delete-everything":
        return _render(
            request,
            "history_delete.html",
            {"error": {"message": "Nothing was deleted.", "hint": "Tick the box to confirm."}},
            status_code=422,
        )
    coach.delete_user_data(user_id=user_id)
    # Post/redirect/get: reloading the result must not resubmit the deletion.
    return RedirectResponse("/history?deleted=1", status_code=303)

"""Job 1 in the browser: check a message, keep it if asked, and build an "I" statement.

Each handler parses the form, calls one ``Coach`` method and renders. An urgent
safety verdict renders the crisis resources and nothing else of the job.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.deps import CoachDep, UserDep
from api.pages.render import error, page_locale, render
from coach.errors import CoachError
from coach.service import Coach, DraftResult, RewriteOptions

router = APIRouter(include_in_schema=False)


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


def _context(coach: Coach, **extra: Any) -> dict[str, Any]:
    """What every render of the draft page needs; the builder starts empty."""
    return {
        "result": None,
        "text": "",
        "statement": None,
        "saved": False,
        "findings": [],
        "segments": [],
        "builder": {},
        "feeling_words": coach.feeling_words(),
        "need_words": [],
        "stream_locale": None,
    } | extra


def _in_reading_order(findings: list[Any]) -> list[Any]:
    """Findings by position, so note numbers rise along the text."""
    return sorted(findings, key=lambda f: (f.start, -f.end))


def _failed(request: Request, coach: Coach, exc: CoachError, **extra: Any) -> HTMLResponse:
    message, status = error(exc)
    return render(
        request, "draft.html", _context(coach, error=message, **extra), status_code=status
    )


@router.get("/draft", response_class=HTMLResponse)
def draft_page(request: Request, coach: CoachDep) -> HTMLResponse:
    return render(request, "draft.html", _context(coach))


@router.post("/draft", response_class=HTMLResponse)
def draft_submit(
    request: Request,
    coach: CoachDep,
    text: Annotated[str, Form()] = "",
    stream: Annotated[str, Form()] = "",
    options_set: Annotated[str, Form()] = "",
    keep_apology: Annotated[str, Form()] = "",
    shorter: Annotated[str, Form()] = "",
    softer: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Highlights, rewrites and an I-statement scaffold, or only resources when urgent.

    ``stream`` is added by coach.js when a model is configured: the page is then
    rendered at once with the offline analysis and rewrites, and the script streams
    the model's rewrites into it from ``/v1/drafts/rewrite/stream``, so the model runs
    once per check. Without JavaScript the field is absent and the model runs here.
    """
    locale = page_locale(request)
    streaming = bool(stream) and coach.settings.llm_enabled
    # An unticked box sends nothing, so "keep my apology" counts as off only when the
    # form with the boxes was sent; a bare post (the save form) keeps the default.
    options = RewriteOptions(
        keep_apology=bool(keep_apology) or not options_set,
        shorter=bool(shorter),
        softer=bool(softer),
    )
    try:
        result = coach.rewrite_draft(text, locale=locale, use_llm=not streaming, options=options)
    except CoachError as exc:
        return _failed(request, coach, exc, text=text)
    return _result_page(
        request,
        coach,
        result,
        text,
        stream_locale=locale if streaming else None,
        options=options,
    )


def _result_page(
    request: Request,
    coach: Coach,
    result: DraftResult,
    text: str,
    *,
    saved: bool = False,
    stream_locale: str | None = None,
    options: RewriteOptions | None = None,
) -> HTMLResponse:
    if result.status == "safety":
        # Only the resources: the text is not echoed and no coaching is shown.
        return render(request, "draft.html", _context(coach, result=result))
    findings = _in_reading_order(result.findings)
    return render(
        request,
        "draft.html",
        _context(
            coach,
            result=result,
            text=text,
            findings=findings,
            segments=_segments(result.text or text, findings),
            builder=result.i_statement or {},
            saved=saved,
            stream_locale=stream_locale,
            options=options,
        ),
    )


@router.post("/draft/save", response_class=HTMLResponse)
def draft_save(
    request: Request,
    coach: CoachDep,
    user_id: UserDep,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep a checked draft in history, only when the person asks (nothing is kept by default)."""
    try:
        result = coach.rewrite_draft(text, locale=page_locale(request))
        coach.save_draft(result, user_id=user_id)
    except CoachError as exc:
        return _failed(request, coach, exc, text=text)
    return _result_page(request, coach, result, text, saved=True)


@router.post("/draft/i-statement", response_class=HTMLResponse)
def i_statement_submit(
    request: Request,
    coach: CoachDep,
    observation: Annotated[str, Form()] = "",
    feeling: Annotated[str, Form()] = "",
    need: Annotated[str, Form()] = "",
    request_text: Annotated[str, Form(alias="request")] = "",
) -> HTMLResponse:
    """Compose the four steps into one sentence and lint it; screened like any input."""
    parts = {"observation": observation, "feeling": feeling, "need": need, "request": request_text}
    try:
        composed = coach.compose_i_statement(**parts, locale=page_locale(request))
    except CoachError as exc:
        return _failed(request, coach, exc, builder=parts)
    if composed.status == "safety":
        return render(request, "draft.html", _context(coach, result=composed))
    return render(
        request, "draft.html", _context(coach, builder=parts, statement=composed.statement)
    )

"""Job 1, streamed: rewrites as server-sent events while the model writes them.

Events, in order:

    safety   the input screened urgent: the safety result, and nothing else follows
    token    {"text": "..."}  a provisional piece of model output
    retract  {"reason": "..."} discard the tokens so far (a check failed, or the stream broke)
    done     {"result": DraftResult, "engine", "fallback_reason", "accounting"}

The input goes through the facade first (``coach.rewrite_draft``: input checks, the
safety screen, analysis, offline rewrites), so an urgent message never reaches a
model. With no model configured the offline result is sent as a single ``done``.
Only ``done`` carries text that passed every check; its rewrites are screened once
more here before it is sent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette.sse import EventSourceResponse

from api.deps import CoachDep
from api.routes.drafts import DraftRequest
from coach.errors import RetrievalIndexError
from coach.service import Coach, DraftResult

router = APIRouter(prefix="/v1/drafts", tags=["drafts"])

PASSAGES = 3


def get_chat_model(request: Request, coach: Coach) -> Any | None:
    """The chat model, or None when no model is configured (or it cannot be built).

    ``app.state.chat_model`` wins when set (tests put a fake there); otherwise the
    facade's own model, so the app builds one client, not two.
    """
    if not coach.settings.llm_enabled:
        return None
    model = getattr(request.app.state, "chat_model", None)
    if model is not None:
        return model
    return getattr(coach, "chat_model", None)


def _event(name: str, payload: dict[str, Any]) -> dict[str, str]:
    return {"event": name, "data": json.dumps(payload, ensure_ascii=False)}


def _done(
    result: DraftResult,
    *,
    engine: str,
    fallback_reason: str | None = None,
    accounting: dict[str, Any] | None = None,
) -> dict[str, str]:
    return _event(
        "done",
        {
            "result": result.model_dump(mode="json", exclude_none=True),
            "engine": engine,
            "fallback_reason": fallback_reason,
            "accounting": accounting,
        },
    )


async def _single(event: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    yield event


@router.post("/rewrite/stream", response_class=EventSourceResponse)
async def rewrite_draft_stream(
    body: DraftRequest, coach: CoachDep, request: Request
) -> EventSourceResponse:
    """Rewrites as server-sent events: ``token``s, maybe ``retract``, then ``done``."""
    # Offline rewrites and the safety screen only: the model's turn happens here, streamed.
    result = await run_in_threadpool(
        coach.rewrite_draft, body.text, locale=body.locale, use_llm=False
    )
    if result.status == "safety":
        return EventSourceResponse(
            _single(_event("safety", result.model_dump(mode="json", exclude_none=True)))
        )
    model = get_chat_model(request, coach)
    if model is None:
        return EventSourceResponse(_single(_done(result, engine=result.engine)))
    passages = await run_in_threadpool(_passages, coach, body.text)
    return EventSourceResponse(_stream(model, coach, result, body, passages))


def _passages(coach: Coach, text: str) -> list[Any]:
    try:
        return coach.index.search(text, k=PASSAGES, kind="technique")
    except RetrievalIndexError:
        return []  # the model can still work from the analysis alone


async def _stream(
    model: Any, coach: Coach, result: DraftResult, body: DraftRequest, passages: list[Any]
) -> AsyncIterator[dict[str, str]]:
    from coach import safety
    from coach.drafts.analysis import analyze
    from coach.llm.tasks import RetractEvent, TokenEvent, stream_rewrite

    offline = list(result.rewrites)
    async for event in stream_rewrite(
        model,
        coach.settings,
        body.text,
        analyze(body.text),
        passages,
        offline,
        locale=body.locale,
        safety_context=result.safety,
    ):
        if isinstance(event, TokenEvent):
            yield _event("token", {"text": event.text})
        elif isinstance(event, RetractEvent):
            yield _event("retract", {"reason": event.reason})
        else:
            answer = event.answer
            rewrites, engine, reason = answer.value, answer.engine, answer.fallback_reason
            # The last gate before text leaves the server.
            if reason is None and any(
                safety.check_generated(r.text, body.locale, context=result.safety).replace
                for r in rewrites
            ):
                rewrites, engine, reason = offline, "offline-fallback", "unsafe"
            final = result.model_copy(update={"rewrites": rewrites, "engine": engine})
            yield _done(
                final,
                engine=engine,
                fallback_reason=reason,
                accounting=answer.accounting.model_dump(),
            )

"""The optional LLM layer: a ChatOpenAI provider, prompt templates, output guards, tasks.

Importing this package loads nothing heavy: the names below resolve on first use,
and LangChain and the OpenAI SDK are imported only inside the functions that call
a model. With no model configured (``settings.llm_enabled`` false) nothing here
needs to run at all; the offline engine answers.

    build_chat_model(settings)            -> a ChatOpenAI for COACH_LLM_*
    rewrite_with_llm(model, settings, ...) -> EngineAnswer[list[Rewrite]]
    personalise_exercise(model, settings, ...) -> EngineAnswer[list[str]]
    partner_reply(model, settings, ...)   -> EngineAnswer[str]
    stream_rewrite(model, settings, ...)  -> async TokenEvent / RetractEvent / ResultEvent
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.llm.prompts import PromptLibrary, get_library
    from coach.llm.provider import FallbackReason, ModelCallError, build_chat_model
    from coach.llm.tasks import (
        Accounting,
        EngineAnswer,
        PartnerPersona,
        ResultEvent,
        RetractEvent,
        TokenEvent,
        TranscriptTurn,
        partner_reply,
        personalise_exercise,
        rewrite_with_llm,
        stream_rewrite,
    )

_WHERE = {
    "Accounting": "tasks",
    "EngineAnswer": "tasks",
    "FallbackReason": "provider",
    "ModelCallError": "provider",
    "PartnerPersona": "tasks",
    "PromptLibrary": "prompts",
    "ResultEvent": "tasks",
    "RetractEvent": "tasks",
    "TokenEvent": "tasks",
    "TranscriptTurn": "tasks",
    "build_chat_model": "provider",
    "get_library": "prompts",
    "partner_reply": "tasks",
    "personalise_exercise": "tasks",
    "rewrite_with_llm": "tasks",
    "stream_rewrite": "tasks",
}

__all__ = [
    "Accounting",
    "EngineAnswer",
    "FallbackReason",
    "ModelCallError",
    "PartnerPersona",
    "PromptLibrary",
    "ResultEvent",
    "RetractEvent",
    "TokenEvent",
    "TranscriptTurn",
    "build_chat_model",
    "get_library",
    "partner_reply",
    "personalise_exercise",
    "rewrite_with_llm",
    "stream_rewrite",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

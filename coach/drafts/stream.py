"""Job 1, streamed: the model's rewrites as they are written, then one checked result.

Steps, in order (the API sends each as a server-sent event of the same name):

    safety   the input rails stopped the job: the safety result, and nothing else follows
    token    {"text": "...", "screened": true}  a provisional piece of model output that
             has already passed the output screen (never unscreened text)
    retract  {"reason": "..."} discard the tokens so far (a check failed, or the stream broke)
    done     {"result": DraftResult, "engine", "fallback_reason", "accounting"}

The facade has already run the input rails, the analysis and the offline rewrites
(:meth:`coach.service.Coach.rewrite_draft_stream`), so an urgent message never
reaches a model and the text is analysed once. Only ``done`` carries text that
passed every check: its rewrites go through the output rail once more before it
is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from coach.config import Settings
from coach.drafts.analysis import DraftAnalysis
from coach.drafts.job import DraftResult
from coach.knowledge.retrieval import SearchHit
from coach.llm.guards import unsafe_text
from coach.llm.protocol import ChatModel
from coach.llm.tasks import OFFLINE_FALLBACK, RetractEvent, TokenEvent, stream_rewrite
from coach.pipeline import Rails

StepName = Literal["safety", "token", "retract", "done"]


@dataclass(frozen=True)
class StreamStep:
    """One step of a streamed rewrite: its name and its JSON-ready data."""

    name: StepName
    data: dict[str, Any]


def _done(
    result: DraftResult,
    *,
    engine: str,
    fallback_reason: str | None = None,
    accounting: dict[str, Any] | None = None,
) -> StreamStep:
    return StreamStep(
        "done",
        {
            "result": result.model_dump(mode="json", exclude_none=True),
            "engine": engine,
            "fallback_reason": fallback_reason,
            "accounting": accounting,
        },
    )


@dataclass
class RewriteStream:
    """A checked draft whose model rewrites are still to come (see :meth:`steps`)."""

    result: DraftResult
    analysis: DraftAnalysis | None
    rails: Rails
    settings: Settings
    model: ChatModel | None
    passages: Sequence[SearchHit]
    locale: str | None

    async def steps(self) -> AsyncIterator[StreamStep]:
        """The steps to send, ending with ``safety`` or ``done``."""
        if self.result.status == "safety" or self.analysis is None:
            yield StreamStep("safety", self.result.model_dump(mode="json", exclude_none=True))
            return
        if self.model is None:
            yield _done(self.result, engine=self.result.engine)
            return
        async for step in self._model_steps(self.model, self.analysis):
            yield step

    async def _model_steps(
        self, model: ChatModel, analysis: DraftAnalysis
    ) -> AsyncIterator[StreamStep]:
        result = self.result
        offline = list(result.rewrites)
        async for event in stream_rewrite(
            model,
            self.settings,
            result.text or "",
            analysis,
            self.passages,
            offline,
            locale=self.locale,
            safety_context=result.safety,
        ):
            if isinstance(event, TokenEvent):
                # Held back and screened in coach.llm.tasks.rewrite before it got here.
                yield StreamStep("token", {"text": event.text, "screened": True})
            elif isinstance(event, RetractEvent):
                yield StreamStep("retract", {"reason": event.reason})
            else:
                answer = event.answer
                rewrites, engine, reason = answer.value, answer.engine, answer.fallback_reason
                # The output rail, once more: the last gate before text leaves Coach.
                if reason is None and not all(
                    self.rails.shown(r.text, locale=self.locale, context=result.safety)
                    and not unsafe_text(r.text, self.locale, result.safety)
                    for r in rewrites
                ):
                    rewrites, engine, reason = offline, OFFLINE_FALLBACK, "unsafe"
                final = result.model_copy(update={"rewrites": rewrites, "engine": engine})
                yield _done(
                    final,
                    engine=engine,
                    fallback_reason=reason,
                    accounting=answer.accounting.model_dump(),
                )


__all__ = ["RewriteStream", "StreamStep"]

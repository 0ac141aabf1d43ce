"""The three jobs a model may do, each with its checks and its way back to offline.

Every task takes the chat model as an argument (tests hand in LangChain's fake
models, the wire tests a real ``ChatOpenAI`` over ``httpx.MockTransport``) and the
answer the offline engine already computed. The flow is the same for all three:

    render prompt -> call model -> parse -> check (safety on generated text + task checks)
      ok: the model's answer              engine "llm:<model>"
      not ok: one retry, told what was wrong; still not ok: the offline answer
      timeout / connection / 429 / 5xx / garbage: the offline answer at once

so the caller never sees an exception from the model layer, and the result says
which engine produced it and why a fallback happened. Accounting covers tokens
(when the server reports them), the time spent waiting on the model, and Coach's
own overhead (everything else). Nothing logged here contains text.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from coach.drafts.wording import wording
from coach.llm.guards import Outcome, Problem
from coach.llm.prompts import SYSTEM, get_library
from coach.llm.provider import (
    FallbackReason,
    Messages,
    ModelCallError,
    ModelReply,
    call_limits,
    call_model,
    model_label,
)

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.knowledge.retrieval import SearchHit
    from coach.llm.protocol import ChatModel

log = logging.getLogger("coach.llm")

T = TypeVar("T")

OFFLINE_FALLBACK = "offline-fallback"
MAX_ATTEMPTS = 2  # the first try and one retry told what was wrong
MAX_PASSAGES = 3
MAX_PASSAGE_CHARS = 700  # small local models have 2k-token contexts
# Small budgets so a 1.5B model on two cores answers in time (rewrite prompt <= 600 tokens).
MAX_TOKENS = {"rewrite": 200, "exercise": 160, "partner": 100}
DEFAULT_GUIDANCE_ID = "technique-i-statements#the-i-statement-formula"
CUT_OFF = "The answer was too long and was cut off; answer much more briefly."
DEFAULT_WHY = "Names a feeling, keeps your point and ends with a request."


# ---------------------------------------------------------------------------- results


class Accounting(BaseModel):
    """What an answer cost. Token counts are None when the server does not report them."""

    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model_ms: float = Field(default=0.0, description="Time spent waiting on the model.")
    overhead_ms: float = Field(
        default=0.0, description="Coach's own time: rendering, parsing, checks, screening."
    )


class EngineAnswer(BaseModel, Generic[T]):
    """A task's value and where it came from."""

    value: T
    engine: str = Field(description='"llm:<model>" or "offline-fallback".')
    fallback_reason: FallbackReason | None = None
    problems: list[str] = Field(
        default_factory=list, description="Codes of the checks that failed (never text)."
    )
    accounting: Accounting = Field(default_factory=Accounting)

    @property
    def used_model(self) -> bool:
        return self.fallback_reason is None


class PartnerPersona(BaseModel):
    """Who the practice partner is: a name and a short description in Coach's words."""

    name: str
    brief: str


class TranscriptTurn(BaseModel):
    speaker: Literal["user", "partner"]
    text: str


class TokenEvent(BaseModel):
    """A piece of the model's text as it arrives: provisional until the result."""

    type: Literal["token"] = "token"
    text: str


class RetractEvent(BaseModel):
    """Discard the tokens sent so far: they failed a check or the stream broke."""

    type: Literal["retract"] = "retract"
    reason: FallbackReason


class ResultEvent(BaseModel):
    """The checked answer; the only thing a client should keep."""

    type: Literal["result"] = "result"
    answer: EngineAnswer[Any]


StreamEvent = TokenEvent | RetractEvent | ResultEvent


# ---------------------------------------------------------------------------- timing


class Meter:
    """Splits wall time into the model's and Coach's own, and sums token counts."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._paused_ms = 0.0
        self._pause_at: float | None = None
        self.accounting = Accounting()

    def pause(self) -> None:
        """Stop the clock while a streaming consumer holds control."""
        self._pause_at = time.perf_counter()

    def resume(self) -> None:
        if self._pause_at is not None:
            self._paused_ms += (time.perf_counter() - self._pause_at) * 1000
            self._pause_at = None

    def add(
        self, model_ms: float, prompt_tokens: int | None, completion_tokens: int | None
    ) -> None:
        acc = self.accounting
        acc.attempts += 1
        acc.model_ms += model_ms
        if prompt_tokens is not None:
            acc.prompt_tokens = (acc.prompt_tokens or 0) + prompt_tokens
        if completion_tokens is not None:
            acc.completion_tokens = (acc.completion_tokens or 0) + completion_tokens

    def add_reply(self, reply: ModelReply) -> None:
        self.add(reply.latency_ms, reply.prompt_tokens, reply.completion_tokens)

    def finish(
        self,
        task: str,
        value: T,
        engine: str,
        reason: FallbackReason | None = None,
        problems: Sequence[str] = (),
    ) -> EngineAnswer[T]:
        total = (time.perf_counter() - self._started) * 1000 - self._paused_ms
        acc = self.accounting
        acc.model_ms = round(acc.model_ms, 2)
        acc.overhead_ms = round(max(total - acc.model_ms, 0.0), 2)
        log.info(
            "llm task=%s engine=%s fallback=%s problems=%s attempts=%d prompt_tokens=%s "
            "completion_tokens=%s model_ms=%.1f overhead_ms=%.2f",
            task,
            engine,
            reason,
            ",".join(problems) or "-",
            acc.attempts,
            acc.prompt_tokens,
            acc.completion_tokens,
            acc.model_ms,
            acc.overhead_ms,
        )
        return EngineAnswer[Any](
            value=value,
            engine=engine,
            fallback_reason=reason,
            problems=list(problems),
            accounting=acc,
        )


# ---------------------------------------------------------------------------- shared


def messages_for(settings: Settings, task: str, context: dict[str, Any]) -> Messages:
    library = get_library(settings.prompts_dir)
    system = library.render(SYSTEM, task=task)
    return [("system", system), ("human", library.render(task, **context))]


def retry_notes(outcome: Outcome) -> list[str]:
    seen: list[str] = []
    for problem in outcome.problems:
        if problem.message not in seen:
            seen.append(problem.message)
    return seen


class Task(ABC, Generic[T]):
    """One task's prompt and acceptance; the attempt loop is shared by sync and stream."""

    name: str
    json_mode = False

    def __init__(self, settings: Settings, offline: T) -> None:
        self.settings = settings
        self.offline = offline
        # The lint and the point-kept check read the configured knowledge folder's lexicons.
        self.words = wording(settings.knowledge_dir)
        self.prompt_text = ""

    @abstractmethod
    def context(self) -> dict[str, Any]:
        """What the task's prompt template is rendered with."""

    @abstractmethod
    def accept(self, raw: str) -> tuple[T | None, Outcome]:
        """Parse and check the model's raw reply: the value, or None and why not."""

    def messages(self, retry_notes: list[str]) -> Messages:
        context = {**self.context(), "retry_problems": retry_notes}
        messages = messages_for(self.settings, self.name, context)
        # Kept for the echo check: an answer that copies its prompt is no answer.
        self.prompt_text = "\n".join(content for _, content in messages)
        return messages

    def run(self, model: ChatModel) -> EngineAnswer[T]:
        meter = Meter()
        notes: list[str] = []
        outcome = Outcome()
        for _ in range(MAX_ATTEMPTS):
            called = time.perf_counter()
            try:
                reply = call_model(
                    model,
                    self.messages(notes),
                    max_tokens=MAX_TOKENS[self.name],
                    json_mode=self.json_mode,
                    limits=call_limits(self.settings),
                )
            except ModelCallError as exc:
                # The time spent waiting before a failure is the model's, not Coach's.
                meter.add((time.perf_counter() - called) * 1000, None, None)
                if exc.reason != "malformed":
                    return meter.finish(self.name, self.offline, OFFLINE_FALLBACK, exc.reason)
                # Unreadable or cut off at max_tokens: worth the one retry, like bad JSON.
                outcome = Outcome([Problem(f"{self.name}:cut_off", CUT_OFF, "malformed")])
                notes = retry_notes(outcome)
                continue
            meter.add_reply(reply)
            value, outcome = self.accept(reply.text)
            if outcome.ok and value is not None:
                return meter.finish(self.name, value, f"llm:{model_label(model)}")
            notes = retry_notes(outcome)
        return meter.finish(
            self.name, self.offline, OFFLINE_FALLBACK, outcome.failure, outcome.codes
        )


def passage_context(passages: Sequence[SearchHit]) -> list[dict[str, Any]]:
    return [
        {
            "id": hit.id,
            "title": hit.title,
            "section": hit.section,
            "text": hit.text[:MAX_PASSAGE_CHARS],
        }
        for hit in list(passages)[:MAX_PASSAGES]
    ]

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
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from coach import safety
from coach.drafts.lint import lint
from coach.drafts.rewrite import Rewrite, RewriteNote
from coach.drafts.wording import wording
from coach.llm.guards import (
    STYLES,
    MalformedOutputError,
    Outcome,
    Problem,
    RawRewrite,
    check_partner_reply,
    check_reasons,
    check_rewrite,
    clean_partner_reply,
    echo_problems,
    load_guards,
    parse_reasons,
    parse_rewrites,
)
from coach.llm.prompts import SYSTEM, get_library
from coach.llm.provider import (
    FallbackReason,
    Messages,
    ModelCallError,
    ModelReply,
    StreamStats,
    call_model,
    model_label,
    stream_model,
)

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.drafts.analysis import DraftAnalysis
    from coach.exercises.choose import ExerciseCard
    from coach.knowledge.retrieval import SearchHit
    from coach.llm.protocol import ChatModel
    from coach.safety import SafetyVerdict

log = logging.getLogger("coach.llm")

T = TypeVar("T")

OFFLINE_FALLBACK = "offline-fallback"
MAX_ATTEMPTS = 2  # the first try and one retry told what was wrong
MAX_PASSAGES = 3
MAX_PASSAGE_CHARS = 700  # small local models have 2k-token contexts
MAX_TOKENS = {"rewrite": 450, "exercise": 220, "partner": 160}
DEFAULT_GUIDANCE_ID = "technique-i-statements#the-i-statement-formula"
_CUT_OFF = "The answer was too long and was cut off; answer much more briefly."
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


class _Meter:
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


def _messages(settings: Settings, task: str, context: dict[str, Any]) -> Messages:
    library = get_library(settings.prompts_dir)
    system = library.render(SYSTEM, task=task)
    return [("system", system), ("human", library.render(task, **context))]


def _retry_notes(outcome: Outcome) -> list[str]:
    seen: list[str] = []
    for problem in outcome.problems:
        if problem.message not in seen:
            seen.append(problem.message)
    return seen


class _Task(ABC, Generic[T]):
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
        messages = _messages(self.settings, self.name, context)
        # Kept for the echo check: an answer that copies its prompt is no answer.
        self.prompt_text = "\n".join(content for _, content in messages)
        return messages

    def run(self, model: ChatModel) -> EngineAnswer[T]:
        meter = _Meter()
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
                )
            except ModelCallError as exc:
                # The time spent waiting before a failure is the model's, not Coach's.
                meter.add((time.perf_counter() - called) * 1000, None, None)
                if exc.reason != "malformed":
                    return meter.finish(self.name, self.offline, OFFLINE_FALLBACK, exc.reason)
                # Unreadable or cut off at max_tokens: worth the one retry, like bad JSON.
                outcome = Outcome([Problem(f"{self.name}:cut_off", _CUT_OFF, "malformed")])
                notes = _retry_notes(outcome)
                continue
            meter.add_reply(reply)
            value, outcome = self.accept(reply.text)
            if outcome.ok and value is not None:
                return meter.finish(self.name, value, f"llm:{model_label(model)}")
            notes = _retry_notes(outcome)
        return meter.finish(
            self.name, self.offline, OFFLINE_FALLBACK, outcome.failure, outcome.codes
        )


def _passages(passages: Sequence[SearchHit]) -> list[dict[str, Any]]:
    return [
        {
            "id": hit.id,
            "title": hit.title,
            "section": hit.section,
            "text": hit.text[:MAX_PASSAGE_CHARS],
        }
        for hit in list(passages)[:MAX_PASSAGES]
    ]


# ---------------------------------------------------------------------------- rewrites


class _RewriteTask(_Task[list[Rewrite]]):
    name = "rewrite"
    json_mode = True

    def __init__(
        self,
        settings: Settings,
        offline: list[Rewrite],
        text: str,
        analysis: DraftAnalysis,
        passages: Sequence[SearchHit],
        locale: str | None,
        safety_context: SafetyVerdict | None,
    ) -> None:
        super().__init__(settings, offline)
        self.text = text
        self.analysis = analysis
        self.passages = _passages(passages)
        self.locale = locale
        self.safety_context = safety_context
        # Styles that passed in an earlier attempt are kept: a retry only has to fix the rest.
        self.kept: dict[str, Rewrite] = {}

    def context(self) -> dict[str, Any]:
        return {
            "draft": self.text,
            "findings": [
                {
                    "kind": f.kind,
                    "marker": f.marker,
                    "text": f.text,
                    "explanation": f.explanation,
                    "suggestion": f.suggestion,
                }
                for f in self.analysis.findings
            ],
            "heat": self.analysis.heat,
            "passages": self.passages,
            "styles": [s for s in STYLES if s not in self.kept] or list(STYLES),
        }

    def _note(self, candidate: RawRewrite) -> tuple[str, str]:
        ids = [p["id"] for p in self.passages]
        guidance = candidate.guidance if candidate.guidance in ids else None
        guidance = guidance or (ids[0] if ids else DEFAULT_GUIDANCE_ID)
        why = " ".join(candidate.why.split())
        if (
            not why
            or len(why) > 300
            or safety.check_generated(why, self.locale, context=self.safety_context).replace
            or "<<<" in why
        ):
            why = DEFAULT_WHY
        return why, guidance

    def accept(self, raw: str) -> tuple[list[Rewrite] | None, Outcome]:
        try:
            candidates = parse_rewrites(raw)
        except MalformedOutputError:
            return None, Outcome(
                [Problem("rewrite:malformed", "Answer with the JSON format only.", "malformed")]
            )
        outcome = Outcome()
        passed: dict[str, Rewrite] = {}
        for candidate in candidates:
            if candidate.style in passed or candidate.style in self.kept:
                continue
            checked = check_rewrite(
                candidate,
                self.text,
                locale=self.locale,
                context=self.safety_context,
                words=self.words,
            )
            if not checked.ok:
                outcome.problems += checked.problems
                continue
            why, guidance = self._note(candidate)
            passed[candidate.style] = Rewrite(
                style=candidate.style,  # type: ignore[arg-type]
                text=candidate.text,
                why=[RewriteNote(change=why, guidance_id=guidance)],
                lint=lint(candidate.text, words=self.words),
            )
        if outcome.failure == "unsafe":
            # One unsafe candidate discredits the whole reply, not just itself.
            return None, outcome
        self.kept.update(passed)
        needed = load_guards().rewrite.min_styles
        if len(self.kept) >= needed:
            return [self.kept[s] for s in STYLES if s in self.kept], Outcome()
        missing = [s for s in STYLES if s not in self.kept]
        outcome.problems.append(
            Problem("rewrite:missing_styles", f"Give a usable version for: {', '.join(missing)}.")
        )
        return None, outcome


def rewrite_with_llm(
    model: ChatModel,
    settings: Settings,
    text: str,
    analysis: DraftAnalysis,
    passages: Sequence[SearchHit],
    offline: list[Rewrite],
    *,
    locale: str | None = None,
    safety_context: SafetyVerdict | None = None,
) -> EngineAnswer[list[Rewrite]]:
    """Rewrites of ``text`` in the offline structure, grounded in ``passages``.

    Each candidate must pass the generated-text safety check, ``drafts.lint`` and keep
    the draft's point; at least ``min_styles`` styles must pass within two attempts,
    otherwise ``offline`` comes back with ``engine="offline-fallback"``.
    """
    task = _RewriteTask(settings, offline, text, analysis, passages, locale, safety_context)
    return task.run(model)


async def stream_rewrite(
    model: ChatModel,
    settings: Settings,
    text: str,
    analysis: DraftAnalysis,
    passages: Sequence[SearchHit],
    offline: list[Rewrite],
    *,
    locale: str | None = None,
    safety_context: SafetyVerdict | None = None,
) -> AsyncIterator[TokenEvent | RetractEvent | ResultEvent]:
    """:func:`rewrite_with_llm` as events: tokens as they arrive, then one checked result.

    Tokens are provisional. The text so far is screened at every sentence end, and a
    stream the screen flags is cut off at once and retracted. Whatever was streamed,
    only the final :class:`ResultEvent` has passed every check.
    """
    task = _RewriteTask(settings, offline, text, analysis, passages, locale, safety_context)
    meter = _Meter()
    notes: list[str] = []
    outcome = Outcome()

    def result(answer: EngineAnswer[list[Rewrite]]) -> ResultEvent:
        return ResultEvent(answer=answer)

    for _ in range(MAX_ATTEMPTS):
        stats = StreamStats()
        pieces: list[str] = []
        sent = False
        flagged = False
        try:
            async for delta in stream_model(
                model,
                task.messages(notes),
                stats,
                max_tokens=MAX_TOKENS["rewrite"],
                json_mode=True,
            ):
                pieces.append(delta)
                if any(mark in delta for mark in ".!?\n") and (
                    safety.check_generated("".join(pieces), locale, context=safety_context).replace
                ):
                    flagged = True
                    break
                meter.pause()
                yield TokenEvent(text=delta)
                meter.resume()
                sent = True
        except ModelCallError as exc:
            meter.add(stats.model_ms, stats.prompt_tokens, stats.completion_tokens)
            if sent:
                meter.pause()
                yield RetractEvent(reason=exc.reason)
                meter.resume()
            if exc.reason != "malformed":
                yield result(meter.finish("rewrite", offline, OFFLINE_FALLBACK, exc.reason))
                return
            # Cut off at max_tokens or unreadable: one retry, as in the non-streaming path.
            outcome = Outcome([Problem("rewrite:cut_off", _CUT_OFF, "malformed")])
            notes = _retry_notes(outcome)
            continue
        meter.add(stats.model_ms, stats.prompt_tokens, stats.completion_tokens)
        if flagged:
            outcome = Outcome(
                [Problem("rewrite:unsafe", "Keep every version kind and safe.", "unsafe")]
            )
            value = None
        else:
            value, outcome = task.accept("".join(pieces))
        if outcome.ok and value is not None:
            yield result(meter.finish("rewrite", value, f"llm:{model_label(model)}"))
            return
        if sent:
            meter.pause()
            yield RetractEvent(reason=outcome.failure or "failed_checks")
            meter.resume()
        notes = _retry_notes(outcome)
    yield result(meter.finish("rewrite", offline, OFFLINE_FALLBACK, outcome.failure, outcome.codes))


# ---------------------------------------------------------------------------- exercises


class _ExerciseTask(_Task[list[str]]):
    name = "exercise"

    def __init__(
        self,
        settings: Settings,
        offline: list[str],
        description: str,
        card: ExerciseCard,
        locale: str | None,
        safety_context: SafetyVerdict | None,
    ) -> None:
        super().__init__(settings, offline)
        self.description = description
        self.card = card
        self.locale = locale
        self.safety_context = safety_context

    def context(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "card": {
                "title": self.card.title,
                "summary": self.card.summary,
                "duration_minutes": self.card.duration_minutes,
                "who": self.card.who,
                "steps": list(self.card.steps),
            },
            "offline_why": list(self.offline),
            "max_reasons": load_guards().exercise.max_reasons,
        }

    def accept(self, raw: str) -> tuple[list[str] | None, Outcome]:
        try:
            reasons = parse_reasons(raw)
        except MalformedOutputError:
            return None, Outcome(
                [Problem("exercise:malformed", "Write one reason per line.", "malformed")]
            )
        outcome = check_reasons(
            reasons,
            self.card,
            self.description,
            locale=self.locale,
            context=self.safety_context,
            words=self.words,
        )
        outcome.problems += echo_problems("\n".join(reasons), self.prompt_text, "exercise")
        return (reasons if outcome.ok else None), outcome


def personalise_exercise(
    model: ChatModel,
    settings: Settings,
    description: str,
    card: ExerciseCard,
    offline_why: list[str],
    *,
    locale: str | None = None,
    safety_context: SafetyVerdict | None = None,
) -> EngineAnswer[list[str]]:
    """A "why it fits you" for ``card`` in the person's terms.

    The value is only the reasons: the steps shown always come from ``card``. Output
    that numbers a step the card does not have, or presents different text as one of
    its steps, is refused, as is anything the safety check flags.
    """
    task = _ExerciseTask(settings, offline_why, description, card, locale, safety_context)
    return task.run(model)


# ---------------------------------------------------------------------------- partner


class _PartnerTask(_Task[str]):
    name = "partner"

    def __init__(
        self,
        settings: Settings,
        offline: str,
        persona: PartnerPersona,
        scenario: str,
        transcript: Sequence[TranscriptTurn],
        locale: str | None,
        safety_context: SafetyVerdict | None,
    ) -> None:
        super().__init__(settings, offline)
        self.persona = persona
        self.scenario = scenario
        self.transcript = list(transcript)
        self.locale = locale
        self.safety_context = safety_context

    def context(self) -> dict[str, Any]:
        return {
            "persona": self.persona.model_dump(),
            "scenario": self.scenario,
            "transcript": [t.model_dump() for t in self.transcript],
        }

    def accept(self, raw: str) -> tuple[str | None, Outcome]:
        reply = clean_partner_reply(raw, self.persona.name)
        outcome = check_partner_reply(reply, locale=self.locale, context=self.safety_context)
        outcome.problems += echo_problems(reply, self.prompt_text, "partner")
        return (reply if outcome.ok else None), outcome


def partner_reply(
    model: ChatModel,
    settings: Settings,
    persona: PartnerPersona,
    scenario: str,
    transcript: Sequence[TranscriptTurn],
    offline_reply: str,
    *,
    locale: str | None = None,
    safety_context: SafetyVerdict | None = None,
) -> EngineAnswer[str]:
    """The practice partner's next turn, in character and screened; else ``offline_reply``."""
    task = _PartnerTask(
        settings, offline_reply, persona, scenario, transcript, locale, safety_context
    )
    return task.run(model)


__all__ = [
    "Accounting",
    "EngineAnswer",
    "PartnerPersona",
    "ResultEvent",
    "RetractEvent",
    "StreamEvent",
    "TokenEvent",
    "TranscriptTurn",
    "partner_reply",
    "personalise_exercise",
    "rewrite_with_llm",
    "stream_rewrite",
]

"""The rewrite task: the model's rewrites of a draft, checked like ours, whole or streamed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.config import Settings
from coach.drafts.analysis import DraftAnalysis
from coach.drafts.lint import lint
from coach.drafts.rewrite import Rewrite, RewriteNote
from coach.knowledge.retrieval import SearchHit
from coach.llm.guards import (
    STYLES,
    MalformedOutputError,
    Outcome,
    Problem,
    RawRewrite,
    check_rewrite,
    load_guards,
    parse_rewrites,
    unsafe_text,
)
from coach.llm.protocol import ChatModel
from coach.llm.provider import (
    ModelCallError,
    StreamStats,
    call_limits,
    model_label,
    stream_model,
)
from coach.llm.tasks.base import (
    CUT_OFF,
    DEFAULT_GUIDANCE_ID,
    DEFAULT_WHY,
    MAX_ATTEMPTS,
    MAX_TOKENS,
    OFFLINE_FALLBACK,
    EngineAnswer,
    Meter,
    ResultEvent,
    RetractEvent,
    Task,
    TokenEvent,
    passage_context,
    retry_notes,
)
from coach.safety import SafetyVerdict

# Streamed text waits for a sentence end, or at most this many characters, and the
# last HOLD_TAIL characters (a phrase still being written) always wait for more.
HOLD_WINDOW = 120
HOLD_TAIL = 60


class _RewriteTask(Task[list[Rewrite]]):
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
        self.passages = passage_context(passages)
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
            or unsafe_text(why, self.locale, self.safety_context)
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


@dataclass
class _Attempt:
    """One streamed attempt: what the model wrote, and whether any of it was sent or flagged."""

    stats: StreamStats = field(default_factory=StreamStats)
    pieces: list[str] = field(default_factory=list)
    sent: bool = False
    flagged: bool = False
    released: int = 0  # characters of ``pieces`` screened and sent


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

    Nothing unscreened is sent: text is held back until a sentence (or a bounded
    window) has passed the output screen, and a stream the screen flags is cut off at
    once and retracted. Tokens are still provisional: only the final
    :class:`ResultEvent` has passed every check.
    """
    task = _RewriteTask(settings, offline, text, analysis, passages, locale, safety_context)
    meter = Meter()
    notes: list[str] = []
    outcome = Outcome()
    for _ in range(MAX_ATTEMPTS):
        attempt = _Attempt()
        try:
            async for token in _tokens(model, task, notes, attempt, meter):
                yield token
        except ModelCallError as exc:
            meter.add(
                attempt.stats.model_ms, attempt.stats.prompt_tokens, attempt.stats.completion_tokens
            )
            if attempt.sent:
                meter.pause()
                yield RetractEvent(reason=exc.reason)
                meter.resume()
            if exc.reason != "malformed":
                yield ResultEvent(
                    answer=meter.finish("rewrite", offline, OFFLINE_FALLBACK, exc.reason)
                )
                return
            # Cut off at max_tokens or unreadable: one retry, as in the non-streaming path.
            outcome = Outcome([Problem("rewrite:cut_off", CUT_OFF, "malformed")])
            notes = retry_notes(outcome)
            continue
        meter.add(
            attempt.stats.model_ms, attempt.stats.prompt_tokens, attempt.stats.completion_tokens
        )
        value, outcome = _judged(task, attempt)
        if outcome.ok and value is not None:
            yield ResultEvent(answer=meter.finish("rewrite", value, f"llm:{model_label(model)}"))
            return
        if attempt.sent:
            meter.pause()
            yield RetractEvent(reason=outcome.failure or "failed_checks")
            meter.resume()
        notes = retry_notes(outcome)
    yield ResultEvent(
        answer=meter.finish("rewrite", offline, OFFLINE_FALLBACK, outcome.failure, outcome.codes)
    )


async def _tokens(
    model: ChatModel, task: _RewriteTask, notes: list[str], attempt: _Attempt, meter: Meter
) -> AsyncIterator[TokenEvent]:
    """One attempt's tokens, each released only after the screen has passed it.

    Text is held back until a sentence ends (or, without punctuation, until more than
    ``HOLD_WINDOW`` characters wait; then all but the last ``HOLD_TAIL`` are released),
    and everything received so far is screened before any of it is sent. The first
    flag cuts the attempt off; what was held is never sent.
    """
    async for delta in stream_model(
        model,
        task.messages(notes),
        attempt.stats,
        max_tokens=MAX_TOKENS["rewrite"],
        json_mode=True,
        limits=call_limits(task.settings),
    ):
        attempt.pieces.append(delta)
        text = "".join(attempt.pieces)
        cut = release_point(text, attempt.released)
        if cut <= attempt.released:
            continue
        if unsafe_text(text, task.locale, task.safety_context):
            attempt.flagged = True
            return
        meter.pause()
        yield _release(attempt, text[attempt.released : cut], cut)
        meter.resume()
    text = "".join(attempt.pieces)
    if attempt.released < len(text):
        if unsafe_text(text, task.locale, task.safety_context):
            attempt.flagged = True
            return
        meter.pause()
        yield _release(attempt, text[attempt.released :], len(text))
        meter.resume()


def _release(attempt: _Attempt, piece: str, cut: int) -> TokenEvent:
    attempt.released = cut
    attempt.sent = True
    return TokenEvent(text=piece)


_SENTENCE_END = re.compile(r"[.!?\n]")


def release_point(text: str, released: int) -> int:
    """How much of ``text`` may be sent once screened: up to the last sentence end,
    or, when more than ``HOLD_WINDOW`` characters wait without one, up to the last
    space before the final ``HOLD_TAIL`` characters (a phrase still being written)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, released)]
    if ends:
        return ends[-1]
    if len(text) - released <= HOLD_WINDOW:
        return released
    limit = len(text) - HOLD_TAIL
    space = text.rfind(" ", released, limit)
    return space + 1 if space > released else limit


def _judged(task: _RewriteTask, attempt: _Attempt) -> tuple[list[Rewrite] | None, Outcome]:
    """A finished attempt's rewrites and outcome; a flagged one is refused whole."""
    if attempt.flagged:
        return None, Outcome(
            [Problem("rewrite:unsafe", "Keep every version kind and safe.", "unsafe")]
        )
    return task.accept("".join(attempt.pieces))

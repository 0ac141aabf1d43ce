"""Job 1 between the rails: analyse a draft, cite the guidance, offer rewrites and a builder.

The facade (:class:`coach.service.Coach`) runs the input rails first; these steps
only ever see text the screen let through. The model's rewrites, when one is
configured, go through the same lint and output rails as any generated text
(:mod:`coach.llm.tasks`); ours stay if it fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.builder import IStatementDraft, build_i_statement, compose_i_statement
from coach.drafts.rewrite import Rewrite, RewriteOptions, Verdict, plan
from coach.drafts.wording import Wording
from coach.knowledge.citations import Citation, cite
from coach.knowledge.corpus import KnowledgeBase
from coach.knowledge.retrieval import SearchHit
from coach.llm.protocol import ChatModel
from coach.llm.tasks import rewrite_with_llm
from coach.pipeline import Guarded, Rails

DECISION_REMINDER = (
    "These are suggestions. You know your relationship: you decide what, and whether, to send."
)


class CitedFinding(BaseModel):
    kind: str
    marker: str
    start: int
    end: int
    text: str
    explanation: str
    suggestion: str
    citation: Citation | None


class DraftResult(Guarded):
    """What Coach says about a draft message."""

    text: str | None = None
    blame: bool | None = None
    heat: int | None = None
    findings: list[CitedFinding] = Field(default_factory=list)
    i_statement: IStatementDraft | None = None
    verdict: Verdict | None = Field(
        default=None,
        description="good_to_send (no change needed), rewritten, or not_built (use the builder).",
    )
    verdict_note: str | None = None
    rewrites: list[Rewrite] = Field(default_factory=list)
    reminder: str | None = None


class IStatementResult(Guarded):
    """The four parts the person chose, as one linted sentence (or the safety response)."""

    statement: IStatementDraft | None = None


def analyzed(
    rails: Rails, words: Wording, knowledge: KnowledgeBase, text: str, locale: str | None
) -> tuple[DraftResult, DraftAnalysis | None]:
    """The draft result and the analysis behind it (None when the input rails stopped it)."""
    screened = rails.guard(text, locale=locale)
    if screened.stopped:
        return DraftResult.stopped(screened), None
    analysis = analyze(text, rules=words.rules)
    result = DraftResult.screened(
        screened,
        text=text,
        blame=analysis.blame,
        heat=analysis.heat,
        findings=_cited(analysis, knowledge),
        reminder=DECISION_REMINDER,
    )
    return result, analysis


def add_rewrites(
    result: DraftResult,
    analysis: DraftAnalysis,
    words: Wording,
    options: RewriteOptions | None = None,
) -> None:
    """The verdict, the I-statement scaffold and the offline rewrites, onto ``result``."""
    text = result.text or ""
    outcome = plan(text, analysis, options=options, words=words)
    result.verdict = outcome.verdict
    result.verdict_note = outcome.note
    result.rewrites = outcome.rewrites
    if outcome.verdict != "good_to_send":
        result.i_statement = build_i_statement(text, analysis, words=words)


def rewrite_with_model(
    result: DraftResult,
    analysis: DraftAnalysis,
    *,
    model: ChatModel,
    settings: Settings,
    passages: Sequence[SearchHit],
    locale: str | None,
) -> None:
    """Richer rewrites from the model, checked like ours; ours stay if it fails."""
    answer = rewrite_with_llm(
        model,
        settings,
        result.text or "",
        analysis,
        passages,
        result.rewrites,
        locale=locale,
        safety_context=result.safety,
    )
    result.rewrites = answer.value
    result.engine = answer.engine


def compose(
    rails: Rails, words: Wording, parts: dict[str, str], locale: str | None
) -> IStatementResult:
    """The builder's four parts as one sentence, linted; screened like any input."""
    screened = rails.screen("\n".join(parts.values()), locale=locale)
    if screened.stopped:
        return IStatementResult.stopped(screened)
    statement = compose_i_statement(**parts, words=words)
    return IStatementResult.screened(screened, statement=statement)


def _cited(analysis: DraftAnalysis, knowledge: KnowledgeBase) -> list[CitedFinding]:
    return [
        CitedFinding(
            kind=f.kind,
            marker=f.marker,
            start=f.start,
            end=f.end,
            text=f.text,
            explanation=f.explanation,
            suggestion=f.suggestion,
            citation=cite(knowledge, f.guidance_id) if f.guidance_id else None,
        )
        for f in analysis.findings
    ]


__all__ = [
    "DECISION_REMINDER",
    "CitedFinding",
    "DraftResult",
    "IStatementResult",
    "RewriteOptions",
    "add_rewrites",
    "analyzed",
    "compose",
    "rewrite_with_model",
]

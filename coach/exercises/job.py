"""Job 2 between the rails: a stage, one fitting exercise and two alternatives, with why.

The facade runs the input rails first. A caution verdict goes on, but with nothing
that asks the person to face or share with their partner, and a support note. The
stage is the one the person asked for or the classifier's guess; the exercise is
chosen from the guidance (:mod:`coach.exercises.choose`), different from what this
person was given before. With a model configured, only the "why it fits you" is
personalised; the steps always come from the guidance.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.errors import StorageError
from coach.exercises.choose import Choice, Constraints, ExerciseCard, choose
from coach.exercises.situation import Situation, read_situation
from coach.knowledge.citations import Citation, cite
from coach.knowledge.corpus import KnowledgeBase
from coach.knowledge.retrieval import KnowledgeIndex
from coach.llm.protocol import ChatModel
from coach.llm.tasks import OFFLINE_FALLBACK, personalise_exercise
from coach.pipeline import Guarded, Rails, Screened
from coach.stages.classify import StageGuess, classify
from coach.stages.model import Stage, get_stage

if TYPE_CHECKING:
    from coach.storage.repository import Store  # the database code loads on first use

log = logging.getLogger(__name__)

SUPPORT_NOTE = (
    "Some of what you wrote suggests things may not feel safe or equal right now. "
    "These suggestions are for you alone; nothing here asks you to confront your "
    "partner. Talking with a counsellor or advocate can help."
)


class ExerciseRequest(BaseModel):
    description: str
    stage: str | None = None
    who: Literal["solo", "together"] | None = None
    minutes: int | None = Field(default=None, ge=1, le=600)


class ExerciseResult(Guarded):
    stage: str | None = None
    stage_name: str | None = None
    stage_source: Literal["explicit", "classified"] | None = None
    stage_guess: StageGuess | None = None
    clarifying_question: str | None = None
    exercise: ExerciseCard | None = None
    why: list[str] = Field(default_factory=list)
    alternatives: list[ExerciseCard] = Field(default_factory=list)
    relaxed: list[str] = Field(default_factory=list)
    support_note: str | None = None
    citations: list[Citation] = Field(default_factory=list)


def recommend(
    request: ExerciseRequest,
    *,
    rails: Rails,
    knowledge: KnowledgeBase,
    index: KnowledgeIndex,
    store: Store,
    user_id: str,
    locale: str | None,
) -> tuple[ExerciseResult, Choice | None]:
    """The screened, staged result and the exercise chosen for it (None: nothing fits)."""
    screened = rails.guard(request.description, what="description", locale=locale)
    if screened.stopped:
        return ExerciseResult.stopped(screened), None
    guess = classify(request.description)
    if request.stage:
        stage_id, source = get_stage(request.stage).id, "explicit"
    else:
        stage_id, source = guess.stage, "classified"
    stage = get_stage(stage_id)
    choice = _choose(
        request, screened, stage_id, knowledge=knowledge, index=index, store=store, user_id=user_id
    )
    result = ExerciseResult.screened(
        screened,
        stage=stage_id,
        stage_name=stage.name,
        stage_source=source,
        stage_guess=guess,
        clarifying_question=(
            guess.clarifying_question
            if source == "classified" and guess.needs_clarification
            else None
        ),
    )
    if screened.verdict.level == "caution":
        result.support_note = SUPPORT_NOTE
    if choice is None:
        return result, None
    _remember(store, user_id=user_id, exercise_id=choice.exercise.id, stage=stage_id)
    result.exercise = choice.exercise
    result.alternatives = choice.alternatives
    result.relaxed = choice.relaxed
    result.why = why(choice.exercise, stage, guess, source, request)
    return result, choice


def _remember(store: Store, *, user_id: str, exercise_id: str, stage: str) -> None:
    """Note what was given, so next time offers something new. Best effort.

    The answer itself needs no write: while the database is busy (another process
    holds the write lock) or read-only, the person still gets their exercise, and
    only the variety next time suffers. The warning names no user and no text.
    """
    try:
        store.record_recommendation(user_id=user_id, exercise_id=exercise_id, stage=stage)
    except StorageError as exc:
        reason = type(exc.__cause__).__name__ if exc.__cause__ else exc.code
        log.warning("Could not record an exercise recommendation (%s); answered anyway.", reason)
    else:
        log.debug("Recorded a recommendation of %s.", exercise_id)


def _choose(
    request: ExerciseRequest,
    screened: Screened,
    stage_id: str,
    *,
    knowledge: KnowledgeBase,
    index: KnowledgeIndex,
    store: Store,
    user_id: str,
) -> Choice | None:
    situation = read_situation(request.description)
    constraints = Constraints(
        who=request.who,
        minutes=request.minutes,
        exclude_partner_contact=screened.verdict.level == "caution",
        solo_only=situation.solo_only and request.who != "together",
        exclude_topics=_ruled_out(situation),
        problems=situation.problems,
    )
    similarity = {
        hit.doc_id: hit.score for hit in index.search(request.description, k=60, kind="exercise")
    }
    return choose(
        knowledge,
        stage=stage_id,
        constraints=constraints,
        similarity=similarity,
        recent=store.recent_exercise_ids(user_id=user_id),
    )


def _ruled_out(situation: Situation) -> frozenset[str]:
    """Exercise tags the person's situation rules out (coach.exercises.situation)."""
    ruled = set()
    if situation.in_therapy:
        ruled |= {"find_counsellor", "invite_to_counselling"}
    if situation.partner_unwilling:
        ruled.add("invite_to_counselling")
    if situation.apart and not situation.wants_together:
        ruled.add("daily_together")
    return frozenset(ruled)


def personalise(
    result: ExerciseResult,
    request: ExerciseRequest,
    *,
    model: ChatModel | None,
    settings: Settings,
    locale: str | None,
) -> None:
    """Say why the exercise fits in the person's terms; the steps stay the guidance's."""
    if model is None or result.exercise is None:
        result.engine = OFFLINE_FALLBACK
        return
    answer = personalise_exercise(
        model,
        settings,
        request.description,
        result.exercise,
        result.why,
        locale=locale,
        safety_context=result.safety,
    )
    result.why = answer.value
    result.engine = answer.engine


def add_citations(result: ExerciseResult, knowledge: KnowledgeBase) -> None:
    """The exercise's own guidance and its stage's, where they exist."""
    if result.exercise is None:
        return
    cited = (cite(knowledge, result.exercise.id), cite(knowledge, f"stage-{result.stage}"))
    result.citations = [c for c in cited if c is not None]


def why(
    card: ExerciseCard,
    stage: Stage,
    guess: StageGuess,
    source: str,
    request: ExerciseRequest,
    situation: Situation | None = None,
) -> list[str]:
    """Why this exercise, from the person's own words: the problem, then the stage, then fit."""
    situation = situation or read_situation(request.description)
    reasons = []
    matched = [p for p in situation.problems if p in card.topics]
    if matched:
        problem = matched[0]
        reasons.append(
            f"You wrote “{situation.evidence[problem]}”. This exercise is about "
            f"{situation.label(problem)}: {card.summary}"
        )
    elif source == "explicit":
        reasons.append(f"You asked for the '{stage.name}' stage. {card.title}: {card.summary}")
    else:
        cues = ", ".join(f"“{c.text}”" for c in guess.cues[:2])
        said = f"you mentioned {cues}, which " if cues else "what you wrote "
        reasons.append(f"From what you wrote ({said}sounds like '{stage.name}'): {card.summary}")
    reasons += _fit_reasons(card, request, situation)
    return reasons


def _fit_reasons(card: ExerciseCard, request: ExerciseRequest, situation: Situation) -> list[str]:
    fit = []
    if card.who == "solo" and situation.partner_unwilling:
        fit.append("You can do it on your own, since your partner isn't taking part.")
    elif card.who == "solo" and situation.apart:
        fit.append("You can do it on your own, without contacting your partner.")
    if situation.in_therapy:
        fit.append("It doesn't ask you to find a counsellor: you already have support.")
    minutes = f"{card.duration_minutes} minutes"
    if request.minutes and card.duration_minutes <= request.minutes:
        minutes += f" (within your {request.minutes})"
    together = "on your own" if card.who == "solo" else "together"
    fit.append(f"It takes about {minutes} and is done {together}.")
    return fit


__all__ = [
    "SUPPORT_NOTE",
    "ExerciseRequest",
    "ExerciseResult",
    "add_citations",
    "personalise",
    "recommend",
    "why",
]

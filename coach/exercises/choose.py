"""Choose one fitting exercise (and two alternatives) for where someone is.

The choice is deterministic and explainable: candidates are the exercises tagged
with the stage, filtered by what the person asked for (solo or together, minutes
available) and by safety (under a caution verdict nothing that asks them to face
or share with their partner). The rest are ranked by how close their text is to
what the person wrote, and exercises this person was already given move to the
back so asking again brings something new.

Constraints are relaxed only when nothing fits, one at a time, and the result
says which; the safety filter is never relaxed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from coach.knowledge.corpus import Document, KnowledgeBase, Source

Who = Literal["solo", "together"]


class ExerciseCard(BaseModel):
    """An exercise as people see it, with its citation."""

    id: str
    title: str
    summary: str
    stages: list[str]
    duration_minutes: int
    who: Who
    involves_partner: bool
    steps: list[str]
    avoid_when: list[str]
    details: str
    sources: list[Source]

    @classmethod
    def from_document(cls, doc: Document) -> ExerciseCard:
        return cls(
            id=doc.id,
            title=doc.title,
            summary=doc.summary,
            stages=doc.stages,
            duration_minutes=doc.duration_minutes or 0,
            who=doc.who or "solo",
            involves_partner=bool(doc.involves_partner),
            steps=list(doc.steps or []),
            avoid_when=list(doc.avoid_when or []),
            details=doc.body,
            sources=doc.sources,
        )


class Constraints(BaseModel):
    who: Who | None = None
    minutes: int | None = Field(default=None, ge=1, le=600)
    exclude_partner_contact: bool = False


class Choice(BaseModel):
    exercise: ExerciseCard
    alternatives: list[ExerciseCard]
    relaxed: list[str] = Field(
        default_factory=list, description="Constraints that had to be loosened to find anything."
    )
    repeated: bool = Field(
        default=False, description="True when every fitting exercise was already given."
    )


def _fits(doc: Document, constraints: Constraints, *, use_who: bool, use_minutes: bool) -> bool:
    if constraints.exclude_partner_contact and (doc.involves_partner or doc.who == "together"):
        return False
    if use_who and constraints.who and doc.who != constraints.who:
        return False
    return not (
        use_minutes and constraints.minutes and (doc.duration_minutes or 0) > constraints.minutes
    )


def choose(
    base: KnowledgeBase,
    *,
    stage: str,
    constraints: Constraints,
    similarity: Mapping[str, float],
    recent: Sequence[str] = (),
) -> Choice | None:
    """Pick an exercise; ``None`` only when no exercise at all passes the safety filter."""
    attempts: list[tuple[str | None, bool, bool, list[str]]] = [
        (stage, True, True, []),
        (stage, True, False, ["minutes"]),
        (None, True, True, ["stage"]),
        (stage, False, False, ["minutes", "solo/together"]),
        (None, False, False, ["stage", "minutes", "solo/together"]),
    ]
    recency = {exercise_id: n for n, exercise_id in enumerate(recent)}

    def rank(doc: Document) -> tuple[int, float, str]:
        # Never-given first; then the one given longest ago; then closest in meaning.
        seen = recency.get(doc.id)
        freshness = -len(recent) - 1 if seen is None else -seen
        return (freshness, -similarity.get(doc.id, 0.0), doc.id)

    # Walk the attempts in order: the first that fits anything supplies the exercise and
    # says what was relaxed; later ones only top up the alternatives to two.
    ordered: list[Document] = []
    relaxed: list[str] | None = None
    for attempt_stage, use_who, use_minutes, loosened in attempts:
        fitting = [
            doc
            for doc in base.exercises(attempt_stage)
            if _fits(doc, constraints, use_who=use_who, use_minutes=use_minutes)
            and doc not in ordered
        ]
        if fitting and relaxed is None:
            relaxed = loosened
        ordered += sorted(fitting, key=rank)
        if len(ordered) >= 3:
            break
    if not ordered or relaxed is None:
        return None
    cards = [ExerciseCard.from_document(doc) for doc in ordered[:3]]
    return Choice(
        exercise=cards[0],
        alternatives=cards[1:],
        relaxed=relaxed,
        repeated=ordered[0].id in recency,
    )

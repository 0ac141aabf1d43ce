"""Choose one fitting exercise (and two alternatives) for where someone is and what is wrong.

The choice is deterministic and explainable. Candidates are filtered by what the
person asked for (solo or together, minutes available), by their situation (a
partner who will not take part, already seeing a therapist, living apart) and by
safety (under a caution verdict nothing that asks them to face or share with their
partner). The rest are ranked: never-given first, then exercises tagged with the
person's problem (money, jealousy, no one to talk to ...), then the stage, then how
close their text is to what the person wrote. An exercise for the problem from
another stage beats one for the stage that ignores the problem.

Constraints are relaxed only when nothing fits, one at a time, and the result
says which; the safety and situation filters are never relaxed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    topics: list[str] = Field(default_factory=list)

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
            topics=list(doc.topics),
        )


class Constraints(BaseModel):
    who: Who | None = None
    minutes: int | None = Field(default=None, ge=1, le=600)
    exclude_partner_contact: bool = False
    # From the person's situation (coach.exercises.situation): never relaxed.
    solo_only: bool = False
    exclude_topics: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()


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
    if (constraints.exclude_partner_contact or constraints.solo_only) and (
        doc.involves_partner or doc.who == "together"
    ):
        return False
    if constraints.exclude_topics & set(doc.topics):
        return False
    if use_who and constraints.who and doc.who != constraints.who:
        return False
    return not (
        use_minutes and constraints.minutes and (doc.duration_minutes or 0) > constraints.minutes
    )


def problem_match(doc: Document, problems: Sequence[str]) -> int:
    """How many of the person's problems the exercise is tagged for, first problem weighing most."""
    topics = set(doc.topics)
    return sum((len(problems) - i) for i, p in enumerate(problems) if p in topics)


# (within the stage or the problem, keep who, keep minutes, what was relaxed), in order.
_ATTEMPTS: tuple[tuple[bool, bool, bool, list[str]], ...] = (
    (True, True, True, []),
    (True, True, False, ["minutes"]),
    (False, True, True, ["stage"]),
    (True, False, False, ["minutes", "solo/together"]),
    (False, False, False, ["stage", "minutes", "solo/together"]),
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
    rank = _ranking(stage, constraints.problems, similarity, recent)
    # Walk the attempts in order: the first that fits anything supplies the exercise and
    # says what was relaxed; later ones only top up the alternatives to two.
    ordered: list[Document] = []
    relaxed: list[str] | None = None
    for focused, use_who, use_minutes, loosened in _ATTEMPTS:
        fitting = [
            doc
            for doc in base.exercises(None)
            if _fits(doc, constraints, use_who=use_who, use_minutes=use_minutes)
            and (not focused or stage in doc.stages or problem_match(doc, constraints.problems))
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
        repeated=ordered[0].id in recent,
    )


def _ranking(
    stage: str, problems: Sequence[str], similarity: Mapping[str, float], recent: Sequence[str]
) -> Callable[[Document], tuple[int, bool, bool, int, float, str]]:
    """Never-given first; then one about the person's problem; then the stage; then the
    more central problem; then closeness in meaning."""
    recency = {exercise_id: n for n, exercise_id in enumerate(recent)}

    def rank(doc: Document) -> tuple[int, bool, bool, int, float, str]:
        seen = recency.get(doc.id)
        freshness = -len(recent) - 1 if seen is None else -seen
        matched = problem_match(doc, problems)
        return (
            freshness,
            not matched,
            stage not in doc.stages,
            -matched,
            -similarity.get(doc.id, 0.0),
            doc.id,
        )

    return rank

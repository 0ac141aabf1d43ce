"""Exercise choice: constraints, safety filter, rotation and honest relaxation."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.exercises.choose import Constraints, choose
from coach.knowledge import corpus
from tests.coach.knowledge.test_corpus import EXERCISE, write


def exercise(pid: str, stage: str, who: str, minutes: int, partner: bool) -> str:
    return (
        EXERCISE.replace("exercise-sample", pid)
        .replace("stages: [patterns]", f"stages: [{stage}]")
        .replace("who: together", f"who: {who}")
        .replace("duration_minutes: 20", f"duration_minutes: {minutes}")
        .replace("involves_partner: true", f"involves_partner: {str(partner).lower()}")
    )


@pytest.fixture
def base(tmp_path: Path) -> corpus.KnowledgeBase:
    specs = [
        ("exercise-t-together-long", "trust", "together", 45, True),
        ("exercise-t-solo-short", "trust", "solo", 10, False),
        ("exercise-t-solo-letter", "trust", "solo", 30, True),
        ("exercise-t-together-short", "trust", "together", 15, True),
        ("exercise-v-solo", "values", "solo", 10, False),
    ]
    for spec in specs:
        write(tmp_path, f"{spec[0]}.md", exercise(*spec))
    return corpus.load(tmp_path)


def test_respects_stage_who_and_minutes(base: corpus.KnowledgeBase) -> None:
    choice = choose(
        base, stage="trust", constraints=Constraints(who="together", minutes=20), similarity={}
    )
    assert choice is not None
    assert choice.exercise.id == "exercise-t-together-short"
    assert choice.relaxed == []


def test_ranks_by_similarity_then_rotates(base: corpus.KnowledgeBase) -> None:
    similarity = {"exercise-t-solo-letter": 0.9, "exercise-t-solo-short": 0.2}
    first = choose(base, stage="trust", constraints=Constraints(who="solo"), similarity=similarity)
    assert first is not None
    assert first.exercise.id == "exercise-t-solo-letter"
    # Only two solo trust exercises exist: the second alternative is topped up from
    # another stage, while the chosen one needed nothing relaxed.
    assert [a.id for a in first.alternatives] == ["exercise-t-solo-short", "exercise-v-solo"]
    assert first.relaxed == []
    again = choose(
        base,
        stage="trust",
        constraints=Constraints(who="solo"),
        similarity=similarity,
        recent=["exercise-t-solo-letter"],
    )
    assert again is not None
    assert again.exercise.id == "exercise-t-solo-short"
    assert again.repeated is False
    # Both given: the one given longest ago comes back first.
    third = choose(
        base,
        stage="trust",
        constraints=Constraints(who="solo"),
        similarity=similarity,
        recent=["exercise-t-solo-short", "exercise-t-solo-letter"],
    )
    assert third is not None
    assert third.exercise.id == "exercise-t-solo-letter"
    assert third.repeated is True


def test_caution_never_offers_partner_contact(base: corpus.KnowledgeBase) -> None:
    safe = Constraints(who="together", exclude_partner_contact=True)
    choice = choose(base, stage="trust", constraints=safe, similarity={})
    assert choice is not None
    every = [choice.exercise, *choice.alternatives]
    assert all(not card.involves_partner and card.who == "solo" for card in every)
    assert "solo/together" in choice.relaxed


def test_relaxes_minutes_before_stage(base: corpus.KnowledgeBase) -> None:
    choice = choose(base, stage="trust", constraints=Constraints(minutes=5), similarity={})
    assert choice is not None
    assert "trust" in choice.exercise.stages
    assert choice.relaxed == ["minutes"]

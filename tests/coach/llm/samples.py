"""Sample inputs the LLM task tests share, so each is written once."""

from __future__ import annotations

from coach.exercises.choose import ExerciseCard


def load_audit_card() -> ExerciseCard:
    """A together-exercise card with two grounded steps (a fresh copy per call)."""
    return ExerciseCard(
        id="balance-load-audit",
        title="Load audit",
        summary="List who does what at home and how long it takes.",
        stages=["balance"],
        duration_minutes=30,
        who="together",
        involves_partner=True,
        steps=["Each list your weekly chores.", "Compare the lists without judging."],
        avoid_when=[],
        details="",
        sources=[],
    )

"""The exercise task: "why this fits you" in the person's terms; the steps stay the guidance's."""

from __future__ import annotations

from typing import Any

from coach.config import Settings
from coach.exercises.choose import ExerciseCard
from coach.llm.guards import (
    MalformedOutputError,
    Outcome,
    Problem,
    check_reasons,
    echo_problems,
    load_guards,
    parse_reasons,
)
from coach.llm.protocol import ChatModel
from coach.llm.tasks.base import EngineAnswer, Task
from coach.safety import SafetyVerdict


class _ExerciseTask(Task[list[str]]):
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

"""The partner task: the practice partner's next turn in character, screened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coach.config import Settings
from coach.llm.guards import Outcome, check_partner_reply, clean_partner_reply, echo_problems
from coach.llm.protocol import ChatModel
from coach.llm.tasks.base import EngineAnswer, PartnerPersona, Task, TranscriptTurn
from coach.safety import SafetyVerdict


class _PartnerTask(Task[str]):
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

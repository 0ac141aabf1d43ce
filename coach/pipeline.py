"""Every job runs the same way: input rails, then the job, then output rails.

The rails are declared once, here (in the manner of NeMo-Guardrails), and every job
(drafts, exercises, practice) runs through them:

    input rails   1. check:  the text is usable: not empty, not binary, not too long
                  2. screen: safety.screen first; an urgent verdict (or the job's own,
                     stricter stop rule) stops the job, and the result carries the
                     safety response and nothing else: no coaching, no model call
    the job       analysis, stages, retrieval, the offline engine or the model
    output rails  shown: safety.check_generated on anything a model wrote, with the
                  person's verdict as context (the job's own lint runs beside it, in
                  coach.llm.guards); what fails is replaced by the offline answer

A caution verdict lets the job go on; its response (support lines) travels with
the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Self

from pydantic import BaseModel

from coach import safety
from coach.config import Settings
from coach.inputs import check_text
from coach.safety import Directory, SafetyResponse, SafetyVerdict

Status = Literal["ok", "safety"]
StopRule = Callable[[SafetyVerdict], bool]


def urgent(verdict: SafetyVerdict) -> bool:
    """The stop rule every job has: an urgent verdict."""
    return verdict.level == "urgent"


@dataclass(frozen=True)
class Screened:
    """What the input rails found: the verdict, what Coach says for it, and whether to stop."""

    verdict: SafetyVerdict
    response: SafetyResponse | None
    stopped: bool


class Guarded(BaseModel):
    """Fields every job result shares: the screen's verdict and, when it spoke, the response."""

    status: Status = "ok"
    engine: str = "offline"
    safety: SafetyVerdict
    safety_response: SafetyResponse | None = None

    @classmethod
    def stopped(cls, screened: Screened, **fields: Any) -> Self:
        """The result of a job the input rails stopped: the safety response, nothing else."""
        return cls(
            status="safety", safety=screened.verdict, safety_response=screened.response, **fields
        )

    @classmethod
    def screened(cls, screened: Screened, **fields: Any) -> Self:
        """The result of a job that went on, carrying the verdict (and any caution note)."""
        return cls(safety=screened.verdict, safety_response=screened.response, **fields)


class Rails:
    """The input and output rails for one configuration (its text limit, locale, crisis lines)."""

    def __init__(self, settings: Settings, crisis_lines: Directory) -> None:
        self.settings = settings
        self.crisis_lines = crisis_lines

    def check(self, text: object, *, what: str = "message") -> str:
        """Input rail 1: refuse what cannot be a message, saying what to do."""
        return check_text(text, max_chars=self.settings.max_text_chars, what=what)

    def screen(self, text: str, *, locale: str | None = None, stop: StopRule = urgent) -> Screened:
        """Input rail 2: the safety screen, and whether the job must stop."""
        verdict = safety.screen(text, locale or self.settings.locale, directory=self.crisis_lines)
        response = safety.safety_response(verdict) if verdict.level != "none" else None
        return Screened(verdict, response, stop(verdict))

    def screen_turns(
        self, turns: list[str], *, locale: str | None = None, stop: StopRule = urgent
    ) -> Screened:
        """Input rail 2 for a conversation: the last turn alone and the last three together.

        Risk is often spread over turns ("I can't do this anymore" ... "I've written
        the letters"); read apart, neither may reach a level, read together they do.
        The stricter of the two readings decides.
        """
        alone = self.screen(turns[-1], locale=locale, stop=stop)
        if alone.stopped or len(turns) == 1:
            return alone
        together = self.screen("\n".join(turns[-3:]), locale=locale, stop=stop)
        order = {"none": 0, "caution": 1, "urgent": 2}
        if together.stopped or order[together.verdict.level] > order[alone.verdict.level]:
            return together
        return alone

    def guard(self, text: str, *, what: str = "message", locale: str | None = None) -> Screened:
        """Both input rails for a job that takes one text."""
        self.check(text, what=what)
        return self.screen(text, locale=locale)

    def shown(self, text: str, *, locale: str | None, context: SafetyVerdict | None) -> bool:
        """Output rail: whether text a model wrote may be shown to this person."""
        return not safety.check_generated(text, locale, context=context).replace


__all__ = ["Guarded", "Rails", "Screened", "Status", "StopRule", "urgent"]

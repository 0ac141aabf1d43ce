"""What practice returns: the partner's state and lines, feedback, turns, sessions, summaries.

Every partner line is flagged ``simulated`` and carries the label, so no surface
can show it as a real person's words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from coach.drafts.rules import Finding
from coach.pipeline import Guarded
from coach.practice.rules import Area, Move, Persona, SessionStatus, load_rules


class PersonaState(BaseModel):
    """The simulated partner's state; 0-100 scales."""

    mood: int = Field(ge=0, le=100)
    openness: int = Field(ge=0, le=100)
    defensiveness: int = Field(ge=0, le=100)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def band(self) -> str:
        bands = load_rules().moves.bands
        if self.mood < bands.low:
            return "low"
        return "high" if self.mood >= bands.high else "mid"


class PartnerMessage(BaseModel):
    """A line spoken by the simulated partner. Always flagged and labelled as a simulation."""

    text: str
    simulated: Literal[True] = True
    label: str
    persona: Persona
    mood_band: str


class MoveNote(BaseModel):
    """A good move found in a turn, or one worth trying, with the guidance behind it."""

    move: Move
    label: str
    explanation: str
    guidance_id: str
    evidence: str | None = Field(default=None, description="The words that showed the move.")
    example: str | None = None


class TurnFeedback(BaseModel):
    """What Coach noticed in one of the person's turns."""

    blame: bool
    heat: int
    findings: list[Finding]
    moves: list[Move] = Field(description="Moves present, in the canonical order.")
    present: list[MoveNote]
    missing: list[MoveNote] = Field(description="At most one next step, not the last one again.")
    flooded: bool
    acts: list[str] = Field(
        default_factory=list,
        description="What the turn did, read from its own words: apology, proposal, a break "
        "(with a time to come back or not), a question, thanks, a feeling...",
    )
    heard: dict[str, str] = Field(
        default_factory=dict, description="The person's words that showed each act."
    )
    return_time: str | None = Field(
        default=None, description="When they said they would come back, for a break."
    )


class PracticeTurn(BaseModel):
    index: int = Field(description="1 for the person's first turn.")
    created_at: datetime
    text: str
    feedback: TurnFeedback
    partner: PartnerMessage | None
    state_before: PersonaState
    state_after: PersonaState

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mood_change(self) -> int:
        return self.state_after.mood - self.state_before.mood


class GuidanceRef(BaseModel):
    passage_id: str
    title: str
    section: str | None = None


class BestMoment(BaseModel):
    turn_index: int
    why: str


class RepairCredit(BaseModel):
    """A repair the person made, credited in the summary in their own words."""

    turn_index: int
    act: str
    words: str
    why: str


class PracticeSummary(BaseModel):
    """How the session went, scored 0-100 per skill, with one thing to try next time."""

    turns: int
    scores: dict[Area, int]
    best_moment: BestMoment | None
    try_next_time: str
    try_next_time_area: Area
    mood_start: int
    mood_end: int
    citations: list[GuidanceRef]
    repairs: list[RepairCredit] = Field(
        default_factory=list, description="Every repair move made, turn by turn."
    )


class PracticeSession(BaseModel):
    id: str
    persona: Persona
    persona_name: str
    scenario: str
    goal: str
    status: SessionStatus
    seed: int
    created_at: datetime
    updated_at: datetime
    disclaimer: str
    opening: PartnerMessage
    start_state: PersonaState
    state: PersonaState
    turns: list[PracticeTurn]
    summary: PracticeSummary | None = None


class SessionListItem(BaseModel):
    id: str
    persona: Persona
    scenario: str
    goal: str
    status: SessionStatus
    turns: int
    created_at: datetime
    updated_at: datetime


class PracticeStart(Guarded):
    """A new session, or (status "safety") the safety response and no session."""

    session: PracticeSession | None = None


class TurnResult(Guarded):
    """The turn with its feedback and the partner's reply, or the safety response."""

    turn: PracticeTurn | None = None
    session_status: SessionStatus
    state: PersonaState


class HintResult(BaseModel):
    move: Move
    label: str
    why: str
    example: str
    guidance_id: str


class UndoResult(BaseModel):
    removed_turn: int
    state: PersonaState
    turns: int


__all__ = [
    "BestMoment",
    "GuidanceRef",
    "HintResult",
    "MoveNote",
    "PartnerMessage",
    "PersonaState",
    "PracticeSession",
    "PracticeStart",
    "PracticeSummary",
    "PracticeTurn",
    "SessionListItem",
    "TurnFeedback",
    "TurnResult",
    "UndoResult",
]

"""The guided "I" statement builder: four parts pre-filled from a draft, for the person to edit.

The builder pre-fills the four NVC parts (observation, feeling, need, request) from
what the draft says (:mod:`coach.drafts.reading`), offers other feelings and needs
to choose from, and renders whatever the person settles on as one sentence, linted.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.lint import LintResult, lint
from coach.drafts.reading import read_draft
from coach.drafts.wording import Wording, request_for, tidy, wording
from coach.errors import InputError


class IStatementDraft(BaseModel):
    """The four parts of an "I" statement, pre-filled or chosen, and the sentence they make."""

    model_config = ConfigDict(frozen=True)

    observation: str = Field(description="What happened, without absolutes or verdicts.")
    feeling: str
    need: str = Field(description="Reads after 'because I need ...'.")
    request: str
    text: str
    lint: LintResult
    topic: str | None = Field(default=None, description="The concrete topic kept from the draft.")
    feeling_options: list[str] = Field(default_factory=list)
    need_options: list[str] = Field(default_factory=list)


def build_i_statement(
    text: str, analysis: DraftAnalysis | None = None, *, words: Wording | None = None
) -> IStatementDraft:
    """Pre-fill observation, feeling, need and request from a draft, for the person to edit."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rework.")
    engine = words or wording()
    analysis = analysis or analyze(text, rules=engine.rules)
    reading = read_draft(text, analysis, engine)
    need = engine.needs.needs[reading.need]
    observation = reading.observation or (
        f"it comes to {reading.topic}" if reading.topic else "we talk about this"
    )
    families = [reading.family] + [f for f in need.feelings if f != reading.family]
    feeling_options = [w for f in families for w in engine.feelings.families[f].words[:3]]
    ranked_needs = [reading.need, *[n for n in engine.needs.needs if n != reading.need][:3]]
    composed = compose_i_statement(
        observation=observation,
        feeling=engine.feelings.families[reading.family].words[0],
        need=need.phrase,
        request=request_for(reading.need, reading.topic, engine, reading.ask),
        words=engine,
    )
    return composed.model_copy(
        update={
            "topic": reading.topic,
            "feeling_options": feeling_options[:8],
            "need_options": [engine.needs.needs[n].phrase for n in ranked_needs],
        }
    )


def compose_i_statement(
    *, observation: str, feeling: str, need: str, request: str, words: Wording | None = None
) -> IStatementDraft:
    """Render an "I" statement from parts the person chose, and lint it.

    Parts may be typed loosely ("when you...", "I feel hurt", "I need rest",
    "talk tonight"); the sentence frame is added here so each part stays one idea.
    """
    parts = {"observation": observation, "feeling": feeling, "need": need, "request": request}
    for name, value in parts.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"The {name} is empty.", hint=f"Fill in the {name} step.")
    obs = re.sub(r"^\s*when\s+", "", observation.strip(), flags=re.IGNORECASE).rstrip(" .,!?")
    feel = re.sub(
        r"^\s*(?:i\s+feel|i'm\s+feeling|i\s+am\s+feeling|i'm|i\s+am|feeling)\s+",
        "",
        feeling.strip(),
        flags=re.IGNORECASE,
    ).rstrip(" .,!?")
    wants = re.sub(
        r"^\s*(?:because\s+)?(?:i\s+need|i'd\s+like|i\s+want)\s+",
        "",
        need.strip(),
        flags=re.IGNORECASE,
    ).rstrip(" .,!?")
    ask = request.strip().rstrip(" .")
    if not re.match(
        r"(?i)^(?:could|can|would|will)\s+(?:we|you)\b|^(?:let's|please|i'd like)", ask
    ):
        ask = f"Would you be willing to {ask[0].lower()}{ask[1:]}"
    if not ask.endswith(("?", "!")) and re.match(r"(?i)^(?:could|can|would|will)\b", ask):
        ask += "?"
    elif not ask.endswith(("?", "!", ".")):
        ask += "."
    text = tidy(f"When {obs}, I feel {feel}, because I need {wants}. {ask}")
    return IStatementDraft(
        observation=obs,
        feeling=feel,
        need=wants,
        request=ask,
        text=text,
        lint=lint(text, words=words),
    )


__all__ = ["IStatementDraft", "build_i_statement", "compose_i_statement"]

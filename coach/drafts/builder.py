"""The guided "I" statement builder: four parts pre-filled from the person's own words.

What happened, how I feel, what I need, what I ask. The builder fills each part
from the draft where the draft says it (the event with the blame taken out, a
feeling, the need its words point to, the person's own request) and leaves a part
empty where the draft does not: Coach never writes a request, a day or a time the
person did not choose. The surfaces show each part as an editable field and the
lint says what is still missing.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.facts import requests
from coach.drafts.lint import LintResult, lint
from coach.drafts.options import RewriteOptions
from coach.drafts.pieces import Pieces, read_pieces
from coach.drafts.wording import Wording, tidy, wording
from coach.errors import InputError


class IStatementDraft(BaseModel):
    """The four parts of an "I" statement, pre-filled or chosen, and the sentence they make."""

    model_config = ConfigDict(frozen=True)

    observation: str = Field(description="What happened, without absolutes or verdicts.")
    feeling: str
    need: str = Field(default="", description="Reads after 'because I need ...'; may be empty.")
    request: str = Field(default="", description="The person's own ask; empty until they add one.")
    text: str
    lint: LintResult
    topic: str | None = Field(default=None, description="The concrete topic kept from the draft.")
    feeling_options: list[str] = Field(default_factory=list)
    need_options: list[str] = Field(default_factory=list)


def build_i_statement(
    text: str, analysis: DraftAnalysis | None = None, *, words: Wording | None = None
) -> IStatementDraft:
    """Pre-fill the four parts from a draft, for the person to edit."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rework.")
    engine = words or wording()
    analysis = analysis or analyze(text, rules=engine.rules)
    pieces = read_pieces(text, analysis, RewriteOptions())
    family = engine.feelings.family_of(pieces.feeling) or "frustrated"
    composed = compose_i_statement(
        observation=_event(pieces),
        feeling=pieces.feeling,
        need=pieces.need or "",
        request=_own_ask(text, pieces, engine),
        words=engine,
    )
    return composed.model_copy(
        update={
            "topic": pieces.topic,
            "feeling_options": _feeling_options(family, engine),
            "need_options": [n.phrase for n in engine.needs.needs.values() if family in n.feelings][
                :4
            ],
        }
    )


def _event(pieces: Pieces) -> str:
    """What happened, in their words with the blame taken out; empty if the draft has none."""
    for role in ("observation", "edited", "kept"):
        for _, edited in pieces.items:
            if edited.role == role and edited.text:
                return edited.text
    return ""


def _own_ask(text: str, pieces: Pieces, engine: Wording) -> str:
    """The person's own request, if they made one; a rhetorical one only as its plain ask."""
    ask = next(iter(requests(text)), "")
    if ask and not analyze(ask, rules=engine.rules).blame:
        return ask
    return next((e.text for _, e in pieces.items if e.role == "request"), "")


def _feeling_options(family: str, engine: Wording) -> list[str]:
    families = [family, *engine.feelings.families]
    words = [w for f in families for w in engine.feelings.families[f].words[:2]]
    return list(dict.fromkeys(words))[:8]


def compose_i_statement(
    *,
    observation: str,
    feeling: str,
    need: str = "",
    request: str = "",
    words: Wording | None = None,
) -> IStatementDraft:
    """Render an "I" statement from the parts the person chose, and lint it.

    Parts may be typed loosely ("when you...", "I feel hurt", "I need rest"); the
    sentence frame is added here so each part stays one idea. The feeling is needed;
    what happened, the need and the request may be left out, and the request is used
    as the person wrote it.
    """
    if not isinstance(feeling, str) or not feeling.strip():
        raise InputError("The feeling is empty.", hint="Fill in the feeling step.")
    obs = re.sub(r"^\s*when\s+", "", (observation or "").strip(), flags=re.I).rstrip(" .,!?")
    feel = re.sub(
        r"^\s*(?:i\s+feel|i'm\s+feeling|i\s+am\s+feeling|i'm|i\s+am|feeling)\s+",
        "",
        feeling.strip(),
        flags=re.IGNORECASE,
    ).rstrip(" .,!?")
    wants = re.sub(
        r"^\s*(?:because\s+)?(?:i\s+need|i'd\s+like|i\s+want)\s+",
        "",
        (need or "").strip(),
        flags=re.I,
    ).rstrip(" .,!?")
    ask = (request or "").strip()
    ask = ask[:1].upper() + ask[1:]
    if ask and not ask.endswith(("?", "!", ".")):
        ask += "?" if re.match(r"(?i)^(?:could|can|would|will|shall|do|is)\b", ask) else "."
    because = f", because I need {wants}" if wants else ""
    core = f"When {obs}, I feel {feel}{because}." if obs else f"I feel {feel}{because}."
    text = tidy(f"{core} {ask}".strip())
    return IStatementDraft(
        observation=obs,
        feeling=feel,
        need=wants,
        request=ask,
        text=text,
        lint=lint(text, words=words),
    )


__all__ = ["IStatementDraft", "build_i_statement", "compose_i_statement"]

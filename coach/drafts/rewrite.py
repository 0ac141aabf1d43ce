"""Offline rewrites: the person's message with the blame taken out, as Coach offers them.

The editing itself lives in :mod:`coach.drafts.compose` (sentences kept, flagged
ones edited, one feeling and an open invitation added where missing, three styles
checked for blame, grammar and fidelity). This module turns that plan into what the
surfaces show: a verdict ("good to send", "rewritten", or "not built, use the
builder"), each offered version with the changes it made and why, and its lint.

Why edit and not replace: people keep ownership and learn more when shown what to
change in their own words than when their words are replaced (Sharma et al.,
HAILEY, 2023), and a rewrite that changes what they meant is worse than none.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.compose import Candidate, RewritePlan, plan_rewrites
from coach.drafts.facts import requests
from coach.drafts.lint import LintResult, lint
from coach.drafts.options import RewriteOptions
from coach.drafts.wording import Wording, wording
from coach.errors import InputError

__all__ = [
    "Rewrite",
    "RewriteNote",
    "RewriteOptions",
    "RewriteOutcome",
    "Style",
    "Verdict",
    "plan",
    "rewrite",
]

Style = Literal["gentle", "direct", "short_text", "polish"]
Verdict = Literal["good_to_send", "rewritten", "not_built"]

_G_START_UP = "technique-i-statements#gentle-start-up"
_G_FORMULA = "technique-i-statements#the-i-statement-formula"
_G_PSEUDO = "technique-nvc#pseudo-feelings"
_G_REQUEST = "technique-nvc#requests"
_G_BREAK = "technique-flooding-and-time-outs#taking-a-break-well"
_G_APOLOGY = "technique-apologies#taking-responsibility-without-excuses"
_G_CONTEMPT = "technique-four-horsemen#contempt"
_G_CRITICISM = "technique-four-horsemen#criticism"
_G_DEFENSIVE = "technique-four-horsemen#defensiveness"


class RewriteNote(BaseModel):
    """One change a rewrite made, why it helps, and where to read more."""

    model_config = ConfigDict(frozen=True)

    change: str
    guidance_id: str


class Rewrite(BaseModel):
    """One suggested version of the draft in a given style."""

    model_config = ConfigDict(frozen=True)

    style: Style
    text: str
    why: list[RewriteNote]
    lint: LintResult


class RewriteOutcome(BaseModel):
    """What the draft coach offers: a verdict, the versions, and a plain note."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    note: str
    rewrites: list[Rewrite] = Field(default_factory=list)
    topic: str | None = None
    feeling: str | None = None


# (markers or kinds that trigger it, the change, the guidance passage), in reading order.
_CHANGES: tuple[tuple[frozenset[str], str, str], ...] = (
    (
        frozenset({"absolute", "blanket_claim", "loaded_question"}),
        "Says what happened instead of 'always' or 'never'.",
        _G_CRITICISM,
    ),
    (
        frozenset({"you_accusation", "mind_reading", "demand", "shouting", "put_down"}),
        "Leaves out the verdict on who they are and keeps the event.",
        _G_START_UP,
    ),
    (frozenset({"pseudo_feeling"}), "Names the feeling under words like 'ignored'.", _G_PSEUDO),
    (
        frozenset({"contempt"}),
        "Says the plain point instead of the sarcasm or the jab.",
        _G_CONTEMPT,
    ),
    (frozenset({"apology_but"}), "Keeps your apology whole, without the 'but'.", _G_APOLOGY),
    (
        frozenset({"counter_attack", "innocent_victim", "excuse", "non_apology", "self_pity"}),
        "Drops the counter-attack so their point and yours can both land.",
        _G_DEFENSIVE,
    ),
    (frozenset({"stonewalling"}), "Asks for a pause instead of shutting the door.", _G_BREAK),
)


def _notes(analysis: DraftAnalysis, plan: RewritePlan, text: str) -> list[RewriteNote]:
    """What was changed, in the order a person would read it."""
    present = set(analysis.markers) | set(analysis.kinds)
    notes = [
        RewriteNote(change=change, guidance_id=guidance)
        for triggers, change, guidance in _CHANGES
        if present & triggers
    ]
    if plan.feeling:
        notes.append(
            RewriteNote(
                change=f"Says how you feel ('{plan.feeling}'); change the word if it isn't yours.",
                guidance_id=_G_FORMULA,
            )
        )
    own = "Keeps your own request in your words."
    invite = (
        "Ends with an open invitation to talk; add your own ask in the builder if you have one."
    )
    notes.append(RewriteNote(change=own if _asks(text) else invite, guidance_id=_G_REQUEST))
    return notes


def _asks(text: str) -> bool:
    return bool(requests(text))


def _offer(candidate: Candidate, notes: list[RewriteNote], words: Wording) -> Rewrite:
    return Rewrite(
        style=candidate.style,
        text=candidate.text,
        why=notes if candidate.style != "polish" else [],
        lint=lint(candidate.text, words=words),
    )


def plan(
    text: str,
    analysis: DraftAnalysis | None = None,
    *,
    options: RewriteOptions | None = None,
    words: Wording | None = None,
) -> RewriteOutcome:
    """The verdict and the versions for ``text`` (analysed once by the caller, ideally)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rewrite.")
    engine = words or wording()
    analysis = analysis or analyze(text, rules=engine.rules)
    result = plan_rewrites(text, analysis, options)
    notes = _notes(analysis, result, text)
    return RewriteOutcome(
        verdict=result.verdict,
        note=result.note,
        rewrites=[_offer(c, notes, engine) for c in result.candidates],
        topic=result.topic,
        feeling=result.feeling,
    )


def rewrite(
    text: str,
    analysis: DraftAnalysis | None = None,
    *,
    options: RewriteOptions | None = None,
    words: Wording | None = None,
) -> list[Rewrite]:
    """The versions Coach offers for ``text`` (none when it is good to send or none is sound)."""
    return plan(text, analysis, options=options, words=words).rewrites

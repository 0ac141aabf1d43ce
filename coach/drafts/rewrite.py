"""Offline rewrites of a draft as "I" statements that keep the person's point.

Why this shape: research on feedback tools (Sharma et al. 2023) found people keep
ownership and grow more when they are shown what to change in their own words
than when their words are replaced. So the rewrites are suggestions that keep the
person's concrete point ("the dishes", "picking the kids up at 5"), each linted
(:mod:`coach.drafts.lint`) and at most three times as long as the draft. All word
lists are data: feelings in ``knowledge/lexicon/feelings.yaml``, needs and their
trigger topics in ``knowledge/lexicon/needs.yaml``, and the rewrite settings in the
``rewrite`` section of ``coach/data/draft_rules.yaml``. Nothing here logs or stores
the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.lint import LintResult, lint
from coach.drafts.reading import Reading, read_draft, when_clause
from coach.drafts.wording import Wording, request_for, tidy, wording
from coach.errors import InputError

Style = Literal["gentle", "direct", "short_text"]
MAX_LENGTH_RATIO = 3.0

_G_START_UP = "technique-i-statements#gentle-start-up"
_G_FORMULA = "technique-i-statements#the-i-statement-formula"
_G_PSEUDO = "technique-nvc#pseudo-feelings"
_G_REQUEST = "technique-nvc#requests"
_G_BREAK = "technique-flooding-and-time-outs#taking-a-break-well"
_G_REPAIR = "technique-repair-attempts#what-a-repair-attempt-is"
_G_CONTEMPT = "technique-four-horsemen#contempt"
_G_CRITICISM = "technique-four-horsemen#criticism"


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


@dataclass(frozen=True)
class _Parts:
    """The pieces every style's versions are made of, worked out once per draft."""

    feeling: str
    need_phrase: str
    need_short: str
    when: str | None
    ask: str
    opener: str
    topic: str | None
    about: str
    short_words: list[str]
    reading_ask: str | None


def _candidates(
    style: Style, reading: Reading, analysis: DraftAnalysis, engine: Wording
) -> list[str]:
    """Versions of one style, longest first; the caller keeps the first that fits and lints.

    Shorter versions exist because a rewrite should never bury a short message; at
    each length the versions that keep the draft's topic come first.
    """
    need = engine.needs.needs[reading.need]
    family = engine.feelings.families[reading.family]
    kinds = analysis.kinds
    parts = _Parts(
        feeling=family.words[0],
        need_phrase=need.phrase,
        need_short=need.short,
        when=when_clause(reading),
        ask=request_for(reading.need, reading.topic, engine, reading.ask),
        opener=engine.settings.openers.get(kinds[0], "") if kinds else "",
        topic=reading.topic,
        about=f" about {reading.topic}" if reading.topic else "",
        short_words=sorted(family.words[:3], key=len),
        reading_ask=reading.ask,
    )
    versions = {"gentle": _gentle, "direct": _direct}.get(style, _short_text)(parts)
    return [tidy(candidate) for candidate in versions]


def _gentle(p: _Parts) -> list[str]:
    core = (
        f"{p.when}, I feel {p.feeling}, because I need {p.need_phrase}."
        if p.when
        else f"I've been feeling {p.feeling}{p.about}, because I need {p.need_phrase}."
    )
    out = [f"{p.opener}{core} {p.ask}", f"{core} {p.ask}"]
    if p.when:
        out += [
            f"{p.when}, I feel {p.feeling}. {p.ask}",
            f"{p.when}, I feel {p.feeling}. {p.need_short}",
        ]
    out += [f"I feel {p.feeling}{p.about}. {p.ask}", f"I feel {p.feeling}{p.about}. {p.need_short}"]
    if p.topic:
        out += [f"I'm {word} about {p.topic}. Can we talk tonight?" for word in p.short_words]
    elif p.when:
        out += [f"{p.when}, I feel {word}. Can we talk tonight?" for word in p.short_words]
    out += [f"I feel {p.feeling}. {p.need_short}", f"I feel {p.feeling}. Can we talk tonight?"]
    return out


def _direct(p: _Parts) -> list[str]:
    out: list[str] = []
    if p.when:
        out.append(f"{p.when}, I feel {p.feeling}. I need {p.need_phrase}. {p.ask}")
    out.append(f"I feel {p.feeling}{p.about} and I need {p.need_phrase}. {p.ask}")
    if p.topic:
        out.append(f"About {p.topic}: I'm {p.feeling}. {p.ask}")
        out.append(f"About {p.topic}: I'm {p.feeling}. {p.need_short}")
        out += [f"About {p.topic}: I'm {word}. Talk at 8?" for word in p.short_words]
    elif p.when:
        out.append(f"{p.when}, I'm {p.feeling}. {p.ask}")
        out += [f"{p.when}, I'm {word}. Talk at 8?" for word in p.short_words]
    out.append(f"I'm {p.feeling}. {p.ask}")
    if p.reading_ask:
        out.append(f"I'm {p.feeling}. Could you {p.reading_ask} this week?")
    out += [f"I'm {word}. Talk tonight at 8?" for word in p.short_words]
    out += [f"I'm {word}. Call me at 8?" for word in p.short_words]
    return out


def _short_text(p: _Parts) -> list[str]:
    out: list[str] = []
    if p.topic:
        out.append(f"Feeling {p.feeling} about {p.topic}. {p.need_short}")
        out += [f"Re {p.topic}: I'm {word}. Talk at 8?" for word in p.short_words]
    elif p.when:
        out += [f"{p.when}, I felt {word}. Talk at 8?" for word in p.short_words]
    if p.reading_ask:
        out.append(f"Feeling {p.feeling}. Could you {p.reading_ask} this week?")
    out += [f"Feeling {p.feeling}. {p.need_short}", f"I'm {p.feeling}. Can we talk at 8?"]
    out += [f"I'm {word}. Talk at 8?" for word in p.short_words]
    return out


def _notes(reading: Reading, analysis: DraftAnalysis, has_when: bool) -> list[RewriteNote]:
    notes: list[RewriteNote] = []
    markers = set(analysis.markers)
    kinds = set(analysis.kinds)
    if markers & {"absolute", "you_accusation", "mind_reading", "shouting", "demand"}:
        notes.append(
            RewriteNote(
                change="Describes what happened instead of a verdict (no always/never/'you are').",
                guidance_id=_G_CRITICISM if "absolute" in markers else _G_START_UP,
            )
        )
    if reading.pseudo:
        notes.append(
            RewriteNote(
                change=f"Names the feeling under '{reading.pseudo}' instead of what they did.",
                guidance_id=_G_PSEUDO,
            )
        )
    if "contempt" in kinds:
        notes.append(
            RewriteNote(
                change="Says plainly what you want, without sarcasm, names or threats.",
                guidance_id=_G_CONTEMPT,
            )
        )
    if "defensiveness" in kinds:
        notes.append(
            RewriteNote(
                change="Lowers the guard instead of counter-attacking, so their point can land.",
                guidance_id=_G_REPAIR,
            )
        )
    if "stonewalling" in kinds:
        notes.append(
            RewriteNote(
                change="Takes a break with a time to come back, instead of shutting the door.",
                guidance_id=_G_BREAK,
            )
        )
    notes.append(
        RewriteNote(
            change="Starts from 'I': your feeling and your need"
            + (", tied to the concrete situation." if has_when else "."),
            guidance_id=_G_FORMULA,
        )
    )
    notes.append(
        RewriteNote(
            change="Ends with a concrete request they can say yes to.", guidance_id=_G_REQUEST
        )
    )
    return notes


def rewrite(
    text: str, analysis: DraftAnalysis | None = None, *, words: Wording | None = None
) -> list[Rewrite]:
    """Two or three "I" statement versions of ``text`` (gentle, direct, short_text).

    Each version keeps the draft's concrete topic, lints clean and is at most three
    times as long as the draft (a rewrite should not bury the point). Styles with no
    version that meets all three are left out, so a tiny draft may get fewer.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rewrite.")
    engine = words or wording()
    analysis = analysis or analyze(text, rules=engine.rules)
    reading = read_draft(text, analysis, engine)
    budget = max(len(text.strip()), 1) * MAX_LENGTH_RATIO
    notes = _notes(reading, analysis, when_clause(reading) is not None)
    result: list[Rewrite] = []
    seen: set[str] = set()
    for style in ("gentle", "direct", "short_text"):
        for candidate in _candidates(style, reading, analysis, engine):
            if len(candidate) > budget or candidate in seen:
                continue
            checked = lint(candidate, words=engine)
            if checked.ok:
                seen.add(candidate)
                result.append(Rewrite(style=style, text=candidate, why=notes, lint=checked))
                break
    return result


__all__ = ["MAX_LENGTH_RATIO", "Rewrite", "RewriteNote", "Style", "rewrite"]

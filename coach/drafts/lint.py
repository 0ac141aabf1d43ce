"""Lint for an "I" statement, Coach's own or a model's: does it work as one?

Two things make an "I" statement work: no blame left in it, and a real feeling
(not a pseudo-feeling such as "ignored"). A request helps, and the lint says so,
but it must be the person's own: Coach never fills one in with a day or a time
they did not choose, so a missing request is advice, not a failure. Whether a
rewrite keeps the person's point is :func:`coach.drafts.facts.check_rewrite`'s job,
the same check for Coach's rewrites and a model's.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from coach.drafts.analysis import analyze
from coach.drafts.rules import Finding
from coach.drafts.wording import STRAIGHTEN, WORD, Wording, wording
from coach.errors import InputError

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class LintResult(BaseModel):
    """Whether a rewrite works as an "I" statement, and what to fix if not."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    blame_free: bool
    has_feeling: bool
    has_request: bool
    feeling_words: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    advice: list[str] = Field(default_factory=list, description="Suggestions, not failures.")
    findings: list[Finding] = Field(default_factory=list)


def lint(rewrite_text: str, *, words: Wording | None = None) -> LintResult:
    """Check an "I" statement: no blame left and a real feeling word; a request advised."""
    if not isinstance(rewrite_text, str) or not rewrite_text.strip():
        raise InputError("There is nothing to check.", hint="Write or choose a message first.")
    engine = words or wording()
    text = rewrite_text.translate(STRAIGHTEN)
    analysis = analyze(rewrite_text, rules=engine.rules)
    problems: list[str] = []
    if analysis.blame:
        markers = ", ".join(analysis.markers)
        problems.append(f"Still reads as blame or a shut-down ({markers}).")

    feelings = [m.group().lower() for m in engine.feeling_word.finditer(text)]
    pseudo = [m.group().lower() for m in engine.pseudo_word.finditer(text)]
    has_feeling = bool(feelings) and not pseudo
    if pseudo:
        problems.append(
            f"'{pseudo[0]}' describes what someone did, not a feeling; try hurt, lonely or sad."
        )
    elif not feelings:
        problems.append("Name a feeling, for example frustrated, lonely, worried or tired.")

    has_request = any(
        any(p.search(sentence.group()) for p in engine.request_cues)
        for sentence in _SENTENCE.finditer(text)
    )
    advice = []
    if not has_request:
        advice.append(
            "If you want something from them, ask for it in your own words "
            "(for example 'Can we talk about it?')."
        )
    return LintResult(
        ok=not problems,
        advice=advice,
        blame_free=not analysis.blame,
        has_feeling=has_feeling,
        has_request=has_request,
        feeling_words=sorted(set(feelings)),
        problems=problems,
        findings=analysis.findings,
    )


def _words(text: str) -> list[str]:
    return [m.group().lower().replace("’", "'") for m in WORD.finditer(text)]


def content_words(text: str, *, words: Wording | None = None) -> set[str]:
    """Topic-bearing words of a text (lowercase, stopwords dropped, simple plural folded).

    Used to check that a rewrite keeps the person's real point.
    """
    engine = words or wording()
    result = set()
    for word in _words(text.translate(STRAIGHTEN)):
        bare = word.replace("'", "")
        if bare in engine.stopwords or len(bare) < 2:
            continue
        result.add(_fold(bare))
    return result


def _fold(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxhz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


__all__ = ["LintResult", "content_words", "lint"]

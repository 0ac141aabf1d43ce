"""Offline rewrites that edit the person's message instead of replacing it.

The flow for one draft (already screened and analysed):

1. cut the draft into sentences, and an apology's "but ..." into its own clause;
2. keep every sentence the analysis did not flag, word for word;
3. edit each flagged one (``coach.drafts.edits``): the event stays, the verdict goes;
4. add what an "I" statement needs and the draft lacks: one feeling where blame was
   taken out, and, when the person asked for nothing, an open invitation about
   their own topic ("Can we talk about the kitchen?"); never a day, time, place,
   amount or request they did not write;
5. render three styles (gentle, direct, short text) from the same pieces, and offer
   only those that are blame-free, grammatical by our rule check, and keep the
   point by :func:`coach.drafts.facts.check_rewrite`.

A draft with no findings is good to send: at most an optional polish that changes
no word. When no style passes, the result says so and the guided builder, pre-filled
from the person's words, is the way forward instead of a weak rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.drafts import facts as fact_check
from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.grammar import grammar_problems
from coach.drafts.options import RewriteOptions, Style
from coach.drafts.pieces import read_pieces
from coach.drafts.render import render

__all__ = [
    "RewriteOptions",
    "RewritePlan",
    "Style",
    "plan_rewrites",
]


Verdict = Literal["good_to_send", "rewritten", "not_built"]


MAX_LENGTH_RATIO = 2.0


class Candidate(BaseModel):
    """One version of the draft with the checks it passed or failed."""

    model_config = ConfigDict(frozen=True)

    style: Style
    text: str
    keeps_point: bool
    blame_free: bool
    grammatical: bool
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.keeps_point and self.blame_free and self.grammatical


@dataclass(frozen=True)
class RewritePlan:
    """What Coach offers for a draft: a verdict, the versions and, when none, why."""

    verdict: Verdict
    candidates: list[Candidate]
    rejected: list[Candidate]
    note: str
    topic: str | None = None
    feeling: str | None = None


def draft_facts(original: str, analysis: DraftAnalysis, *, keep_apology: bool) -> fact_check.Facts:
    """What every version of ``original`` must keep, read once per draft (not per version)."""
    spans = [(f.start, f.end) for f in analysis.findings]
    facts = fact_check.extract_facts(original, blame_spans=spans)
    if not keep_apology:
        facts = fact_check.Facts(facts.names, facts.specifics, False, facts.requests, facts.topic)
    return facts


def check_candidate(
    original: str, style: Style, text: str, *, facts: fact_check.Facts
) -> Candidate:
    """Blame-free, grammatical and faithful to ``facts``: what every offer must be."""
    problems: list[str] = []
    after = analyze(text)
    if after.blame:
        problems.append("still reads as blame: " + ", ".join(f.text for f in after.findings[:3]))
    grammar = grammar_problems(text, reference=original)
    problems += grammar
    fidelity = fact_check.check_rewrite(original, text, facts=facts)
    problems += fidelity.problems
    if len(text) > max(len(original) * MAX_LENGTH_RATIO, len(original) + 90):
        problems.append("more than twice as long as the draft")
    return Candidate(
        style=style,
        text=text,
        keeps_point=fidelity.keeps_point,
        blame_free=not after.blame,
        grammatical=not grammar,
        problems=problems,
    )


def polish(text: str) -> str | None:
    """Spelling-level tidying that changes no word: capitals, "i" -> "I", spacing."""
    tidy = re.sub(r"[ \t]+", " ", text.strip())
    tidy = re.sub(r"(?<![\w'])i(?![\w'])", "I", tidy)
    tidy = re.sub(r"(?<![\w'])i'(m|ve|d|ll)\b", lambda m: "I'" + m.group(1), tidy)
    tidy = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), tidy)
    return tidy if tidy != text.strip() else None


def plan_rewrites(
    text: str, analysis: DraftAnalysis | None = None, options: RewriteOptions | None = None
) -> RewritePlan:
    """Everything the draft coach offers for ``text``: verdict, versions, rejected ones."""
    options = options or RewriteOptions()
    analysis = analysis or analyze(text)
    if not analysis.findings:
        polished = polish(text)
        candidates = []
        if polished is not None:
            facts = draft_facts(text, analysis, keep_apology=True)
            checked = check_candidate(text, "polish", polished, facts=facts)
            if checked.ok and fact_check.content_words(polished) == fact_check.content_words(text):
                candidates.append(checked)
        return RewritePlan(
            verdict="good_to_send",
            candidates=candidates,
            rejected=[],
            note="Nothing here reads as blame or a shut-down. It is good to send as it is.",
        )
    pieces = read_pieces(text, analysis, options)
    styles: list[Style] = ["gentle", "direct", "short_text"]
    if options.shorter:
        styles = ["short_text", "direct"]
    elif options.softer:
        styles = ["gentle", "direct"]
    offered: list[Candidate] = []
    rejected: list[Candidate] = []
    seen: set[str] = set()
    facts = draft_facts(text, analysis, keep_apology=options.keep_apology)
    for style in styles:
        rendered = render(pieces, style, options)
        if not rendered or rendered in seen:
            continue
        seen.add(rendered)
        candidate = check_candidate(text, style, rendered, facts=facts)
        (offered if candidate.ok else rejected).append(candidate)
    if offered:
        note = "Your message with the blame taken out; your facts, apology and request kept."
        verdict: Verdict = "rewritten"
    else:
        note = (
            "Coach could not build a rewrite that keeps your point without blame. "
            "Use the builder below: your words are filled in, and you can edit each part."
        )
        verdict = "not_built"
    return RewritePlan(
        verdict=verdict,
        candidates=offered,
        rejected=rejected,
        note=note,
        topic=pieces.topic,
        feeling=pieces.feeling,
    )

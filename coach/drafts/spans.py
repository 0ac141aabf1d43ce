"""Where a flagged draft can be cut cleanly, and what to leave out rather than risk.

A cut that takes a leading phrase ("Great, ...") or a trailing tail ("..., you're so
inconsiderate") leaves whole clauses; a cut from the middle of a clause leaves a
fragment, so that clause goes whole instead. :func:`suspect` names unflagged
commentary about the other person that a rewrite should leave out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from coach.drafts.analysis import analyze
from coach.drafts.words import clean_text

Role = Literal["kept", "edited", "observation", "request", "dropped", "break", "feeling"]


@dataclass(frozen=True)
class Span:
    """A flagged part of the sentence, relative to the sentence."""

    start: int
    end: int
    kind: str
    marker: str


@dataclass(frozen=True)
class Edited:
    """One sentence after editing.

    ``role`` says what the text is: the person's words untouched (kept), with the
    flagged words changed (edited), a plain event to pair with a feeling
    (observation), a request, a break instead of a shut door, or nothing (dropped).
    ``past`` is true when the event is in the past tense ("I felt", not "I feel").
    """

    role: Role
    text: str = ""
    past: bool = False
    topic: str | None = None
    feeling_hint: str | None = None


def cut_spans(sentence: str, spans: list[Span]) -> str:
    chars = list(sentence)
    for span in spans:
        for i in range(span.start, min(span.end, len(chars))):
            chars[i] = " "
    return clean_text("".join(chars))


def unquote(body: str, spans: list[Span]) -> str:
    """Take the scare quotes off their word ('busy' -> busy); the word itself stays.

    Quote marks are blanked one for one, so the other spans' offsets still hold.
    """
    chars = list(body)
    for span in spans:
        for i in (span.start - 1, span.start, span.end - 1, span.end):
            if 0 <= i < len(chars) and chars[i] in "'\"‘’“”":
                chars[i] = " "
    return "".join(chars)


_LEAD_BOUNDARY = re.compile(r"^[\s,.!?;:…\-–—]*$")


_TAIL_BOUNDARY = re.compile(
    r"(?:[,.;:!?…\-–—]\s*|\s(?:and|but|so|because|cause|cos|lol|though|anyway)\s*)$", re.IGNORECASE
)


_SUBJECT_START = re.compile(
    r"^[\s,.!?;:…\-–—]*(?:I|I'm|I've|I'd|I'll|we|we're|you|you're|you've|he|she|they|it|it's|"
    r"that|this|there|my|our|your|his|her|their|the|[A-Z][a-z]+)\b",
)


def clean_cut(text: str, start: int, end: int) -> bool:
    """True when cutting text[start:end] leaves whole clauses, not a fragment.

    A cut may take a leading phrase that ends at punctuation ("Great, you ate ..."), a
    trailing tail after a comma or a conjunction ("..., you're so inconsiderate"), or
    a whole clause; a cut from the middle of a clause ("if you grew a spine and said
    something") leaves a fragment, so the clause goes whole instead.
    """
    before, after = text[:start], text[end:]
    leading = _LEAD_BOUNDARY.match(before) is not None
    trailing = re.match(r"^[\s,.!?;:…)\-–—🙄🙃😒😐]*$", after) is not None
    if leading and trailing:
        return True
    if leading:
        return bool(re.match(r"^\s*[,.!?;:…\-–—]", after)) and bool(_SUBJECT_START.match(after))
    if trailing:
        return bool(_TAIL_BOUNDARY.search(before)) or not before.strip()
    return False


def cut_blame(text: str | None) -> str | None:
    """Cut what the rules still read as blame after the edits; None when no clean cut exists."""
    if text is None or not text.strip():
        return text
    found = analyze(text, semantic=False).findings
    if not found:
        return text
    if any(not clean_cut(text, f.start, f.end) for f in found):
        return None
    spans = [Span(f.start, f.end, f.kind, f.marker) for f in found]
    return clean_text(cut_spans(text, spans))


_EVALUATIVE = re.compile(
    r"\b(?:clearly|obviously|exactly|apparently|supposedly|probably|of course|seriously|literally|"
    r"actually|even|ever|always|never|every|anymore|again|too|such|rich|problem|pathetic|joke|"
    r"excuse|excuses|bothered|bother|typical|ridiculous|deserve|supposed to|pretend|rewriting|"
    r"except you|double standard)\b|(?<![\w'])'[^'\s][^']{0,25}'(?![\w'])|\?\s*$",
    re.IGNORECASE,
)


_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you've|you'd|yours|u|ur)\b", re.IGNORECASE)


def suspect(text: str) -> bool:
    """Commentary about them that the rules did not flag but a reader would hear as blame.

    In a draft that already blames, a sentence about "you" that carries an
    evaluative word ("clearly", "again", "even", scare quotes) or is a question that
    asks for nothing is left out of the rewrite rather than risked.
    """
    if not _SECOND_PERSON.search(text):
        return False
    if re.search(r"\?\s*$", text) and re.search(
        r"^\W*(?:can|could|would|will|do|does|is|are)\s+(?:you|we|u)\b|\bplease\b", text, re.I
    ):
        return bool(re.search(r"\b(?:even|ever|actually|seriously|really)\b", text, re.I))
    return bool(_EVALUATIVE.search(text))


def unshout(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        word = match.group()
        return word if word in {"I", "OK"} or len(word) == 1 else word.lower()

    text = re.sub(r"\b[A-Z][A-Z']+\b", fix, text)
    return re.sub(r"([!?])\1+", r"\1", text)

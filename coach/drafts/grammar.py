"""A rule check for the grammar slips an editing rewriter can make.

Not a parser: a short list of checks, each aimed at a way that cutting and joining
clauses goes wrong ("When you want with the wedding plans, I feel", "didn't
texted", "I feel frustrated about the.", "When you leave the towels."). Each check
is cheap, explains itself, and is tested on sentences that break it and ones that
do not. A person's own texting style is theirs to keep, so :func:`grammar_problems`
can be given the draft and then reports only the slips the rewrite introduced.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lemminflect import getAllLemmas, getLemma

__all__ = ["grammar_problems"]

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?…]+[\"')\]]*|\n|$)")
_END_WORDS = {
    "and", "or", "but", "the", "a", "an", "my", "your", "our", "their", "because", "when",
    "if", "so", "than", "whether",
}  # fmt: skip
_FUNCTION_WORDS = {
    "the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "this", "that",
    "to", "of", "in", "on", "at", "with", "and", "or", "but", "i", "me", "we", "us",
}  # fmt: skip
_OK_AFTER_NEG = {"even", "really", "always", "ever", "just", "actually", "quite", "yet", "exactly"}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _check_capital(sentence: str) -> str | None:
    first = re.search(r"[A-Za-z]", sentence)
    if first and first.start() == 0 and sentence[0].islower():
        return f"starts without a capital: {sentence[:30]!r}"
    return None


def _check_repeat(sentence: str) -> str | None:
    match = re.search(r"\b(\w+)\s+\1\b", sentence, re.IGNORECASE)
    if match and match.group(1).lower() not in {"that", "had", "very", "so", "really", "no", "ha"}:
        return f"repeats a word: {match.group()!r}"
    return None


def _check_punctuation(sentence: str) -> str | None:
    match = re.search(r",\s*[.!?]|[,;]\s*,|\.\s*\.(?!\.)|\s,|^\W*,|\(\s*\)", sentence)
    return f"stray punctuation: {match.group()!r}" if match else None


def _check_dangling(sentence: str) -> str | None:
    words = re.findall(r"[A-Za-z']+", sentence)
    if len(words) > 1 and words[-1].lower() in _END_WORDS:
        return f"ends on {words[-1]!r}: {sentence[-40:]!r}"
    return None


def _check_when_fragment(sentence: str) -> str | None:
    if re.match(r"^When\b", sentence) and not re.search(r",\s*(?:I|we|it|that)\b", sentence):
        return f"a 'When ...' clause with no main clause: {sentence[:40]!r}"
    return None


def _check_agreement(sentence: str) -> str | None:
    match = re.search(
        r"\bI\s+(?:is|are|feels|needs|wants|has|was been|does)\b"
        r"|\b(?:you|we|they)\s+(?:is|feels|needs|wants|has|does)\b",
        sentence,
    )
    return f"subject and verb disagree: {match.group()!r}" if match else None


def _check_negation(sentence: str) -> str | None:
    for match in re.finditer(
        r"\b(?:don't|doesn't|didn't|do not|does not|did not|won't|can't|couldn't|wouldn't)\s+(\w+)",
        sentence,
        re.IGNORECASE,
    ):
        word = match.group(1).lower()
        if word in _OK_AFTER_NEG or word in {"be", "have"}:
            continue
        if word in _FUNCTION_WORDS:  # "didn't the", "don't my"
            return f"no verb after a negation: {match.group()!r}"
        lemmas = getAllLemmas(word)
        if "VERB" not in lemmas and "AUX" not in lemmas:
            base = getLemma(word, "VERB")
            if word.endswith("ed") and base and base[0] != word:
                return f"wrong verb form after a negation: {match.group()!r}"
            continue  # nouns used as verbs ("don't text") are fine
        base = getLemma(word, "VERB")
        if base and base[0] != word and word.endswith(("ed", "ing")):
            return f"wrong verb form after a negation: {match.group()!r}"
    return None


def _check_quotes(text: str) -> str | None:
    if text.count('"') % 2 or text.count("(") != text.count(")"):
        return "unbalanced quotes or brackets"
    return None


def _check_fragment_start(sentence: str) -> str | None:
    """A sentence left without its subject by a cut: "Me up when ...", "To move back ..."."""
    match = re.match(
        r"^\W*(?:me|him|us|them|to|and|but|or|because|cause|than|of|with|by|for|from)\b",
        sentence,
        re.IGNORECASE,
    )
    if match and not re.match(
        r"^\W*(?:to be honest|for (?:what|the record|now|once)|by the way|with (?:love|thanks))",
        sentence,
        re.I,
    ):
        return f"starts like a fragment: {sentence[:30]!r}"
    return None


def _check_dangling_preposition(sentence: str) -> str | None:
    match = re.search(r"\b(?:with|at|to|from|for|of|by|about|the|a|an)\s*[,;]", sentence, re.I)
    return f"a word left hanging before punctuation: {match.group()!r}" if match else None


_SENTENCE_CHECKS: tuple[Callable[[str], str | None], ...] = (
    _check_fragment_start,
    _check_dangling_preposition,
    _check_capital,
    _check_repeat,
    _check_punctuation,
    _check_dangling,
    _check_when_fragment,
    _check_agreement,
    _check_negation,
)


def _problems(text: str) -> list[str]:
    found = []
    for sentence in _sentences(text):
        for check in _SENTENCE_CHECKS:
            problem = check(sentence)
            if problem:
                found.append(problem)
    whole = _check_quotes(text)
    if whole:
        found.append(whole)
    return found


def grammar_problems(text: str, *, reference: str | None = None) -> list[str]:
    """Grammar slips in ``text``; with ``reference``, only those it does not already have."""
    problems = _problems(text)
    if reference is None:
        return problems
    # A slip copied verbatim from the person's draft is theirs, not the rewriter's.
    already = set(_problems(reference))
    kinds_in_reference = {p.split(":")[0] for p in already}
    return [
        p
        for p in problems
        if p not in already
        and not (p.split(":")[0] in kinds_in_reference and _quoted_in(p, reference))
    ]


def _quoted_in(problem: str, reference: str) -> bool:
    match = re.search(r"'(.+?)'", problem)
    return bool(match and match.group(1).strip(". ").lower() in reference.lower())

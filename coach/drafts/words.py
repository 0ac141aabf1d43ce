"""Verbs and clause tools the draft edits share: base forms, tenses, tidy joins.

Small, separately testable pieces: what the base form of a verb is ("texted" ->
"text"), whether a word is past tense, whether a stretch of words is still a
clause (it has a verb), and how to tidy the spacing and stray conjunctions a cut
leaves behind.
"""

from __future__ import annotations

import re

from lemminflect import getAllLemmas, getInflection, getLemma

NOT_VERBS = {"the", "a", "an", "to", "me", "my", "your", "so", "too", "very", "not", "even"}


def verb_base(word: str) -> str:
    """The base form of a verb ("texted" -> "text", "leaves" -> "leave")."""
    lowered = word.lower()
    lemma = getLemma(lowered, "VERB")
    return lemma[0] if lemma else lowered


def past_tense(word: str) -> str:
    forms = getInflection(verb_base(word), "VBD")
    return forms[0] if forms else word


def participle(word: str) -> str:
    forms = getInflection(verb_base(word), "VBN")
    return forms[0] if forms else word


def is_past(word: str) -> bool:
    lowered = word.lower()
    if lowered in {"was", "were", "did", "had"}:
        return True
    base = verb_base(lowered)
    return base != lowered and past_tense(base) == lowered


def is_verb(word: str) -> bool:
    lowered = word.lower().strip(",.!?")
    if not lowered or lowered in NOT_VERBS:
        return False
    lemmas = getAllLemmas(lowered)
    if "VERB" in lemmas or "AUX" in lemmas:
        return True
    # Texting and newer verbs the dictionary lacks ("texted", "ghosted"): by form.
    return not lemmas and bool(re.search(r"(?:ed|ing)$", lowered))


def clean_text(text: str) -> str:
    """Tidy spacing and punctuation left behind by a cut."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])\s*([,;:.!?])", r"\2", text)
    text = re.sub(r"^[\s,;:\-–—.!?]+", "", text)
    text = re.sub(r"[\s,;:\-–—]+$", "", text)
    text = re.sub(r"\b(and|but|so|or|because|cause|like)\s*([.!?]|$)", r"\2", text, flags=re.I)
    text = re.sub(
        r"^(?:and|but|so|or|because|cause|cuz|like|also|then|plus)\b[\s,]*", "", text, flags=re.I
    )
    return text.strip()


def words_of(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z']*", text)


def has_clause(text: str) -> bool:
    """A clause worth keeping: three or more words with a verb in them."""
    words = words_of(text)
    if len(words) < 3:
        return False
    return any(is_verb(w) for w in words[1:]) or words[0].lower() in {"i", "we", "you"}


def strip_end(text: str) -> tuple[str, str]:
    """The sentence without its final punctuation, and that punctuation."""
    match = re.search(r"[.!?…]+\s*$", text)
    if not match:
        return text.rstrip(), ""
    return text[: match.start()].rstrip(), match.group().strip()


def lower_first(text: str) -> str:
    if text[:2] in {"I ", "I'"} or (len(text) > 1 and text[:2].isupper()):
        return text
    return text[:1].lower() + text[1:]


_PRONOUN_SWAP = {"ur": "your", "u": "you", "r": "are", "ya": "you", "yr": "your"}


def expand_texting(text: str) -> str:
    return re.sub(
        r"\b(ur|u|yr)\b", lambda m: _PRONOUN_SWAP[m.group(1).lower()], text, flags=re.IGNORECASE
    )

"""Read a flagged draft as pieces: each sentence or clause and what becomes of it.

Sentences are cut further where blame and clean words meet (at "but", commas and
dashes) so a clean half survives its flagged half; each piece is kept, edited
(:mod:`coach.drafts.edits`), or left out. With the pieces come the things the
rewrite adds: the feeling to name (the person's own word, a pseudo-feeling's
real feeling, or one that fits how the draft came out), the need its words point
to, and the topic to invite a talk about, all from the person's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lemminflect import getAllLemmas

from coach.drafts import facts as fact_check
from coach.drafts.analysis import DraftAnalysis
from coach.drafts.edits import Edited, Span, edit_sentence, suspect
from coach.drafts.lexicon import load_feelings, load_needs
from coach.drafts.options import RewriteOptions
from coach.drafts.rules import Finding
from coach.drafts.words import is_past

__all__ = ["Pieces", "read_pieces"]


_STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?…]+[\"')\]]*|\n|$)|[.!?…]+")


_BUT = re.compile(r",?\s+\bbut\b\s+", re.IGNORECASE)


_CLAUSE_CUT = re.compile(r"\s*(?:,(?!\d)|;|\s[-–—]\s)\s*")


_FEELING_PREFIX = re.compile(
    r"\bI(?:'m| am| feel| felt| was| get| got|'ve been| have been)\s+(?:so\s+|really\s+|very\s+|"
    r"a bit\s+|kind of\s+|pretty\s+|just\s+|quite\s+)*(?P<word>[a-z][a-z\- ]*)",
    re.IGNORECASE,
)


_NP = re.compile(
    r"\b(?P<np>(?:the|your|ur|my|our|his|her|their|this|that|these|those)\s+"
    r"(?:[a-z][a-z'\-]*\s+){0,2}[a-z][a-z'\-]*)\b",
    re.IGNORECASE,
)


_NP_STOP = {
    "a", "an", "the", "my", "your", "ur", "our", "his", "her", "their", "this", "that",
    "at", "on", "in", "to", "for", "with", "from", "by", "of", "and", "or", "but", "when",
    "while", "again", "without", "after", "before", "about", "is", "are", "was", "were",
    "be", "me", "you", "it", "so", "because", "if", "like", "just", "every", "all",
    "once", "twice", "today", "tonight", "now", "then", "too", "anymore", "already",
    "later", "ever", "never", "always", "yet", "though", "either", "instead", "lol",
}  # fmt: skip


_NOT_TOPICS = {
    "fault", "problem", "way", "thing", "things", "time", "day", "week", "night", "mood",
    "attitude", "tone", "life", "mind", "head", "side", "point", "same", "one", "end", "whole",
    "lot", "bit", "kind", "sort", "moment", "minute", "minutes", "second", "stuff",
    "bad", "favourite", "favorite", "best", "worst", "online", "own", "turn",
    "month", "year", "weekend", "evening", "morning", "afternoon", "today", "tonight", "hour",
}  # fmt: skip


@dataclass(frozen=True)
class Pieces:
    """The draft read as parts a rewrite is rendered from."""

    items: list[tuple[str, Edited]]  # (original sentence, what became of it)
    feeling: str
    feeling_past: bool
    topic: str | None
    has_request: bool
    has_feeling: bool
    apology: list[str] = field(default_factory=list)
    need: str | None = None
    length: int = 0


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and re.search(r"\w|[^\s.!?]", text[start:end]):
            spans.append((start, end))
    return spans


def _findings_in(findings: list[Finding], start: int, end: int) -> list[Span]:
    """The findings that touch text[start:end], clipped to it; a finding that only
    grazes the piece's edge punctuation does not count."""
    spans = []
    for f in findings:
        lo, hi = max(f.start, start), min(f.end, end)
        if lo < hi and re.search(r"\w|[^\s.,!?;:]", f.text[lo - f.start : hi - f.start]):
            spans.append(Span(lo - start, hi - start, f.kind, f.marker))
    return spans


def _clauses(text: str, start: int, end: int, findings: list[Finding]) -> list[tuple[int, int]]:
    """A sentence cut where blame and clean parts meet: at "but", commas and dashes.

    Only cut when each side is a clause of its own (three words or more), and only
    when the cut separates flagged from unflagged words, so clean sentences and
    wholly flagged ones stay whole.
    """
    cuts = [m for m in _BUT.finditer(text, start, end)]
    cuts += [m for m in _CLAUSE_CUT.finditer(text, start, end)]
    pieces = [(start, end)]
    for cut in sorted(cuts, key=lambda m: m.start()):
        for i, (s, e) in enumerate(pieces):
            if not (s < cut.start() and cut.end() < e):
                continue
            left, right = (s, cut.start()), (cut.end(), e)
            if min(len(text[a:b].split()) for a, b in (left, right)) < 3:
                continue
            flagged = [bool(_findings_in(findings, a, b)) for a, b in (left, right)]
            is_but = cut.group().strip(" ,").lower() == "but"
            if flagged[0] != flagged[1] or (is_but and _apology_at(text, s, cut.start())):
                pieces[i : i + 1] = [left, right]
            break
    return pieces


def _apology_at(text: str, start: int, end: int) -> bool:
    return bool(fact_check.sincere_apologies(text[start:end]))


def _blanked(text: str, analysis: DraftAnalysis) -> str:
    """The draft with flagged words blanked: cues inside blame ("why", "again") mislead."""
    chars = list(text)
    for finding in analysis.findings:
        for i in range(finding.start, min(finding.end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _pseudo_map() -> dict[str, str]:
    lexicon = load_feelings()
    return {
        word: lexicon.families[families[0]].words[0]
        for word, families in lexicon.pseudo_feelings.items()
    }


def _choose_need(clean_text: str) -> str | None:
    """The need behind the complaint, only when the draft's own words point at one."""
    lowered = clean_text.lower()
    best, best_score = None, 0
    for name, need in load_needs().needs.items():
        if name == "rest_from_conflict":
            continue
        hits = {t for t in need.triggers if re.search(rf"\b{re.escape(t)}\b", lowered)}
        if len(hits) >= 2 and len(hits) > best_score:
            best, best_score = need.phrase, len(hits)
    return best


def _choose_feeling(text: str, analysis: DraftAnalysis, hints: list[str]) -> str:
    lexicon = load_feelings()
    for finding in analysis.findings:
        if finding.marker == "pseudo_feeling":
            for word, families in sorted(lexicon.pseudo_feelings.items(), key=lambda x: -len(x[0])):
                if re.search(rf"\b{re.escape(word)}\b", finding.text, re.IGNORECASE):
                    return lexicon.families[families[0]].words[0]
    for hint in hints:
        return hint
    lowered = _blanked(text, analysis).lower()
    # Only a feeling word the person used themselves counts ("I'm exhausted"): a guess
    # from the topic ("dinner" -> lonely) would put words in their mouth.
    negative = [
        "hurt", "lonely", "anxious", "frustrated", "sad", "tired", "overwhelmed",
        "embarrassed", "scared", "confused", "jealous", "angry",
    ]  # fmt: skip
    best, best_score = None, 0
    for name in negative:
        family = lexicon.families.get(name)
        if family is None:
            continue
        score = sum(1 for word in family.words if re.search(rf"\b{re.escape(word)}\b", lowered))
        if score > best_score:
            best, best_score = family.words[0], score
    if best:
        return best
    # No cue: what the writer likely feels, given how the draft came out. Someone who
    # shuts down is usually flooded; someone who criticises or mocks, frustrated.
    if set(analysis.kinds) == {"stonewalling"}:
        return "overwhelmed"
    if set(analysis.kinds) == {"defensiveness"}:
        return "hurt"
    return "frustrated"


def own_feeling(text: str) -> bool:
    words = load_feelings().all_words()
    for match in _FEELING_PREFIX.finditer(text):
        phrase = match.group("word").lower()
        if any(phrase == w or phrase.startswith(w + " ") for w in words):
            return True
    return bool(re.search(r"\bI\s+(?:miss|love)\s+(?:you|u|spending|our|us)\b", text, re.I))


def _topic(texts: list[str]) -> str | None:
    """A short noun phrase the draft is about, in the person's words ("the dishes")."""
    for text in texts:
        for match in _NP.finditer(text.translate(_STRAIGHTEN)):
            words = match.group("np").split()
            kept = [words[0]]
            for word in words[1:]:
                if word.lower() in _NP_STOP:
                    break
                kept.append(word)
            if len(kept) < 2 or kept[-1].lower() in _NOT_TOPICS:
                continue
            if not fact_check.is_dictionary_word(kept[-1].lower()) and not kept[-1][0].isupper():
                continue
            if kept[-1] == "I" or not _nounish(kept[-1]) or any(_verb_only(w) for w in kept[1:]):
                continue
            phrase = " ".join([kept[0].lower(), *kept[1:]])
            phrase = re.sub(r"\bur\b", "your", phrase, flags=re.IGNORECASE)
            if phrase.lower().split()[0] in {"this", "that"} and len(kept) == 2:
                phrase = "the " + kept[1]
            return phrase
    return None


def _nounish(word: str) -> bool:
    lemmas = getAllLemmas(word.lower())
    return not lemmas or "NOUN" in lemmas or word[:1].isupper()


def _verb_only(word: str) -> bool:
    lemmas = getAllLemmas(word.lower())
    return bool(lemmas) and "NOUN" not in lemmas and "ADJ" not in lemmas


def read_pieces(text: str, analysis: DraftAnalysis, options: RewriteOptions) -> Pieces:
    """The draft as sentences and clauses, each with what became of it."""
    text = text.translate(_STRAIGHTEN)
    findings = list(analysis.findings)
    pseudo = _pseudo_map()
    items: list[tuple[str, Edited]] = []
    apology: list[str] = []
    for s_start, s_end in _sentences(text):
        clauses = _clauses(text, s_start, s_end, findings)
        for start, end in clauses:
            piece = text[start:end]
            spans = _findings_in(findings, start, end)
            is_apology = not spans and _apology_at(text, start, end)
            edited = _what_becomes(
                piece,
                spans,
                split=len(clauses) > 1,
                blamed=bool(findings),
                is_apology=is_apology,
                pseudo=pseudo,
            )
            if is_apology:
                apology.append(piece)
                if not options.keep_apology:
                    edited = Edited("dropped")
            items.append((piece, edited))
    return _assemble(text, analysis, items, apology)


def _what_becomes(
    piece: str,
    spans: list[Span],
    *,
    split: bool,
    blamed: bool,
    is_apology: bool,
    pseudo: dict[str, str],
) -> Edited:
    if spans:
        return edit_sentence(piece, spans, pseudo=pseudo)
    if split and re.match(r"^\W*(?:you|u)\b", piece, re.I):
        # The clean half of a flagged sentence ("you took the car without asking,
        # you're so inconsiderate") is the event to pair with a feeling.
        body = re.sub(r"[\s.!?,;]+$", "", piece)
        return Edited("observation", body, past=_starts_past(body))
    if blamed and not is_apology and suspect(piece) and not _carries_facts(piece):
        # Unflagged commentary in a draft that blames: left out, not risked.
        return Edited("dropped")
    return Edited("kept", piece)


def _carries_facts(piece: str) -> bool:
    return bool(
        fact_check.requests(piece) or fact_check.specifics(piece) or fact_check.names(piece)
    )


def _assemble(
    text: str, analysis: DraftAnalysis, items: list[tuple[str, Edited]], apology: list[str]
) -> Pieces:
    kept = [e.text for _, e in items if e.role in {"kept", "edited"}]
    return Pieces(
        items=items,
        feeling=_choose_feeling(
            text, analysis, [e.feeling_hint for _, e in items if e.feeling_hint]
        ),
        feeling_past=any(e.past for _, e in items if e.role == "observation"),
        topic=_topic(_topic_sources(items)),
        has_request=any(e.role == "request" for _, e in items)
        or any(fact_check.requests(k) for k in kept),
        has_feeling=own_feeling(" ".join(kept)),
        apology=apology,
        need=_choose_need(_blanked(text, analysis)),
        length=len(text),
    )


def _topic_sources(items: list[tuple[str, Edited]]) -> list[str]:
    """Where to look for the topic: the events first, then what was left out, then the rest."""
    sources = [e.text for _, e in items if e.role == "observation"]
    sources += [p for p, e in items if e.role in {"dropped", "request"}]
    return sources + [e.text for _, e in items if e.role in {"kept", "edited"}]


def _starts_past(clause: str) -> bool:
    words = re.findall(r"[A-Za-z']+", clause)[1:4]
    return any(is_past(w) for w in words)

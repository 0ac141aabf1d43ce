"""What a message says that any rewrite of it must keep, and what it must not add.

A rewrite that changes what the person meant is worse than none. This module pulls
out the parts of a draft a faithful rewrite has to carry over (names, numbers,
days and times, places, a sincere apology, the person's own request, the topic
words) and compares a rewrite with them. The offline rewriter checks every version
it offers with :func:`check_rewrite`, the model's rewrites pass the same check,
and the evaluation suite scores with it against hand-labelled data, so "keeps the
point" means one thing everywhere.

The reading is deliberately literal: a day, a clock time, a duration or a name in
the rewrite that the person never wrote is an invention, whatever else is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lemminflect import getAllLemmas

from coach.data_files import read_yaml
from coach.paths import PACKAGE_DATA_DIR

__all__ = [
    "Facts",
    "Fidelity",
    "check_rewrite",
    "content_words",
    "extract_facts",
    "fold",
    "specifics",
]

_STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")

_WEEKDAYS = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    "seventy|eighty|ninety|hundred|thousand|half|couple|dozen"
)
_UNITS = r"(?:minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|yrs?|times?)"

# Days, dates, clock times, durations and relative times: what a rewrite must never
# invent. Each alternative is a whole expression so "Friday night" is one specific.
_TIME = re.compile(
    r"\b(?:"
    rf"(?:this|next|last|on|every|each)\s+{_WEEKDAYS}(?:\s+(?:morning|afternoon|evening|night))?"
    rf"|{_WEEKDAYS}(?:\s+(?:morning|afternoon|evening|night))?"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}"
    r"|tonight|tomorrow(?:\s+(?:morning|afternoon|evening|night))?|today|yesterday|tmrw|tmr|tonite"
    r"|(?:this|last|next)\s+(?:morning|afternoon|evening|night|week(?:end)?|month|year|time)"
    r"|(?:the\s+)?(?:whole|entire)\s+(?:week(?:end)?|day|night|month|year|evening)"
    r"|all\s+(?:week(?:end)?|day|night|month|year|evening|morning|afternoon)"
    r"|(?:january|february|march|april|june|july|august|september|october|november|december)"
    r"|(?:at|by|before|after|around|until|till|from)\s+"
    r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midnight)"
    r"|\d{1,2}(?::\d{2})\s*(?:am|pm)?|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)"
    r"|(?:after|before)\s+"
    r"(?:dinner|lunch|breakfast|work|school|bed(?:time)?|the\s+kids\s+are\s+in\s+bed)"
    rf"|(?:\d+|an?|{_NUMBER_WORDS})(?:\s+or\s+(?:\d+|{_NUMBER_WORDS}))?\s*-?\s*{_UNITS}"
    r"|(?:in|at)\s+the\s+(?:morning|afternoon|evening)|weeknights?|weekends?|overnight"
    r"|christmas|easter|thanksgiving|new year(?:'s)?(?:\s+eve)?|halloween|ramadan|eid|diwali"
    r"|hanukkah"
    r")\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    rf"(?:[$£€]\s?\d[\d,.]*k?|\b\d[\d,.]*\s?(?:%|k\b|grand\b|quid\b|bucks\b|dollars\b|pounds\b|euros?\b)?"
    rf"|\b(?:{_NUMBER_WORDS})\b)",
    re.IGNORECASE,
)
# Words that look like numbers but are ordinary speech ("one thing", "a couple of").
_SOFT_NUMBERS = {"one", "half", "couple", "dozen"}

# Capitalised words that are not names: sentence words people capitalise, days and
# months (times, above), titles of relatives used as names are kept as names.
_WEEKDAY_WORD = re.compile(rf"^{_WEEKDAYS}$|^{_MONTHS}$", re.IGNORECASE)

_APOLOGY = re.compile(
    r"\b(?:i'm\s+(?:so\s+|really\s+|truly\s+|very\s+)*sorry|i\s+am\s+(?:so\s+|really\s+)*sorry"
    r"|(?<!not\s)sorry|i\s+apologi[sz]e|apologies|my\s+bad|i\s+was\s+wrong|that's\s+on\s+me"
    r"|(?:it\s+was\s+|that\s+was\s+)?my\s+fault|i\s+shouldn't\s+have(?!\s+to\b)|i\s+should\s+have)\b",
    re.IGNORECASE,
)
# An apology that is not one: for their feelings, sarcastic, or a brush-off.
_NOT_APOLOGY = re.compile(
    r"sorry\s+(?:that\s+|if\s+)?(?:you|u)\s+(?:feel|felt|took|were|are|got|think)"
    r"|sorry\s+(?:i'm|im|i\s+am)\s+not\s+perfect|sorry\s+for\s+(?:existing|breathing|living)"
    r"|sorry\s+not\s+sorry|i\s+said\s+i\s+was\s+sorry|sorry\s+to\s+(?:bother|disappoint)\s+you",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"\b(?:(?:can|could|would|will|cld|wld)\s+(?:you|u|we|ya)|would\s+you\s+be\s+(?:willing|open)"
    r"|(?:can|could|may)\s+i|please|pls|plz|let's|lets\s+(?!you\b)|let\s+us"
    r"|i'd\s+(?:like|love)\s+(?:it\s+if|us|you|for)|i\s+(?:would\s+)?(?:like|want|need)\s+(?:us|you|u)\s+to"
    r"|how\s+about|what\s+if\s+we|maybe\s+we\s+(?:could|can)|do\s+you\s+want\s+to"
    r"|are\s+you\s+(?:free|around|up\s+for|ok\s+with)|is\s+(?:it|that)\s+ok)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _WordLists:
    stopwords: frozenset[str]
    function_words: frozenset[str]
    not_names: frozenset[str]
    common_verbs: frozenset[str]


@lru_cache(maxsize=1)
def _words() -> _WordLists:
    """The word lists in ``coach/data/fact_words.yaml``, read on first use."""
    data = read_yaml(PACKAGE_DATA_DIR / "fact_words.yaml")
    return _WordLists(
        stopwords=frozenset(data["stopwords"]),
        function_words=frozenset(data["function_words"]),
        not_names=frozenset(data["not_names"]),
        common_verbs=frozenset(data["common_verbs"]),
    )


@lru_cache(maxsize=50_000)
def fold(word: str) -> str:
    """A word's comparable form: lowercase, no apostrophes, and its dictionary lemma.

    "dishes" and "dish", "texted" and "text", "cared" and "care" compare equal, so a
    rewrite that says "when you don't text me back" keeps "you never texted back".
    """
    word = word.lower().replace("'", "").replace("-", "")
    lemmas = getAllLemmas(word)
    for pos in ("NOUN", "VERB", "ADJ", "ADV"):
        if pos in lemmas:
            return lemmas[pos][0]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Topic-bearing words of a text, folded; stopwords and very short words dropped."""
    text = text.translate(_STRAIGHTEN)
    found = set()
    for match in _WORD.finditer(text):
        word = match.group().lower().strip("'-")
        bare = word.replace("'", "")
        if len(bare) < 3 or bare in _words().stopwords:
            continue
        found.add(fold(bare))
    return found


@lru_cache(maxsize=20_000)
def is_dictionary_word(word: str) -> bool:
    """True for ordinary English words (any part of speech), False for names and slang."""
    return bool(getAllLemmas(word.lower()))


def _normal(expression: str) -> str:
    return re.sub(r"\s+", " ", expression.lower().translate(_STRAIGHTEN)).strip()


def specifics(text: str) -> set[str]:
    """Every day, time, duration and number the text states, normalised."""
    text = text.translate(_STRAIGHTEN)
    found = {_normal(m.group()) for m in _TIME.finditer(text)}
    covered = [m.span() for m in _TIME.finditer(text)]
    for match in _NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in covered):
            continue
        value = _normal(match.group())
        if value in _SOFT_NUMBERS:
            continue
        found.add(value)
    return found


def names(text: str) -> set[str]:
    """Capitalised words that are names: not sentence-initial, or not dictionary words."""
    text = text.translate(_STRAIGHTEN)
    found: set[str] = set()
    sentence_start = True
    for match in re.finditer(r"[A-Za-z][A-Za-z'\-]*|[.!?\n]+", text):
        token = match.group()
        if not token[0].isalpha():
            sentence_start = True
            continue
        bare = re.sub(r"'s$", "", token)
        if _is_name(bare, sentence_start=sentence_start):
            found.add(bare)
        sentence_start = False
    return found


def _is_name(word: str, *, sentence_start: bool) -> bool:
    """A capitalised word that names someone or somewhere; "Every" or "Don't" do not."""
    lowered = word.lower()
    lists = _words()
    if lowered in lists.not_names or lowered in lists.function_words:
        return False
    if word.isupper():
        return len(word) > 1 and not is_dictionary_word(lowered)
    if not word[0].isupper() or _WEEKDAY_WORD.match(lowered):
        return False
    return not sentence_start or not is_dictionary_word(lowered)


def sincere_apologies(text: str) -> list[tuple[int, int]]:
    """Spans of apologies that own something (not "sorry you feel that way")."""
    text = text.translate(_STRAIGHTEN)
    spans = []
    for match in _APOLOGY.finditer(text):
        window = text[match.start() : match.end() + 40]
        before = text[max(0, match.start() - 20) : match.start()].lower()
        if _NOT_APOLOGY.match(window) or re.search(r"\b(?:not|never|won't)\s+$", before):
            continue
        spans.append(match.span())
    return spans


def has_apology(text: str) -> bool:
    return bool(sincere_apologies(text))


def requests(text: str) -> list[str]:
    """The person's own asks: sentences that request, propose or check with the other."""
    text = text.translate(_STRAIGHTEN)
    found = []
    for sentence in re.findall(r"[^.!?\n]+[.!?]*", text):
        if _REQUEST.search(sentence):
            found.append(sentence.strip())
    return found


@dataclass(frozen=True)
class Facts:
    """What a rewrite of a message has to keep."""

    names: frozenset[str]
    specifics: frozenset[str]
    apology: bool
    requests: tuple[str, ...]
    topic: frozenset[str] = field(default_factory=frozenset)


def extract_facts(text: str, *, blame_spans: list[tuple[int, int]] | None = None) -> Facts:
    """The facts of ``text``; words inside ``blame_spans`` are not topic words."""
    kept = text
    for start, end in blame_spans or []:
        kept = kept[:start] + " " * (end - start) + kept[end:]
    return Facts(
        names=frozenset(names(text)),
        specifics=frozenset(specifics(text)),
        apology=has_apology(text),
        requests=tuple(requests(text)),
        topic=frozenset(w for w in content_words(kept) if _is_topic_word(w)),
    )


def _is_topic_word(word: str) -> bool:
    """Nouns (and unknown words, often names or slang) carry a topic; verbs alone do not."""
    if word in _words().common_verbs:
        return False
    lemmas = getAllLemmas(word)
    return not lemmas or "NOUN" in lemmas or "PROPN" in lemmas


@dataclass(frozen=True)
class Fidelity:
    """How a rewrite compares with the facts of the draft it rewrites."""

    keeps_point: bool
    missing: tuple[str, ...] = ()
    invented: tuple[str, ...] = ()
    apology_kept: bool = True

    @property
    def problems(self) -> list[str]:
        out = [f"drops {item!r}" for item in self.missing]
        out += [f"adds {item!r}, which the draft never said" for item in self.invented]
        return out


def _contains(haystack: str, needle: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", haystack) is not None


def check_rewrite(
    original: str,
    rewrite: str,
    *,
    facts: Facts | None = None,
    topic_share: float = 0.5,
) -> Fidelity:
    """Does ``rewrite`` keep the point of ``original`` and invent nothing?

    Kept: every name, every day/time/number, a sincere apology, the gist of the
    person's own request (most of its content words) and ``topic_share`` of the
    topic words. Invented: any day, time, duration, number or name that the
    original does not state.
    """
    facts = facts or extract_facts(original)
    apology_kept = not facts.apology or has_apology(rewrite)
    missing = _missing_facts(facts, rewrite)
    if not apology_kept:
        missing.append("the apology")
    missing += _missing_gist(facts, rewrite, topic_share)
    invented = _invented(original, rewrite)
    return Fidelity(
        keeps_point=not missing and not invented,
        missing=tuple(missing),
        invented=tuple(invented),
        apology_kept=apology_kept,
    )


def _missing_facts(facts: Facts, rewrite: str) -> list[str]:
    said = _normal(rewrite)
    wanted = [*sorted(facts.names), *sorted(facts.specifics)]
    return [item for item in wanted if not _contains(said, item.lower())]


def _missing_gist(facts: Facts, rewrite: str, topic_share: float) -> list[str]:
    rewrite_words = content_words(rewrite)
    missing = []
    for request in facts.requests:
        words = content_words(request)
        if words and len(words & rewrite_words) / len(words) < 0.5:
            missing.append(f"the request {request!r}")
    if facts.topic and len(facts.topic & rewrite_words) / len(facts.topic) < topic_share:
        lost = sorted(facts.topic - rewrite_words)
        missing.append("topic words " + ", ".join(lost[:5]))
    return missing


def _invented(original: str, rewrite: str) -> list[str]:
    """Days, times, amounts and names in the rewrite that the original never stated."""
    stated = {_normal(s) for s in specifics(original)}
    new = [
        item
        for item in sorted(_normal(s) for s in specifics(rewrite))
        if not any(item in o or o in item for o in stated)
    ]
    named = {n.lower() for n in names(original)}
    return new + [n for n in sorted(names(rewrite)) if n.lower() not in named]

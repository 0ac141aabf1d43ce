"""Hear what one practice turn actually says: the move, and the words it is about.

The partner and the feedback used to react to the analysis's flags: a neutral "I
can do that." read as stonewalling got "Fine, if you don't want to talk, neither
do I." This module reads the turn's own words instead. It recognises the acts a
person makes in a hard conversation (an apology, a proposal, a break with a time to
come back, a question, thanks, a feeling, validation, owning a part) and lifts out
what each is about, in the person's words ("the '20 minutes' idea", "dinner",
"overwhelmed"), so the partner can answer *that* and the feedback can quote it.

Everything here is plain pattern reading on one turn; it never logs the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.drafts.facts import content_words

__all__ = ["Heard", "hear", "swap_person"]

ACTS = (
    "proposing_break",
    "apology",
    "proposal",
    "question",
    "taking_responsibility",
    "validating",
    "reflecting_feelings",
    "appreciation",
    "feeling",
    "repair_attempt",
)

_APOLOGY = re.compile(
    r"\b(?:i'?m|i\s+am|im)?\s*(?:so\s+|really\s+|truly\s+)?sorry\b(?!\s+(?:you\s+feel|if\s+you|you\s+think|that\s+you\s+feel|not\s+sorry))"
    r"(?:[,\s]+(?:for|that|about)\s+(?P<what>[^.!?;]{3,80})|\s+(?P<what2>i\s+[^.!?;,]{3,80}))?"
    r"|\bi\s+apologi[sz]e\b(?:\s+for\s+(?P<what3>[^.!?;]{3,80}))?|\bmy\s+bad\b",
    re.IGNORECASE,
)
_OWNING = re.compile(
    r"\b(?:that(?:'s|\s+was)\s+on\s+me|my\s+(?:fault|bad|part|mistake)|i\s+was\s+wrong|i\s+should(?:n't)?\s+have"
    r"|i\s+(?:messed|screwed)\s+up|i\s+own\s+(?:that|it)|i\s+take\s+(?:that|responsibility)|i\s+(?:did|do)\s+that"
    r"|that\s+was\s+(?:snarky|unfair|a\s+cheap\s+shot|mean|harsh|out\s+of\s+order)|cheap\s+shot)\b",
    re.IGNORECASE,
)
_BREAK = re.compile(
    r"\b(?:(?:take|need|have|want|taking|call)(?:\s+a|\s+some|\s+a\s+short|\s+a\s+quick|\s+a\s+little)?\s+"
    r"(?:break|time-?out|breather|pause|minute)|cool\s+off|calm\s+down\s+(?:first|and)|step\s+away|"
    r"come\s+back\s+to\s+(?:this|it)|pick\s+(?:this|it)\s+(?:back\s+)?up|pause\s+(?:this|here)|"
    r"(?:needs?|want)\s+a\s+break|say\s+'?\d+\s+minutes)\b",
    re.IGNORECASE,
)
_RETURN_TIME = re.compile(
    r"\b(?:(?:in|for|after)\s+)?(?:\d+|ten|fifteen|twenty|thirty|forty|an?|half\s+an?)\s*(?:minutes?|mins?|hours?|hrs?)"
    r"|\bafter\s+(?:dinner|lunch|work|tea|the\s+kids\s+are\s+(?:in\s+bed|asleep)|a\s+walk|that)"
    r"|\b(?:tomorrow|tonight|this\s+evening|in\s+the\s+morning|later\s+tonight|on\s+\w+day|\w+day\s+(?:morning|evening|night))"
    r"|\b(?:we\s+come\s+back\s+after|and\s+come\s+back)\b",
    re.IGNORECASE,
)
_PROPOSAL = re.compile(
    r"\b(?:let'?s|let\s+us|how\s+about|what\s+if|maybe\s+we\s+(?:could|can|should)|we\s+could|"
    r"could\s+we|can\s+we|shall\s+we|why\s+don'?t\s+we|would\s+you\s+be\s+(?:up\s+for|willing|open\s+to)|"
    r"i\s+(?:could|can|will|'ll)\s+(?!not\b|never\b)|i'?d\s+like\s+(?:us\s+to|to\s+try)|i\s+(?:suggest|propose)|"
    r"(?:one|another)\s+idea|if\s+(?:either\s+of\s+us|we\s+both|you|i)\b[^.?!]{0,60}\b(?:we|i'll|i\s+will)\b)"
    r"(?P<what>[^.!?]{0,140})",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"(?P<q>[^.!?]*\?)")
_OPEN_Q = re.compile(
    r"^\W*(?:so,?\s+|and\s+|ok(?:ay)?,?\s+)?(?:what|how|which|in\s+what\s+way|tell\s+me|help\s+me\s+understand)\b|"
    r"\b(?:can|could|would)\s+you\s+(?:tell|say|share|walk)\b|\btalk\s+to\s+me\b"
    r"|\bhow(?:'s| has| have)\b",
    re.IGNORECASE,
)
_VALIDATE = re.compile(
    r"\b(?:you'?re\s+(?:right|not\s+wrong)|(?:that'?s|it'?s)\s+(?:fair|true|understandable|reasonable)|"
    r"(?:i\s+)?(?:get|see|understand)\s+(?:why|that|how|where\s+you'?re\s+coming\s+from)|makes\s+sense|"
    r"fair\s+enough|i\s+hear\s+you|you\s+have\s+a\s+point|good\s+point)\b",
    re.IGNORECASE,
)
_REFLECT = re.compile(
    r"\b(?:(?:it\s+)?sounds\s+like\s+you|you\s+(?:seem|sound|look|must\s+(?:have\s+)?(?:felt|feel|be))|"
    r"i\s+(?:imagine|guess|bet)\s+you|so\s+you(?:'re|\s+are)?\s+feel|what\s+i'?m\s+hearing)\b",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"\b(?:thank(?:s|\s+you)|thx|cheers\s+for|i\s+(?:really\s+)?appreciate|i'?m\s+grateful|"
    r"i\s+love\s+(?:that|how)\s+you)\b",
    re.IGNORECASE,
)
_FEELING = re.compile(
    r"\bI(?:'ve\s+been|'m|\s+am|\s+was|\s+feel|\s+felt|\s+get|'ve\s+felt)\s+(?:feeling\s+)?"
    r"(?:so\s+|really\s+|very\s+|a\s+bit\s+|a\s+little\s+|kind\s+of\s+|pretty\s+|quite\s+|just\s+)*"
    r"(?P<word>[a-z][a-z\-]+(?:\s+(?:out|up|thin|down))?)",
    re.IGNORECASE,
)
_REPAIR = re.compile(
    r"\b(?:start\s+(?:over|again)|don'?t\s+want\s+(?:us\s+)?to\s+(?:fight|argue)|same\s+(?:team|side)|"
    r"i\s+love\s+you|i\s+want\s+(?:us|this)\s+to\s+work|we'?ll\s+(?:figure|sort)\s+it\s+out|"
    r"let\s+me\s+try\s+(?:that|again)|i\s+miss\s+(?:you|us))\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"['\"‘“](?P<q>[^'\"’”]{2,40})['\"’”]")
_SWAP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "im": "you're",
    "you": "I", "your": "my", "yours": "mine", "yourself": "myself", "you're": "I'm",
    "you've": "I've", "you'd": "I'd", "you'll": "I'll", "u": "I", "ur": "my", "am": "are",
}  # fmt: skip


def swap_person(text: str) -> str:
    """The same words from the other side ("I missed your gig" -> "you missed my gig")."""

    def one(match: re.Match[str]) -> str:
        word = match.group()
        swapped = _SWAP.get(word.lower())
        if swapped is None:
            return word
        if word.lower() == "you" and match.start() > 0:
            # "you" after a verb or preposition is an object: "me", not "I".
            before = text[: match.start()].rstrip().split()
            if before and before[-1].lower() not in {
                "and",
                "but",
                "so",
                "if",
                "when",
                "that",
                "because",
            }:
                return "me"
        return swapped

    return re.sub(r"\b[A-Za-z']+\b", one, text)


@dataclass(frozen=True)
class Heard:
    """The acts in one turn and what each was about, in the person's own words."""

    acts: tuple[str, ...]
    evidence: dict[str, str] = field(default_factory=dict)
    apology_for: str | None = None
    proposal: str | None = None
    return_time: str | None = None
    question: str | None = None
    open_question: bool = False
    feeling: str | None = None
    topic_words: frozenset[str] = frozenset()

    @property
    def main(self) -> str | None:
        """The act the partner answers first (the order of ``ACTS``)."""
        return self.acts[0] if self.acts else None


def _tidy(fragment: str | None) -> str | None:
    if not fragment:
        return None
    fragment = re.sub(r"\s+", " ", fragment).strip(" ,;:-")
    fragment = re.sub(r"^(?:that|about|for)\s+", "", fragment, flags=re.IGNORECASE)
    return fragment or None


def _key_phrase(fragment: str | None) -> str | None:
    """A short handle on what was said: a quoted bit, else the first few content words."""
    if not fragment:
        return None
    quoted = _QUOTED.search(fragment)
    if quoted:
        return f"'{quoted.group('q').strip()}'"
    return _tidy(" ".join(fragment.split()[:8]))


_SIMPLE_ACTS = (
    ("taking_responsibility", _OWNING),
    ("validating", _VALIDATE),
    ("reflecting_feelings", _REFLECT),
    ("appreciation", _THANKS),
    ("repair_attempt", _REPAIR),
)


def hear(text: str, feeling_words: set[str], *, blamed: bool = False) -> Heard:
    """Read one turn. ``blamed`` (the analysis found blame) empties the warm acts."""
    found: dict[str, str] = {}
    details: dict[str, str | bool | None] = {}
    if not blamed:
        _hear_apology(text, found, details)
        _hear_proposal(text, found, details)
        _hear_question(text, found, details)
        for act, pattern in _SIMPLE_ACTS:
            match = pattern.search(text)
            if match:
                found[act] = match.group()
    _hear_break(text, found, details)
    _hear_feeling(text, feeling_words, found, details)
    topic = content_words(text) - {"sorry", "thank", "thanks", "break", "minute", "talk"}
    return Heard(
        acts=tuple(a for a in ACTS if a in found),
        evidence=found,
        apology_for=details.get("apology_for"),  # type: ignore[arg-type]
        proposal=details.get("proposal"),  # type: ignore[arg-type]
        return_time=details.get("return_time"),  # type: ignore[arg-type]
        question=details.get("question"),  # type: ignore[arg-type]
        open_question=bool(details.get("open_question")),
        feeling=details.get("feeling"),  # type: ignore[arg-type]
        topic_words=frozenset(topic),
    )


def _hear_apology(text: str, found: dict[str, str], details: dict) -> None:
    match = _APOLOGY.search(text)
    if match:
        found["apology"] = match.group().strip()
        what = match.group("what") or match.group("what2") or match.group("what3")
        details["apology_for"] = _tidy(what)


def _hear_break(text: str, found: dict[str, str], details: dict) -> None:
    match = _BREAK.search(text)
    if match:
        found["proposing_break"] = match.group()
        when = _RETURN_TIME.search(text)
        details["return_time"] = when.group().strip() if when else None


def _hear_proposal(text: str, found: dict[str, str], details: dict) -> None:
    match = _PROPOSAL.search(text)
    if match:
        found["proposal"] = match.group().strip()
        details["proposal"] = _key_phrase(match.group("what")) or _key_phrase(match.group())


def _hear_question(text: str, found: dict[str, str], details: dict) -> None:
    questions = [m.group("q").strip() for m in _QUESTION.finditer(text)]
    if questions:
        found["question"] = questions[-1]
        details["question"] = questions[-1]
        details["open_question"] = bool(_OPEN_Q.search(questions[-1]))


def _hear_feeling(text: str, words: set[str], found: dict[str, str], details: dict) -> None:
    for match in _FEELING.finditer(text):
        word = match.group("word").lower()
        if word in words or word.split()[0] in words:
            found["feeling"] = match.group()
            details["feeling"] = word
            return

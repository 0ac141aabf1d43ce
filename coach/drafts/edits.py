"""Edit one sentence of a draft so the blame goes and the person's point stays.

The offline rewriter works like an editor with a red pen, not like a ghost writer:
each sentence the analysis did not flag is kept word for word; each flagged one is
changed only where it was flagged. Every change is one of a few small, grammatical
operations on the person's own words:

- an absolute becomes the plain event ("you never text me back" -> "you don't
  text me back", "you always leave" -> "you leave", "you keep interrupting" ->
  "you interrupt");
- a rhetorical question becomes the event or the ask it hides ("why can't you ever
  put your clothes in the hamper" -> "could you put your clothes in the hamper?");
- an order becomes a request ("you need to start paying" -> "could you start paying?");
- a pseudo-feeling becomes a feeling ("I feel ignored" -> "I feel lonely");
- sarcasm becomes the plain point when its form says what that is ("thanks for
  letting me know" -> "I wish you had let me know"), otherwise it is cut;
- a verdict, an insult, a counter-attack or a door slammed shut is cut.

What comes back says what happened to the sentence, so the composer can add the
one feeling and the one invitation a message needs without adding any fact.
"""

from __future__ import annotations

import re

from coach.drafts.spans import (
    Edited,
    Span,
    clean_cut,
    cut_blame,
    cut_spans,
    suspect,
    unquote,
    unshout,
)
from coach.drafts.words import (
    NOT_VERBS,
    clean_text,
    expand_texting,
    has_clause,
    is_past,
    is_verb,
    lower_first,
    participle,
    strip_end,
    verb_base,
    words_of,
)

__all__ = ["Edited", "Span", "edit_sentence", "lower_first", "suspect"]


_YOU = r"(?:you|u|ya)"
_PUNCT_END = re.compile(r"[\s,;:\-–—]*[.!?…]*\s*$")


# ------------------------------------------------------------------------ verbs

_JUDGEMENT_VERBS = {
    "listen": "listened to",
    "care": "cared about",
    "respect": "respected",
    "appreciate": "appreciated",
    "value": "valued",
    "notice": "noticed",
    "support": "supported",
    "try": "supported",
    "think": "considered",
    "consider": "considered",
    "love": "loved",
}


# ------------------------------------------------------------------------ small tools


# ------------------------------------------------------------------------ transforms

_ABS_NEVER = re.compile(
    rf"\b{_YOU}(?:'ve|\s+have)?\s+never\s+(?:once\s+|even\s+|ever\s+)*(?P<verb>[a-z']+)",
    re.IGNORECASE,
)
_ABS_ALWAYS = re.compile(
    rf"\b{_YOU}(?P<be>'re|\s+are|\s+r|\s+were)?\s+(?:always|constantly|forever|continually|"
    rf"consistently|repeatedly)\s+(?:just\s+)?",
    re.IGNORECASE,
)
_BE_NEVER = re.compile(rf"\b{_YOU}(?P<be>'re|\s+are|\s+r|\s+were)\s+never\b", re.IGNORECASE)
_KEEP_ING = re.compile(rf"\b{_YOU}\s+keep(?:s)?\s+(?:on\s+)?(?P<verb>[a-z]+ing)\b", re.IGNORECASE)
_NEG_ALWAYS = re.compile(
    rf"\b{_YOU}\s+(?P<neg>don't|dont|didn't|didnt|do not|did not|won't|can't|cant)\s+"
    r"(?:always|ever|even)\s+",
    re.IGNORECASE,
)
_ADVERB_ONLY = re.compile(
    r"\s*\b(?:again|anymore|any more|for once|as usual|like always|same as always|yet again|"
    r"once again|as always|every single time|every time|all the time|24/7|literally|"
    r"seriously)\b\s*",
    re.IGNORECASE,
)
_WHY_ALWAYS = re.compile(
    rf"^\W*(?:and\s+|so\s+)?why\s+(?:do|does|must|would|did)\s+{_YOU}\s+"
    r"(?:always|never|keep|have to|insist on)\s+"
    r"(?P<rest>[^?]+)\??$",
    re.IGNORECASE,
)
_WHY_CANT = re.compile(
    rf"^\W*(?:and\s+|so\s+)?(?:why\s+)?(?:can't|cant|won't|wont|couldn't|don't|dont)\s+{_YOU}\s+"
    r"(?:ever\s+|just\s+|even\s+|for once\s+|please\s+)*(?P<rest>[^?]+)\??$",
    re.IGNORECASE,
)
_HOW_HARD = re.compile(
    r"^\W*(?:how hard is it|is it (?:really\s+)?(?:so|that|this|really)\s+hard|"
    r"would it kill (?:you|u))\s+"
    r"(?:for (?:you|u) )?to\s+(?P<rest>[^?]+)\??$",
    re.IGNORECASE,
)
_DEMAND = re.compile(
    rf"^\W*(?:(?P<you>{_YOU})\s+(?:need|have|got)\s+to|(?:{_YOU})(?:'d|\s+had)?\s+better)\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
_FEEL_LIKE_YOU = re.compile(
    rf"^(?P<pre>.*?)\bI(?:'ve been|'m| am| was| have been)?\s+"
    r"(?:feel|felt|feeling)\s+(?:like|that)\s+"
    rf"(?P<rest>{_YOU}\b.*)$",
    re.IGNORECASE,
)
_SARCASTIC_THANKS = re.compile(
    r"^\W*(?:(?:wow|oh|gee|well|so|great|cool|nice)[,!.]?\s+)*(?:thanks?|thank you|thx|ty)"
    r"(?:\s+(?:so much|a lot|again|heaps))?\s+for\s+(?P<rest>.+?)\W*$",
    re.IGNORECASE,
)
_SARCASTIC_LOVE = re.compile(
    r"^\W*(?:(?:wow|oh|just|so|honestly)[,!.]?\s+)*(?:i\s+)?(?:just\s+)?(?:love|adore)\s+"
    r"(?P<verb>[a-z]+ing)\s+(?P<rest>.+?)\W*$",
    re.IGNORECASE,
)
_WHERE_I_STAND = re.compile(r"\bgood to know where I stand\b", re.IGNORECASE)
_INTERJECTION = re.compile(
    r"^\W*(?:(?:oh|wow|well|great|perfect|lovely|cool|brilliant|fantastic|wonderful|nice|sure|"
    r"yeah|ok|okay|fine|typical|seriously|honestly|ugh|omg|lol)\b[\s,.!]*)+",
    re.IGNORECASE,
)
_POSITIVE_ING = {
    "letting", "telling", "asking", "checking", "including", "inviting", "remembering",
    "warning", "helping", "calling", "texting", "replying", "answering", "thinking",
    "considering", "consulting", "informing", "waiting", "noticing", "listening", "coming",
    "showing", "saving", "keeping",
}  # fmt: skip


def _never_to_not(match: re.Match[str], sentence: str) -> tuple[str, bool] | None:
    """'you never text me back' -> ('you don't text me back', past?)."""
    verb = match.group("verb")
    lowered = verb.lower()
    # Right after "you never" comes a verb, even one the dictionary files as a noun
    # ("you never text"); only function words are ruled out.
    if lowered in NOT_VERBS or lowered in {"a", "an", "the", "my", "your", "with", "for", "in"}:
        return None
    past = is_past(lowered)
    base = verb_base(lowered)
    if lowered in {"was", "were"}:
        head = f"you {lowered}n't"
    elif past:
        head = f"you didn't {base}"
    else:
        head = f"you don't {base}"
    if "'ve" in match.group().lower() or " have " in match.group().lower():
        head = f"you haven't {participle(base)}"
        past = True
    return sentence[: match.start()] + head + sentence[match.end() :], past


def _remove_absolutes(sentence: str) -> tuple[str, bool]:
    """The sentence with its absolutes made plain; True when it is about the past."""
    past = False
    text = sentence
    match = _ABS_NEVER.search(text)
    if match:
        swapped = _never_to_not(match, text)
        if swapped:
            text, past = swapped
    match = _BE_NEVER.search(text)
    if match:
        be = match.group("be").strip().lower()
        neg = {"'re": "'re not", "are": "aren't", "r": "aren't", "were": "weren't"}.get(
            be, "'re not"
        )
        joiner = "" if neg.startswith("'") else " "
        text = text[: match.start()] + f"you{joiner}{neg}" + text[match.end() :]
    match = _KEEP_ING.search(text)
    if match:
        base = verb_base(match.group("verb"))
        text = text[: match.start()] + f"you {base}" + text[match.end() :]
    text = _ABS_ALWAYS.sub(lambda m: f"you{m.group('be') or ''} ", text)
    text = _NEG_ALWAYS.sub(lambda m: f"you {m.group('neg')} ", text)
    text = _ADVERB_ONLY.sub(" ", text)
    words = words_of(text)
    past = past or any(is_past(w) for w in words[:6] if w.lower() not in {"had"})
    return clean_text(text), past


def _judgement(sentence: str) -> tuple[str, str] | None:
    """'you never listen to me' -> 'I need to feel listened to'."""
    match = re.search(
        rf"\b{_YOU}\s+(?:never|don't|dont|do not|didn't|didnt|won't|can't)\s+"
        r"(?:even\s+|really\s+|actually\s+)?"
        r"(?P<verb>listen|care|respect|appreciate|value|notice|support|try|think|consider|love)\b",
        sentence,
        re.IGNORECASE,
    )
    if not match:
        return None
    verb = match.group("verb").lower()
    hint = "lonely" if verb in {"listen", "notice"} else "hurt"
    return f"I need to feel {_JUDGEMENT_VERBS[verb]}", hint


def _as_request(rest: str) -> str | None:
    rest = clean_text(_ADVERB_ONLY.sub(" ", expand_texting(rest)))
    rest = re.sub(r"\s+like\s+an?\s+\w+(?:\s+\w+)?$", "", rest, flags=re.IGNORECASE)
    rest = re.sub(r"\s+(?:for once|ever|just|already)\b", "", rest, flags=re.IGNORECASE)
    rest = rest.rstrip(" ?.!")
    words = words_of(rest)
    if not words or not is_verb(words[0]) or len(words) < 2:
        return None
    return f"Could you {lower_first(rest)}?"


def _sarcasm_plain(sentence: str, marker: str) -> Edited | None:
    """The plain point under a sarcastic form, where the form says what it is."""
    if _WHERE_I_STAND.search(sentence):
        return Edited(
            "edited", "I'm hurt, and I'm not sure where I stand with you.", feeling_hint="hurt"
        )
    match = _SARCASTIC_THANKS.match(sentence)
    if match:
        rest = expand_texting(match.group("rest"))
        first = rest.split()[0].lower() if rest.split() else ""
        if first in _POSITIVE_ING:
            verb = participle(first)
            said = f"I wish you had {verb} {' '.join(rest.split()[1:])}".strip()
            return Edited("edited", said + ".", past=True)
        if first in {"the", "a", "an", "your"}:
            noun = " ".join(rest.split()[1:])
            article = "an" if noun[:1].lower() in "aeiou" else "a"
            return Edited("edited", f"I wish I'd had {article} {noun}.", past=True)
        return None
    match = _SARCASTIC_LOVE.match(sentence)
    if match and marker in {"sarcasm", "reads_as"}:
        verb = verb_base(match.group("verb"))
        rest = expand_texting(match.group("rest"))
        return Edited("edited", f"I was hurt to {verb} {rest}.", past=True, feeling_hint="hurt")
    return None


# ------------------------------------------------------------------------ one sentence

_STONEWALL = {"dismissal", "silent_treatment"}
_DROP_MARKERS = {
    "name_calling", "hostility", "mockery", "minimizing", "counter_attack", "innocent_victim",
    "excuse", "threat_or_ultimatum", "mind_reading", "non_apology",
}  # fmt: skip


def edit_sentence(
    sentence: str, spans: list[Span], *, pseudo: dict[str, str] | None = None
) -> Edited:
    """Edit one flagged sentence (or clause); ``spans`` are its findings.

    ``pseudo`` maps pseudo-feelings ("ignored") to the feeling to name instead. The
    sentence's whole form is tried first (a slammed door, sarcasm with a plain
    point, a judgement, a rhetorical question, "I feel like you ..."); otherwise the
    flagged words are cut in place where that leaves a whole clause.
    """
    if not spans:
        return Edited("kept", sentence)
    markers = {s.marker for s in spans}
    body, end = strip_end(sentence)
    whole = _whole_form(body, spans, markers)
    if whole is not None:
        return whole
    if "pseudo_feeling" in markers:
        body = _name_the_feeling(body, pseudo or {})
    return _cut_in_place(body, end, spans, markers)


def _whole_form(body: str, spans: list[Span], markers: set[str]) -> Edited | None:
    """An edit that replaces the whole sentence, when its form says what it means."""
    if markers <= _STONEWALL and not has_clause(cut_spans(body, spans)):
        return Edited("break")
    for span in spans:
        if span.marker in {"sarcasm", "praise_as_jab", "reads_as"}:
            plain = _sarcasm_plain(body, span.marker)
            if plain is not None:
                return plain
    judgement = _judgement(body)
    if judgement:
        return Edited("feeling", judgement[0], feeling_hint=judgement[1])
    shaped = _reshape(body)
    if shaped is not None:
        return shaped
    match = _FEEL_LIKE_YOU.match(body) if "pseudo_feeling" in markers else None
    if match is None:
        return None
    rest, past = _remove_absolutes(match.group("rest"))
    rest = cut_blame(rest)
    if rest and has_clause(rest) and not (markers & _DROP_MARKERS):
        return Edited("observation", clean_text(rest), past=past)
    return Edited("dropped")


def _cut_in_place(body: str, end: str, spans: list[Span], markers: set[str]) -> Edited:
    """Cut the flagged words; keep the sentence only if a whole, clean clause is left."""
    body = unquote(body, [s for s in spans if s.marker == "scare_quotes"])
    cuttable = [s for s in spans if s.marker not in _EDITED_IN_PLACE]
    if any(not clean_cut(body, s.start, s.end) for s in cuttable):
        return Edited("dropped")
    text = cut_spans(body, cuttable) if cuttable else body
    if markers & {"sarcasm", "praise_as_jab", "cold_reply"}:
        text = _INTERJECTION.sub("", text)
    text, past = _remove_absolutes(text)
    if "shouting" in markers:
        text = unshout(text)
    return _as_edit(cut_blame(text), end, past)


def _as_edit(text: str | None, end: str, past: bool) -> Edited:
    """What is left after the cuts: an event about them, an edited sentence, or nothing."""
    if text is None or not has_clause(text) or cut_blame(text) != text or suspect(text):
        return Edited("dropped")
    if re.match(rf"^{_YOU}\b", text, re.IGNORECASE) and end != "?":
        return Edited("observation", expand_texting(text), past=past)
    return Edited("edited", text + (end if end in {".", "?", "!"} else "."), past=past)


_EDITED_IN_PLACE = {"absolute", "shouting", "pseudo_feeling", "silent_treatment", "scare_quotes"}


def _reshape(body: str) -> Edited | None:
    """Rhetorical questions and orders, turned into the event or the ask they hide."""
    for pattern in (_WHY_CANT, _HOW_HARD):
        match = pattern.match(body)
        if match:
            request = _as_request(match.group("rest"))
            if request:
                return Edited("request", request)
    match = _WHY_ALWAYS.match(body)
    if match:
        rest = clean_text(expand_texting(_ADVERB_ONLY.sub(" ", match.group("rest"))))
        words = words_of(rest)
        if words and is_verb(words[0]) and cut_blame(f"you {rest}") == f"you {rest}":
            return Edited("observation", f"you {lower_first(rest)}")
    match = _DEMAND.match(body)
    if match:
        request = _as_request(match.group("rest"))
        if request:
            return Edited("request", request)
    return None


def _name_the_feeling(body: str, pseudo: dict[str, str]) -> str:
    """'I feel ignored' -> 'I feel lonely': the pseudo-feeling's word swapped in place."""
    for word in sorted(pseudo, key=len, reverse=True):
        pattern = re.compile(rf"\b{re.escape(word).replace(chr(92) + ' ', chr(92) + 's+')}\b", re.I)
        if pattern.search(body):
            return pattern.sub(pseudo[word], body, count=1)
    return body

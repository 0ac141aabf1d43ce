"""What a draft says, read for the rewriter and the builder: the concrete point kept.

From a draft and its analysis this finds an observation ("you didn't do the
dishes", with absolutes and commentary removed), the topic ("the dishes"), an ask
hidden in a complaint, the need behind it and a feeling family, so a rewrite can
keep the person's real point in their own words. All word lists are data
(:mod:`coach.drafts.wording`); nothing here logs or stores the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.wording import STRAIGHTEN, WORD, RewriteSettings, Wording

_BOUNDARY = re.compile(r"[.!?\n,;:]")


@dataclass(frozen=True)
class Reading:
    """What the rewriter understood from a draft."""

    observation: str | None
    topic: str | None
    ask: str | None
    need: str
    family: str
    pseudo: str | None


def _blame_free_text(text: str, analysis: DraftAnalysis) -> str:
    """The draft with every finding's span blanked out (same length, so offsets hold)."""
    chars = list(text)
    for finding in analysis.findings:
        if finding.marker == "shouting":
            continue
        for i in range(finding.start, finding.end):
            chars[i] = " "
    return "".join(chars)


_OBSERVATION = re.compile(
    r"\b(?:you|u)\s+(?P<mods>(?:(?:always|never|constantly|keep|just|even|still|literally|"
    r"also|ever|again|have|had|'ve|seriously|actually)\s+)*)"
    r"(?P<neg>(?:don't|dont|didn't|didnt|do not|did not|won't|wont|can't|cant|never)\s+)?"
    r"(?:even\s+|ever\s+|always\s+)?(?P<verb>[a-z']+)(?P<rest>[^.!?\n;,]*)",
    re.IGNORECASE,
)


def _observation(text: str, engine: Wording) -> tuple[str, str | None] | None:
    """A "you <did something>" clause, with absolutes and commentary removed.

    When the clause says something did not happen ("you never do the dishes"), the
    positive action ("do the dishes") comes back too: it is the natural request.
    """
    settings = engine.settings
    verbs = set(settings.action_verbs)
    for match in _OBSERVATION.finditer(text.translate(STRAIGHTEN)):
        verb = match.group("verb").lower()
        if verb not in verbs or _not_an_observation(match, verb, text):
            continue
        head, base_verb = _head(match, verb, settings)
        kept = _clean_tail(match.group("rest"), settings)
        observation = " ".join([head, *kept]).strip()
        stop = engine.stopwords
        if not any(w.lower().replace("'", "") not in stop for w in kept):
            continue
        ask = " ".join([base_verb, *kept]) if base_verb and kept else None
        return observation, ask
    return None


def _not_an_observation(match: re.Match[str], verb: str, text: str) -> bool:
    """ "you keep ...", "if you ...", and "you were" unless late: not something that happened."""
    if verb in {"keep", "kept"} or re.search(
        r"\bif\s+$", text[max(0, match.start() - 12) : match.start()], re.IGNORECASE
    ):
        return True
    return verb in {"were", "was"} and not match.group("rest").lower().lstrip().startswith("late")


def _head(match: re.Match[str], verb: str, settings: RewriteSettings) -> tuple[str, str | None]:
    """The observation's opening words, and the verb a request can reuse (if any)."""
    mods = match.group("mods").lower().split()
    neg_raw = (match.group("neg") or "").strip().lower()
    said_never = "never" in mods or neg_raw == "never"
    base_verb: str | None = None
    if neg_raw and neg_raw != "never":
        base_verb = verb
        neg = neg_raw.replace("dont", "don't").replace("didnt", "didn't")
        neg = {"wont": "won't", "cant": "can't"}.get(neg, neg)
        head = f"you {neg} {verb}"
    elif said_never:
        base = settings.past_to_base.get(verb)
        if verb in {"were", "was"}:
            head = f"you {verb}n't"
        else:
            head = f"you didn't {base}" if base else f"you don't {verb}"
            base_verb = base or verb
    else:
        head = f"you {verb}"
    return head, base_verb


def _clean_tail(rest: str, settings: RewriteSettings) -> list[str]:
    """The words after the verb, up to the first word that starts commentary."""
    drop = set(settings.drop_words)
    cut = set(settings.cut_words)
    kept: list[str] = []
    tokens = rest.split()
    for index, token in enumerate(tokens):
        word = token.strip("\"'()*").lower()
        two = f"{word} {tokens[index + 1].lower()}" if index + 1 < len(tokens) else ""
        if word in cut or two in cut:
            break
        if word in drop or not re.search(r"[a-z0-9$]", word):
            continue
        if token.isupper() and len(token) > 1:
            token = token.lower()
        kept.append(token.strip('"()*'))
        if len(kept) >= settings.max_observation_words:
            break
    while kept and kept[-1].lower() in {"to", "the", "a", "my", "your", "of", "for", "on", "not"}:
        kept.pop()
    return kept


def _implied_ask(text: str, engine: Wording) -> str | None:
    """The action inside a complaint phrased as a question ("how hard is it to X")."""
    verbs = set(engine.settings.action_verbs)
    for pattern in engine.implied_requests:
        for match in pattern.finditer(text):
            words = match.group("ask").split()
            if not words or words[0].lower() not in verbs:
                continue
            tail = _clean_tail(" ".join(words[1:]), engine.settings)
            if tail:
                return " ".join([words[0].lower(), *tail])
    return None


@dataclass(frozen=True)
class _TopicWords:
    """The word lists a topic phrase is read with."""

    determiners: frozenset[str]
    prepositions: frozenset[str]
    skip: frozenset[str]
    not_topics: frozenset[str]
    verbs: frozenset[str]
    stop: frozenset[str]


Token = tuple[str, int, int]


def _topic(
    text: str, need: str, analysis_spans: list[tuple[int, int]], engine: Wording
) -> str | None:
    """The concrete thing the draft is about: a short noun phrase ("your phone at dinner").

    Noun phrases start at a determiner and run over content words; one that names a
    trigger of the chosen need wins, then one outside the blaming wording.
    """
    settings = engine.settings
    vocab = _TopicWords(
        determiners=frozenset(settings.determiners) - {"a", "an"},
        prepositions=frozenset(settings.prepositions),
        skip=frozenset(settings.drop_words),
        not_topics=frozenset(settings.not_topics),
        verbs=frozenset(settings.action_verbs) | frozenset(settings.past_to_base),
        stop=engine.stopwords,
    )
    tokens = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    trigger_spans = [m.span() for p in engine.triggers.get(need, ()) for m in p.finditer(text)]
    best: tuple[int, int, str] | None = None
    for index, (word, start, _) in enumerate(tokens):
        if word.lower() not in vocab.determiners:
            continue
        words, cursor = _noun_phrase(text, tokens, index, vocab)
        if len(words) < 2 or words[-1] in vocab.not_topics:
            continue
        words, cursor = _with_prepositional_phrase(text, tokens, cursor, words, vocab)
        end = tokens[cursor - 1][2]
        phrase = re.sub(r"\bur\b", "your", " ".join(words))
        score = _topic_score(start, end, trigger_spans, analysis_spans)
        if best is None or score > best[0]:
            best = (score, start, phrase)
    return best[2] if best else None


def _topic_score(
    start: int,
    end: int,
    trigger_spans: list[tuple[int, int]],
    analysis_spans: list[tuple[int, int]],
) -> int:
    """2 for naming a trigger of the need, 1 for lying outside the blaming wording."""
    score = 0
    if any(s < end and start < e for s, e in trigger_spans):
        score += 2
    if not any(s < end and start < e for s, e in analysis_spans):
        score += 1
    return score


def _noun_phrase(
    text: str, tokens: list[Token], index: int, vocab: _TopicWords
) -> tuple[list[str], int]:
    """The determiner at ``index`` and the content words after it (up to four words)."""
    words = [tokens[index][0].lower()]
    cursor = index + 1
    while cursor < len(tokens) and len(words) < 4:
        token = tokens[cursor][0]
        lowered = token.lower()
        if _BOUNDARY.search(text[tokens[cursor - 1][2] : tokens[cursor][1]]):
            break
        if lowered in vocab.skip:
            cursor += 1
            continue
        bare = lowered.replace("'", "")
        if bare in vocab.stop or lowered in vocab.prepositions or lowered in vocab.verbs:
            break
        following = tokens[cursor + 1][0].lower() if cursor + 1 < len(tokens) else ""
        if (
            len(words) >= 2
            and lowered.endswith("ed")
            and (not following or following.replace("'", "") in vocab.stop)
        ):
            break
        words.append(token if token.istitle() and lowered in {"i"} else lowered)
        cursor += 1
    return words, cursor


def _with_prepositional_phrase(
    text: str, tokens: list[Token], cursor: int, words: list[str], vocab: _TopicWords
) -> tuple[list[str], int]:
    """The phrase with a following "at dinner", "with my mum" kept on, when there is one."""
    if (
        cursor + 1 < len(tokens)
        and tokens[cursor][0].lower() in vocab.prepositions
        and not _BOUNDARY.search(text[tokens[cursor - 1][2] : tokens[cursor + 1][1]])
    ):
        follow = tokens[cursor + 1][0].lower()
        if follow not in vocab.stop and follow not in vocab.not_topics | {"me", "you", "us"}:
            return [*words, tokens[cursor][0].lower(), follow], cursor + 2
    return words, cursor


def _choose_need(text: str, analysis: DraftAnalysis, engine: Wording) -> str:
    kinds = set(analysis.kinds)
    if kinds == {"stonewalling"} and "rest_from_conflict" in engine.needs.needs:
        return "rest_from_conflict"
    scores: dict[str, float] = {}
    for name, patterns in engine.triggers.items():
        if name == "rest_from_conflict" and "stonewalling" not in kinds:
            continue
        hits = {m.group().lower() for p in patterns for m in p.finditer(text)}
        if hits:
            scores[name] = len(hits) + sum(len(h) for h in hits) / 100
    if scores:
        return max(scores, key=lambda n: scores[n])
    if "defensiveness" in kinds and "understanding" in engine.needs.needs:
        return "understanding"
    return engine.needs.default


def _choose_family(
    text: str, need: str, analysis: DraftAnalysis, engine: Wording
) -> tuple[str, str | None]:
    for finding in analysis.findings:
        if finding.marker == "pseudo_feeling":
            word = engine.pseudo_word.search(finding.text.translate(STRAIGHTEN))
            if word:
                key = re.sub(r"\s+", " ", word.group().lower())
                families = engine.feelings.pseudo_feelings.get(key)
                if families:
                    return families[0], key
    candidates = engine.needs.needs[need].feelings
    lowered = text.lower()
    best, best_score = candidates[0], 0
    for family in candidates:
        cues = engine.feelings.families[family].cues
        score = sum(1 for cue in cues if re.search(rf"\b{re.escape(cue.lower())}\b", lowered))
        if score > best_score:
            best, best_score = family, score
    return best, None


def read_draft(text: str, analysis: DraftAnalysis, engine: Wording) -> Reading:
    """What the rewriter and the builder understand from ``text``."""
    clean = _blame_free_text(text.translate(STRAIGHTEN), analysis)
    need = _choose_need(text, analysis, engine)
    family, pseudo = _choose_family(text, need, analysis, engine)
    found = _observation(clean, engine) or _observation(text, engine)
    observation, ask = found if found else (None, None)
    if (
        observation is not None
        and analyze(f"When {observation}, I pause.", rules=engine.rules).blame
    ):
        observation, ask = None, None
    ask = ask or _implied_ask(text.translate(STRAIGHTEN), engine)
    if ask is not None and analyze(f"Would you be willing to {ask}?", rules=engine.rules).blame:
        ask = None
    spans = [(f.start, f.end) for f in analysis.findings]
    topic = _topic(text.translate(STRAIGHTEN), need, spans, engine)
    if topic is not None and analyze(f"About {topic}.", rules=engine.rules).blame:
        topic = None
    return Reading(observation, topic, ask, need, family, pseudo)


def when_clause(reading: Reading) -> str | None:
    """The sentence's opening clause: the observation, or else the topic (or nothing)."""
    if reading.observation:
        return f"When {reading.observation}"
    if reading.topic:
        return f"When it comes to {reading.topic}"
    return None


__all__ = ["Reading", "read_draft", "when_clause"]

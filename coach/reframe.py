"""Offline "I" statements: a guided builder, rewrites of a draft, and a lint.

Why this shape: research on feedback tools (Sharma et al. 2023) found people
keep ownership and grow more when they are shown what to change in their own
words than when their words are replaced. So the builder pre-fills the four NVC
parts (observation, feeling, need, request) from the draft and lets the person
edit each one; the rewrites are suggestions that keep the person's concrete
point ("the dishes", "picking the kids up at 5"); and ``lint`` checks any
version, theirs or ours, for the three things that make an "I" statement work:
no blame left in it, a real feeling (not a pseudo-feeling such as "ignored"), and
a concrete request.

All word lists are data: feelings in ``knowledge/lexicon/feelings.yaml``, needs
and their trigger topics in ``knowledge/lexicon/needs.yaml``, and the rewrite
settings (action verbs, words to drop, request cues) in the ``rewrite`` section
of ``coach/data/draft_rules.yaml``. Nothing here logs or stores the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.analysis import (
    DraftAnalysis,
    FeelingsLexicon,
    Finding,
    analyze,
    load_feelings,
    load_rules,
)
from coach.config import get_settings
from coach.data_files import YAMLError, read_yaml
from coach.errors import InputError, KnowledgeError

__all__ = [
    "IStatementDraft",
    "LintResult",
    "Rewrite",
    "RewriteNote",
    "build_i_statement",
    "compose_i_statement",
    "content_words",
    "lint",
    "load_needs",
    "rewrite",
]

Style = Literal["gentle", "direct", "short_text"]
MAX_LENGTH_RATIO = 3.0

_WORD = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$'’]*")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_BOUNDARY = re.compile(r"[.!?\n,;:]")
_STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})

_G_START_UP = "technique-i-statements#gentle-start-up"
_G_FORMULA = "technique-i-statements#the-i-statement-formula"
_G_PSEUDO = "technique-nvc#pseudo-feelings"
_G_REQUEST = "technique-nvc#requests"
_G_BREAK = "technique-flooding-and-time-outs#taking-a-break-well"
_G_REPAIR = "technique-repair-attempts#what-a-repair-attempt-is"
_G_CONTEMPT = "technique-four-horsemen#contempt"
_G_CRITICISM = "technique-four-horsemen#criticism"


# ---------------------------------------------------------------------------- results


class LintResult(BaseModel):
    """Whether a rewrite works as an "I" statement, and what to fix if not."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    blame_free: bool
    has_feeling: bool
    has_request: bool
    feeling_words: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


class RewriteNote(BaseModel):
    """One change a rewrite made, why it helps, and where to read more."""

    model_config = ConfigDict(frozen=True)

    change: str
    guidance_id: str


class Rewrite(BaseModel):
    """One suggested version of the draft in a given style."""

    model_config = ConfigDict(frozen=True)

    style: Style
    text: str
    why: list[RewriteNote]
    lint: LintResult


class IStatementDraft(BaseModel):
    """The four parts of an "I" statement, pre-filled or chosen, and the sentence they make."""

    model_config = ConfigDict(frozen=True)

    observation: str = Field(description="What happened, without absolutes or verdicts.")
    feeling: str
    need: str = Field(description="Reads after 'because I need ...'.")
    request: str
    text: str
    lint: LintResult
    topic: str | None = Field(default=None, description="The concrete topic kept from the draft.")
    feeling_options: list[str] = Field(default_factory=list)
    need_options: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------- data


class _RequestTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    who: Literal["we", "you"]
    text: str = Field(min_length=5)


class _Need(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_topic: str
    phrase: str = Field(min_length=3)
    words: list[str] = Field(min_length=1)
    feelings: list[str] = Field(min_length=1)
    triggers: list[str] = Field(default_factory=list)
    requests: list[_RequestTemplate] = Field(min_length=1)
    short: str = Field(min_length=5)


class NeedsLexicon(BaseModel):
    """``knowledge/lexicon/needs.yaml``: needs, their trigger topics and concrete asks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    default: str
    needs: dict[str, _Need] = Field(min_length=4)

    @field_validator("default")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.strip()


class _RewriteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action_verbs: list[str]
    past_to_base: dict[str, str]
    drop_words: list[str]
    cut_words: list[str]
    max_observation_words: int = Field(ge=3, le=20)
    determiners: list[str]
    prepositions: list[str]
    stopwords: list[str]
    request_cues: list[str] = Field(min_length=1)
    concrete_cues: list[str] = Field(min_length=1)
    openers: dict[str, str]
    not_topics: list[str]
    implied_requests: list[str]
    ask_when: str


@dataclass(frozen=True)
class _Engine:
    """Everything the rewriter needs, loaded and compiled once."""

    feelings: FeelingsLexicon
    needs: NeedsLexicon
    settings: _RewriteSettings
    triggers: dict[str, tuple[re.Pattern[str], ...]]
    feeling_word: re.Pattern[str]
    pseudo_word: re.Pattern[str]
    request_cues: tuple[re.Pattern[str], ...]
    concrete_cues: tuple[re.Pattern[str], ...]
    implied_requests: tuple[re.Pattern[str], ...]
    stopwords: frozenset[str]


def load_needs(path: Path | None = None) -> NeedsLexicon:
    """The needs lexicon, validated against the feelings lexicon and cached."""
    return _load_needs_at(
        (path or get_settings().knowledge_dir / "lexicon" / "needs.yaml").resolve()
    )


@lru_cache(maxsize=4)
def _load_needs_at(path: Path) -> NeedsLexicon:
    try:
        raw = read_yaml(path)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path} is missing", hint="Restore knowledge/lexicon.") from exc
    except YAMLError as exc:
        raise KnowledgeError(f"{path.name} is not valid YAML: {exc}") from exc
    try:
        needs = NeedsLexicon.model_validate(raw)
    except ValidationError as exc:
        first = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
        )
        raise KnowledgeError(f"{path.name} breaks the needs schema: {first}") from exc
    if needs.default not in needs.needs:
        raise KnowledgeError(f"{path.name}: default need {needs.default!r} is not defined")
    families = load_feelings().families
    for name, need in needs.needs.items():
        unknown = [f for f in need.feelings if f not in families]
        if unknown:
            raise KnowledgeError(f"{path.name}: need {name!r} names unknown feelings {unknown}")
    return needs


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    feelings = load_feelings()
    needs = load_needs()
    try:
        settings = _RewriteSettings.model_validate(load_rules().rewrite)
    except ValidationError as exc:
        raise KnowledgeError(f"draft_rules.yaml rewrite section is invalid: {exc}") from exc

    def phrase_pattern(words: list[str] | set[str]) -> re.Pattern[str]:
        alternatives = sorted(words, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
        return re.compile(rf"(?<![\w$])(?:{body})(?![\w])", re.IGNORECASE)

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns)
        except re.error as exc:
            raise KnowledgeError(f"draft_rules.yaml rewrite cue does not compile: {exc}") from exc

    return _Engine(
        feelings=feelings,
        needs=needs,
        settings=settings,
        triggers={
            name: (phrase_pattern(need.triggers),) if need.triggers else ()
            for name, need in needs.needs.items()
        },
        feeling_word=phrase_pattern(feelings.all_words()),
        pseudo_word=phrase_pattern(set(feelings.pseudo_feelings)),
        request_cues=compile_all(settings.request_cues),
        concrete_cues=compile_all(settings.concrete_cues),
        implied_requests=compile_all(settings.implied_requests),
        stopwords=frozenset(w.lower() for w in settings.stopwords),
    )


# ---------------------------------------------------------------------------- lint


def lint(rewrite_text: str) -> LintResult:
    """Check an "I" statement: no blame left, a real feeling word, a concrete request."""
    if not isinstance(rewrite_text, str) or not rewrite_text.strip():
        raise InputError("There is nothing to check.", hint="Write or choose a message first.")
    engine = _engine()
    text = rewrite_text.translate(_STRAIGHTEN)
    analysis = analyze(rewrite_text)
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

    has_request = any(_is_concrete_request(s.group(), engine) for s in _SENTENCE.finditer(text))
    if not has_request:
        problems.append("End with a concrete request: what, and when (e.g. 'tonight at 8').")
    return LintResult(
        ok=not problems,
        blame_free=not analysis.blame,
        has_feeling=has_feeling,
        has_request=has_request,
        feeling_words=sorted(set(feelings)),
        problems=problems,
        findings=analysis.findings,
    )


def _is_concrete_request(sentence: str, engine: _Engine) -> bool:
    stripped = sentence.strip()
    asks = any(p.search(stripped) for p in engine.request_cues)
    return asks and any(p.search(stripped) for p in engine.concrete_cues)


# ---------------------------------------------------------------------------- understanding


@dataclass(frozen=True)
class _Reading:
    """What the rewriter understood from a draft."""

    observation: str | None
    topic: str | None
    ask: str | None
    need: str
    family: str
    pseudo: str | None


def _words(text: str) -> list[str]:
    return [m.group().lower().replace("’", "'") for m in _WORD.finditer(text)]


def content_words(text: str) -> set[str]:
    """Topic-bearing words of a text (lowercase, stopwords dropped, simple plural folded).

    Used to check that a rewrite keeps the person's real point.
    """
    engine = _engine()
    result = set()
    for word in _words(text.translate(_STRAIGHTEN)):
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


def _observation(text: str, engine: _Engine) -> tuple[str, str | None] | None:
    """A "you <did something>" clause, with absolutes and commentary removed.

    When the clause says something did not happen ("you never do the dishes"), the
    positive action ("do the dishes") comes back too: it is the natural request.
    """
    settings = engine.settings
    verbs = set(settings.action_verbs)
    for match in _OBSERVATION.finditer(text.translate(_STRAIGHTEN)):
        verb = match.group("verb").lower()
        if verb not in verbs:
            continue
        mods = match.group("mods").lower().split()
        neg_raw = (match.group("neg") or "").strip().lower()
        said_never = "never" in mods or neg_raw == "never"
        if verb in {"keep", "kept"} or re.search(
            r"\bif\s+$", text[max(0, match.start() - 12) : match.start()], re.IGNORECASE
        ):
            continue
        if verb in {"were", "was"} and not match.group("rest").lower().lstrip().startswith("late"):
            continue
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
        kept = _clean_tail(match.group("rest"), settings)
        observation = " ".join([head, *kept]).strip()
        stop = engine.stopwords
        if not any(w.lower().replace("'", "") not in stop for w in kept):
            continue
        ask = " ".join([base_verb, *kept]) if base_verb and kept else None
        return observation, ask
    return None


def _clean_tail(rest: str, settings: _RewriteSettings) -> list[str]:
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


def _implied_ask(text: str, engine: _Engine) -> str | None:
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


def _topic(
    text: str, need: str, analysis_spans: list[tuple[int, int]], engine: _Engine
) -> str | None:
    """The concrete thing the draft is about: a short noun phrase ("your phone at dinner").

    Noun phrases start at a determiner and run over content words; one that names a
    trigger of the chosen need wins, then one outside the blaming wording.
    """
    settings = engine.settings
    determiners = set(settings.determiners) - {"a", "an"}
    prepositions = set(settings.prepositions)
    skip = set(settings.drop_words)
    not_topics = set(settings.not_topics)
    verbs = set(settings.action_verbs) | set(settings.past_to_base)
    stop = engine.stopwords
    tokens = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    trigger_spans = [m.span() for p in engine.triggers.get(need, ()) for m in p.finditer(text)]
    best: tuple[int, int, str] | None = None
    for index, (word, start, _) in enumerate(tokens):
        if word.lower() not in determiners:
            continue
        words = [word.lower()]
        cursor = index + 1
        while cursor < len(tokens) and len(words) < 4:
            token = tokens[cursor][0]
            lowered = token.lower()
            if _BOUNDARY.search(text[tokens[cursor - 1][2] : tokens[cursor][1]]):
                break
            if lowered in skip:
                cursor += 1
                continue
            bare = lowered.replace("'", "")
            if bare in stop or lowered in prepositions or lowered in verbs:
                break
            following = tokens[cursor + 1][0].lower() if cursor + 1 < len(tokens) else ""
            if (
                len(words) >= 2
                and lowered.endswith("ed")
                and (not following or following.replace("'", "") in stop)
            ):
                break
            words.append(token if token.istitle() and lowered in {"i"} else lowered)
            cursor += 1
        if len(words) < 2 or words[-1] in not_topics:
            continue
        if (
            cursor + 1 < len(tokens)
            and tokens[cursor][0].lower() in prepositions
            and not _BOUNDARY.search(text[tokens[cursor - 1][2] : tokens[cursor + 1][1]])
        ):
            follow = tokens[cursor + 1][0].lower()
            if follow not in stop and follow not in not_topics | {"me", "you", "us"}:
                words += [tokens[cursor][0].lower(), follow]
                cursor += 2
        end = tokens[cursor - 1][2]
        phrase = re.sub(r"\bur\b", "your", " ".join(words))
        score = 0
        if any(s < end and start < e for s, e in trigger_spans):
            score += 2
        if not any(s < end and start < e for s, e in analysis_spans):
            score += 1
        if best is None or score > best[0]:
            best = (score, start, phrase)
    return best[2] if best else None


def _choose_need(text: str, analysis: DraftAnalysis, engine: _Engine) -> str:
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
    text: str, need: str, analysis: DraftAnalysis, engine: _Engine
) -> tuple[str, str | None]:
    for finding in analysis.findings:
        if finding.marker == "pseudo_feeling":
            word = engine.pseudo_word.search(finding.text.translate(_STRAIGHTEN))
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


def _read(text: str, analysis: DraftAnalysis) -> _Reading:
    engine = _engine()
    clean = _blame_free_text(text.translate(_STRAIGHTEN), analysis)
    need = _choose_need(text, analysis, engine)
    family, pseudo = _choose_family(text, need, analysis, engine)
    found = _observation(clean, engine) or _observation(text, engine)
    observation, ask = found if found else (None, None)
    if observation is not None and analyze(f"When {observation}, I pause.").blame:
        observation, ask = None, None
    ask = ask or _implied_ask(text.translate(_STRAIGHTEN), engine)
    if ask is not None and analyze(f"Would you be willing to {ask}?").blame:
        ask = None
    spans = [(f.start, f.end) for f in analysis.findings]
    topic = _topic(text.translate(_STRAIGHTEN), need, spans, engine)
    if topic is not None and analyze(f"About {topic}.").blame:
        topic = None
    return _Reading(observation, topic, ask, need, family, pseudo)


# ---------------------------------------------------------------------------- rendering


def _ask(template: _RequestTemplate, topic: str) -> str:
    body = template.text.replace("{topic}", topic)
    if template.who == "you":
        return f"Would you be willing to {body}?"
    return f"Could we {body}?"


def _request(need_name: str, topic: str | None, engine: _Engine, ask: str | None = None) -> str:
    if ask:
        return f"Would you be willing to {ask}, {engine.settings.ask_when}?"
    need = engine.needs.needs[need_name]
    for template in need.requests:
        if "{topic}" in template.text and topic is None:
            continue
        return _ask(template, topic or need.default_topic)
    return _ask(need.requests[0], need.default_topic)


def _when_clause(reading: _Reading) -> str | None:
    if reading.observation:
        return f"When {reading.observation}"
    if reading.topic:
        return f"When it comes to {reading.topic}"
    return None


def _candidates(
    style: Style, reading: _Reading, analysis: DraftAnalysis, engine: _Engine
) -> list[str]:
    """Versions of one style, longest first; the caller keeps the first that fits and lints.

    Shorter versions exist because a rewrite should never bury a short message; at
    each length the versions that keep the draft's topic come first.
    """
    need = engine.needs.needs[reading.need]
    family = engine.feelings.families[reading.family]
    feeling = family.words[0]
    when = _when_clause(reading)
    ask = _request(reading.need, reading.topic, engine, reading.ask)
    kinds = analysis.kinds
    opener = engine.settings.openers.get(kinds[0], "") if kinds else ""
    topic = reading.topic
    about = f" about {topic}" if topic else ""
    short_words = sorted(family.words[:3], key=len)
    out: list[str] = []
    if style == "gentle":
        core = (
            f"{when}, I feel {feeling}, because I need {need.phrase}."
            if when
            else f"I've been feeling {feeling}{about}, because I need {need.phrase}."
        )
        out += [f"{opener}{core} {ask}", f"{core} {ask}"]
        if when:
            out += [f"{when}, I feel {feeling}. {ask}", f"{when}, I feel {feeling}. {need.short}"]
        out += [f"I feel {feeling}{about}. {ask}", f"I feel {feeling}{about}. {need.short}"]
        if topic:
            out += [f"I'm {word} about {topic}. Can we talk tonight?" for word in short_words]
        elif when:
            out += [f"{when}, I feel {word}. Can we talk tonight?" for word in short_words]
        out += [f"I feel {feeling}. {need.short}", f"I feel {feeling}. Can we talk tonight?"]
    elif style == "direct":
        if when:
            out.append(f"{when}, I feel {feeling}. I need {need.phrase}. {ask}")
        out.append(f"I feel {feeling}{about} and I need {need.phrase}. {ask}")
        if topic:
            out.append(f"About {topic}: I'm {feeling}. {ask}")
            out.append(f"About {topic}: I'm {feeling}. {need.short}")
            out += [f"About {topic}: I'm {word}. Talk at 8?" for word in short_words]
        elif when:
            out.append(f"{when}, I'm {feeling}. {ask}")
            out += [f"{when}, I'm {word}. Talk at 8?" for word in short_words]
        out.append(f"I'm {feeling}. {ask}")
        if reading.ask:
            out.append(f"I'm {feeling}. Could you {reading.ask} this week?")
        out += [f"I'm {word}. Talk tonight at 8?" for word in short_words]
        out += [f"I'm {word}. Call me at 8?" for word in short_words]
    else:
        if topic:
            out.append(f"Feeling {feeling} about {topic}. {need.short}")
            out += [f"Re {topic}: I'm {word}. Talk at 8?" for word in short_words]
        elif when:
            out += [f"{when}, I felt {word}. Talk at 8?" for word in short_words]
        if reading.ask:
            out.append(f"Feeling {feeling}. Could you {reading.ask} this week?")
        out += [f"Feeling {feeling}. {need.short}", f"I'm {feeling}. Can we talk at 8?"]
        out += [f"I'm {word}. Talk at 8?" for word in short_words]
    return [_tidy(candidate) for candidate in out]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    return text[0].upper() + text[1:] if text else text


def _notes(reading: _Reading, analysis: DraftAnalysis, has_when: bool) -> list[RewriteNote]:
    notes: list[RewriteNote] = []
    markers = set(analysis.markers)
    kinds = set(analysis.kinds)
    if markers & {"absolute", "you_accusation", "mind_reading", "shouting", "demand"}:
        notes.append(
            RewriteNote(
                change="Describes what happened instead of a verdict (no always/never/'you are').",
                guidance_id=_G_CRITICISM if "absolute" in markers else _G_START_UP,
            )
        )
    if reading.pseudo:
        notes.append(
            RewriteNote(
                change=f"Names the feeling under '{reading.pseudo}' instead of what they did.",
                guidance_id=_G_PSEUDO,
            )
        )
    if "contempt" in kinds:
        notes.append(
            RewriteNote(
                change="Says plainly what you want, without sarcasm, names or threats.",
                guidance_id=_G_CONTEMPT,
            )
        )
    if "defensiveness" in kinds:
        notes.append(
            RewriteNote(
                change="Lowers the guard instead of counter-attacking, so their point can land.",
                guidance_id=_G_REPAIR,
            )
        )
    if "stonewalling" in kinds:
        notes.append(
            RewriteNote(
                change="Takes a break with a time to come back, instead of shutting the door.",
                guidance_id=_G_BREAK,
            )
        )
    notes.append(
        RewriteNote(
            change="Starts from 'I': your feeling and your need"
            + (", tied to the concrete situation." if has_when else "."),
            guidance_id=_G_FORMULA,
        )
    )
    notes.append(
        RewriteNote(
            change="Ends with a concrete request they can say yes to.", guidance_id=_G_REQUEST
        )
    )
    return notes


def rewrite(text: str, analysis: DraftAnalysis | None = None) -> list[Rewrite]:
    """Two or three "I" statement versions of ``text`` (gentle, direct, short_text).

    Each version keeps the draft's concrete topic, lints clean and is at most three
    times as long as the draft (a rewrite should not bury the point). Styles with no
    version that meets all three are left out, so a tiny draft may get fewer.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rewrite.")
    analysis = analysis or analyze(text)
    engine = _engine()
    reading = _read(text, analysis)
    budget = max(len(text.strip()), 1) * MAX_LENGTH_RATIO
    notes = _notes(reading, analysis, _when_clause(reading) is not None)
    result: list[Rewrite] = []
    seen: set[str] = set()
    for style in ("gentle", "direct", "short_text"):
        for candidate in _candidates(style, reading, analysis, engine):
            if len(candidate) > budget or candidate in seen:
                continue
            checked = lint(candidate)
            if checked.ok:
                seen.add(candidate)
                result.append(Rewrite(style=style, text=candidate, why=notes, lint=checked))
                break
    return result


# ---------------------------------------------------------------------------- builder


def build_i_statement(text: str, analysis: DraftAnalysis | None = None) -> IStatementDraft:
    """Pre-fill observation, feeling, need and request from a draft, for the person to edit."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The draft is empty.", hint="Paste the message you want to rework.")
    analysis = analysis or analyze(text)
    engine = _engine()
    reading = _read(text, analysis)
    need = engine.needs.needs[reading.need]
    observation = reading.observation or (
        f"it comes to {reading.topic}" if reading.topic else "we talk about this"
    )
    families = [reading.family] + [f for f in need.feelings if f != reading.family]
    feeling_options = [w for f in families for w in engine.feelings.families[f].words[:3]]
    ranked_needs = [reading.need, *[n for n in engine.needs.needs if n != reading.need][:3]]
    composed = compose_i_statement(
        observation=observation,
        feeling=engine.feelings.families[reading.family].words[0],
        need=need.phrase,
        request=_request(reading.need, reading.topic, engine, reading.ask),
    )
    return composed.model_copy(
        update={
            "topic": reading.topic,
            "feeling_options": feeling_options[:8],
            "need_options": [engine.needs.needs[n].phrase for n in ranked_needs],
        }
    )


def compose_i_statement(
    *, observation: str, feeling: str, need: str, request: str
) -> IStatementDraft:
    """Render an "I" statement from parts the person chose, and lint it.

    Parts may be typed loosely ("when you...", "I feel hurt", "I need rest",
    "talk tonight"); the sentence frame is added here so each part stays one idea.
    """
    parts = {"observation": observation, "feeling": feeling, "need": need, "request": request}
    for name, value in parts.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"The {name} is empty.", hint=f"Fill in the {name} step.")
    obs = re.sub(r"^\s*when\s+", "", observation.strip(), flags=re.IGNORECASE).rstrip(" .,!?")
    feel = re.sub(
        r"^\s*(?:i\s+feel|i'm\s+feeling|i\s+am\s+feeling|i'm|i\s+am|feeling)\s+",
        "",
        feeling.strip(),
        flags=re.IGNORECASE,
    ).rstrip(" .,!?")
    wants = re.sub(
        r"^\s*(?:because\s+)?(?:i\s+need|i'd\s+like|i\s+want)\s+",
        "",
        need.strip(),
        flags=re.IGNORECASE,
    ).rstrip(" .,!?")
    ask = request.strip().rstrip(" .")
    if not re.match(
        r"(?i)^(?:could|can|would|will)\s+(?:we|you)\b|^(?:let's|please|i'd like)", ask
    ):
        ask = f"Would you be willing to {ask[0].lower()}{ask[1:]}"
    if not ask.endswith(("?", "!")) and re.match(r"(?i)^(?:could|can|would|will)\b", ask):
        ask += "?"
    elif not ask.endswith(("?", "!", ".")):
        ask += "."
    text = _tidy(f"When {obs}, I feel {feel}, because I need {wants}. {ask}")
    return IStatementDraft(
        observation=obs, feeling=feel, need=wants, request=ask, text=text, lint=lint(text)
    )

"""A deterministic guess at which stage of starting over a person is in.

The stage model (``coach/data/stages.yaml``, :mod:`coach.stages.model`) and the cue
lexicon (``coach/data/stage_cues.yaml``) are data; this module holds only the logic.

How :func:`classify` decides, so the result can be explained to the person:

1. Every cue is a whole-word regular expression with a weight for one stage (or, for
   phrases about time, weights for several). All matches are collected and, where
   they overlap, the longest wins, so "refuses to go to therapy" replaces "therapy".
2. A cue marked ``negatable`` that has a negation word shortly before it in the same
   clause ("we're not in therapy") counts as weak evidence *against* its stage.
   Other cues keep their stage when negated, because "I can't trust him" is still
   about trust.
3. Repeating a cue adds less each time. Negative totals are clipped to zero.
4. ``confidence = top / (sum of scores + prior)``. The prior (2.0) stands for evidence
   we have not seen: a single hint gives 0.33, one strong cue 0.6, an even split
   between two strong cues 0.375, and text with no cues 0. Below ``clarify_below``
   (0.45) the guess is flagged ``needs_clarification`` and comes with a question that
   contrasts the two most likely stages. Both numbers live in the cue file, with the
   reasoning; the eval suite reports calibration per confidence band.

Nothing here logs or stores the text; matched phrases are returned to the caller only
so the interface can show why it guessed what it did.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError

from coach.errors import InputError, KnowledgeError
from coach.paths import PACKAGE_DATA_DIR
from coach.stages.model import (
    STAGE_IDS,
    Frozen,
    StageId,
    get_stage,
    read_stage_data,
    stage_file,
)
from coach.stages.semantic import semantic_scores

CUES_FILE = PACKAGE_DATA_DIR / "stage_cues.yaml"

# Curly quotes become straight ones so cue patterns need one spelling. Each mapping is
# one character to one character, which keeps match spans valid in the original text.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_WORD = re.compile(r"[\w']+")


# --------------------------------------------------------------------------- results


class StageScore(Frozen):
    """Evidence for a stage that did not win, so the interface can offer it too."""

    stage: StageId
    score: float = Field(ge=0, description="Summed cue weight (same scale as the winner's).")


class CueMatch(Frozen):
    """One phrase in the text that moved the guess, with where it is."""

    stage: StageId = Field(description="The stage this phrase counted towards most.")
    text: str = Field(description="The matched phrase exactly as written.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    weight: float = Field(description="What it added to `stage` (negative when negated).")
    negated: bool = False
    kind: Literal["stage", "time"] = "stage"


class StageGuess(Frozen):
    """The classifier's answer: one stage, how sure, the alternatives and the reasons."""

    stage: StageId
    confidence: float = Field(ge=0, le=1)
    score: float = Field(ge=0, description="Summed cue weight for `stage`.")
    runners_up: list[StageScore] = Field(default_factory=list)
    cues: list[CueMatch] = Field(default_factory=list)
    needs_clarification: bool
    clarifying_question: str | None = None


# --------------------------------------------------------------------------- the lexicon


class _CueSpec(Frozen):
    pattern: str = Field(min_length=1)
    weight: float = Field(gt=0, le=10)
    negatable: bool = False


class _TimeSpec(Frozen):
    pattern: str = Field(min_length=1)
    weights: dict[StageId, float] = Field(min_length=1)


class _Scoring(Frozen):
    prior: float = Field(gt=0)
    clarify_below: float = Field(ge=0, le=1)
    repeat_decay: float = Field(ge=0, le=1)
    negated_factor: float = Field(ge=-1, le=1)
    max_runners_up: int = Field(ge=0, le=len(STAGE_IDS) - 1)
    semantic_weight: float = Field(default=0.0, ge=0)
    semantic_full_words: int = Field(default=25, ge=1)


class _Negation(Frozen):
    window_words: int = Field(ge=1, le=10)
    words: frozenset[str]
    clause_break: str


class _CueFile(Frozen):
    version: Literal[1]
    scoring: _Scoring
    negation: _Negation
    stages: dict[StageId, list[_CueSpec]]
    time: list[_TimeSpec] = Field(default_factory=list)


class _Cue:
    """A compiled cue. Plain class: built once, read many times."""

    __slots__ = ("index", "kind", "negatable", "primary", "regex", "weights")

    def __init__(
        self,
        index: int,
        regex: re.Pattern[str],
        weights: dict[str, float],
        *,
        negatable: bool,
        kind: Literal["stage", "time"],
    ) -> None:
        self.index = index
        self.regex = regex
        self.weights = weights
        self.negatable = negatable
        self.kind = kind
        # The stage the cue mainly speaks for: the largest positive weight.
        self.primary = max(weights, key=lambda s: (weights[s], -STAGE_IDS.index(s)))


class _Lexicon:
    def __init__(self, scoring: _Scoring, negation: _Negation, cues: list[_Cue]) -> None:
        self.scoring = scoring
        self.cues = cues
        self.window = negation.window_words
        self.negators = negation.words
        self.clause_break = re.compile(negation.clause_break, re.IGNORECASE)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    # A space means "any whitespace" so line breaks and double spaces still match.
    body = re.sub(r" +", r"\\s+", pattern.strip())
    try:
        regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"Bad cue pattern in {where}: {exc}", hint=pattern) from exc
    if regex.fullmatch(""):
        raise KnowledgeError(f"Cue pattern in {where} matches empty text", hint=pattern)
    return regex


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """Load, validate and compile the cue file once per process."""
    raw = read_stage_data(CUES_FILE)
    try:
        parsed = _CueFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(
            f"{CUES_FILE.name} does not match the cue schema: {exc.error_count()} problem(s)",
            hint=str(exc),
        ) from exc
    missing = [s for s in STAGE_IDS if not parsed.stages.get(s)]
    if missing:
        raise KnowledgeError(f"{CUES_FILE.name} has no cues for: {', '.join(missing)}")
    cues: list[_Cue] = []
    for stage, specs in parsed.stages.items():
        for n, spec in enumerate(specs):
            regex = _compile(spec.pattern, f"{CUES_FILE.name} stages.{stage}[{n}]")
            cues.append(
                _Cue(len(cues), regex, {stage: spec.weight}, negatable=spec.negatable, kind="stage")
            )
    for n, spec in enumerate(parsed.time):
        if max(spec.weights.values()) <= 0:
            raise KnowledgeError(f"{CUES_FILE.name} time[{n}] needs one positive weight")
        regex = _compile(spec.pattern, f"{CUES_FILE.name} time[{n}]")
        cues.append(_Cue(len(cues), regex, dict(spec.weights), negatable=False, kind="time"))
    return _Lexicon(parsed.scoring, parsed.negation, cues)


# --------------------------------------------------------------------------- classify


def _is_negated(text: str, start: int, lexicon: _Lexicon) -> bool:
    """Whether a negation word sits within a few words before ``start``, same clause."""
    lookback = text[max(0, start - 80) : start]
    clause_start = 0
    for found in lexicon.clause_break.finditer(lookback):
        clause_start = found.end()
    words = _WORD.findall(lookback[clause_start:])[-lexicon.window :]
    for word in words:
        lowered = word.lower()
        if lowered in lexicon.negators or lowered.endswith("n't"):
            return True
    return False


def _select(text: str, lexicon: _Lexicon) -> list[tuple[int, int, _Cue]]:
    """All cue matches, minus those that would count the same words twice.

    A match is dropped when it lies inside a longer one ("therapy" inside "refuses to
    go to therapy"), or when it partly overlaps a longer match for the same stage
    ("decided to try" and "try again" are one sign). Partial overlaps across stages
    are kept: in "ready to try again" both readiness and trying again are evidence.
    """
    found: list[tuple[int, int, _Cue]] = []
    for cue in lexicon.cues:
        for match in cue.regex.finditer(text):
            if match.end() > match.start():
                found.append((match.start(), match.end(), cue))
    found.sort(key=lambda m: (m[0] - m[1], -max(m[2].weights.values()), m[0], m[2].index))
    taken: list[tuple[int, int, _Cue]] = []
    for start, end, cue in found:
        if any(
            (s <= start and end <= e) or (start < e and s < end and c.primary == cue.primary)
            for s, e, c in taken
        ):
            continue
        taken.append((start, end, cue))
    taken.sort(key=lambda m: (m[0], m[2].index))
    return taken


def _question(ranked: list[tuple[str, float]]) -> str:
    questions = stage_file().questions
    present = [stage for stage, score in ranked[:2] if score > 0]
    if len(present) == 2:
        first, second = sorted(present, key=STAGE_IDS.index)
        return questions.two.format(
            first=get_stage(first).clarify, second=get_stage(second).clarify
        )
    if present:
        return questions.one.format(first=get_stage(present[0]).clarify)
    return " ".join(questions.none.split())


def classify(text: str, *, semantic: bool = True) -> StageGuess:
    """Guess which stage of starting over a description is about.

    Raises :class:`InputError` for empty or whitespace-only text (there is nothing to
    read, and silently guessing would mislead). Any other string returns a guess; with
    no recognisable cues that guess is ``reflect`` with confidence 0, flagged for
    clarification, because asking is better than pretending.

    With ``semantic`` (the default) the cue scores are joined by the trained stage
    head's centred probabilities (:mod:`coach.stages.semantic`), weighted by
    ``semantic_weight`` from the cue file (scaled down for texts shorter than
    ``semantic_full_words``); ``semantic=False`` uses the cues alone. Without any cue
    phrase the guess always asks, however sure the head is.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            "Describe what is going on in your relationship; the text was empty.",
            hint="A few sentences about where things stand are enough.",
        )
    lexicon = _lexicon()
    scoring = lexicon.scoring
    normalized = text.translate(_QUOTES)
    scores, cues = _cue_scores(text, normalized, lexicon)
    if semantic and scoring.semantic_weight:
        # The head learnt from descriptions of several sentences; on a few words it
        # still picks a stage with confidence, so its pull grows with the text's length.
        weight = scoring.semantic_weight * semantic_share(normalized)
        for stage, pull in semantic_scores(text).items():
            scores[stage] += weight * pull
    return _guess(scores, cues, scoring)


def _cue_scores(
    text: str, normalized: str, lexicon: _Lexicon
) -> tuple[dict[str, float], list[CueMatch]]:
    """Each stage's summed cue weight, and the phrases that gave it."""
    scoring = lexicon.scoring
    scores = dict.fromkeys(STAGE_IDS, 0.0)
    seen: dict[int, int] = {}
    cues: list[CueMatch] = []
    for start, end, cue in _select(normalized, lexicon):
        repeat = seen.get(cue.index, 0)
        seen[cue.index] = repeat + 1
        negated = cue.negatable and _is_negated(normalized, start, lexicon)
        factor = (scoring.negated_factor if negated else 1.0) * scoring.repeat_decay**repeat
        for stage, weight in cue.weights.items():
            scores[stage] += weight * factor
        cues.append(
            CueMatch(
                stage=cue.primary,  # type: ignore[arg-type]
                text=text[start:end],
                start=start,
                end=end,
                weight=round(cue.weights[cue.primary] * factor, 3),
                negated=negated,
                kind=cue.kind,
            )
        )
    return scores, cues


def _guess(scores: dict[str, float], cues: list[CueMatch], scoring: _Scoring) -> StageGuess:
    """The winning stage, how sure, the runners-up and whether to ask."""
    clipped = {stage: max(0.0, score) for stage, score in scores.items()}
    ranked = sorted(clipped.items(), key=lambda kv: (-kv[1], STAGE_IDS.index(kv[0])))
    top_stage, top_score = ranked[0]
    total = sum(clipped.values())
    confidence = top_score / (total + scoring.prior) if top_score > 0 else 0.0
    confidence = round(min(1.0, max(0.0, confidence)), 3)
    # Meaning alone is weak evidence: without any cue phrase behind it, Coach asks.
    has_cue = any(not cue.negated for cue in cues)
    needs_clarification = confidence < scoring.clarify_below or not has_cue
    runners_up = [
        StageScore(stage=stage, score=round(score, 3))  # type: ignore[arg-type]
        for stage, score in ranked[1:]
        if round(score, 3) > 0  # a trace of semantic evidence is not a runner-up
    ][: scoring.max_runners_up]
    return StageGuess(
        stage=top_stage,  # type: ignore[arg-type]
        confidence=confidence,
        score=round(top_score, 3),
        runners_up=runners_up,
        cues=cues,
        needs_clarification=needs_clarification,
        clarifying_question=_question(ranked) if needs_clarification else None,
    )


def semantic_share(text: str) -> float:
    """How much of ``semantic_weight`` a text of this length gets (0-1]."""
    words = len(_WORD.findall(text.translate(_QUOTES)))
    return min(1.0, words / _lexicon().scoring.semantic_full_words)


def clarify_threshold() -> float:
    """The confidence below which a guess asks a question (from the cue file)."""
    return _lexicon().scoring.clarify_below


__all__ = [
    "CueMatch",
    "StageGuess",
    "StageScore",
    "clarify_threshold",
    "classify",
    "semantic_share",
]

"""Deterministic analysis of a message someone is about to send.

``analyze(text)`` finds the wording that will land as an attack (Gottman's four
horsemen: criticism, contempt, defensiveness, stonewalling, plus NVC's
pseudo-feelings) and says, for each finding, where it is, why it hurts, how to fix
it and which guidance passage explains it.

Why rules and not a model: the analysis is always on, must run offline in well
under a millisecond per message, and must point at an exact span a person can see
and change. Every rule lives in ``coach/data/draft_rules.yaml`` (patterns, the
contexts that silence them, weights, guidance ids); this module only loads,
validates, compiles and applies them. The feelings lexicon
(``knowledge/lexicon/feelings.yaml``) is loaded here too, because the
pseudo-feeling rule is built from its word list and the rewrite lint shares it.

Look-alikes are handled by contexts rather than by special cases: an absolute in
appreciation ("you always make me laugh"), reflective listening ("it sounds like
you felt ignored"), a yes/no question, or a quotation of someone else is not a
finding. ``blame`` is true when any finding remains: the message, as written, is
likely to land as blame or as a shut-down.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    computed_field,
    field_validator,
)

from coach.caching import shared_cache
from coach.config import get_settings
from coach.data_files import YAMLError, read_yaml
from coach.encoders.semantic import AnchorSet, Sentence, split_clauses, split_sentences
from coach.errors import InputError, KnowledgeError
from coach.paths import PACKAGE_DATA_DIR

__all__ = [
    "DraftAnalysis",
    "FeelingsLexicon",
    "Finding",
    "Kind",
    "analyze",
    "load_feelings",
    "load_rules",
]

Kind = Literal["criticism", "contempt", "defensiveness", "stonewalling"]
KINDS: tuple[Kind, ...] = get_args(Kind)

RULES_FILE = PACKAGE_DATA_DIR / "draft_rules.yaml"

# Curly quotes and apostrophes are straightened one character for one character,
# so offsets into the normalised text are offsets into the original.
_STRAIGHTEN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}
)
_MACRO = re.compile(r"%([A-Z]+)%")
_CLAUSE = re.compile(r"[^.!?\n]+[.!?]*|[.!?]+")
_CLAUSE_BREAK = re.compile(r"\b(?:but|though|although|however)\b", re.IGNORECASE)
_QUOTE = re.compile(r'"([^"\n]{1,400})"')
_QUOTE_MIN_WORDS = 3
_REPEAT_DECAY = 0.5


# ---------------------------------------------------------------------------- results


class Finding(BaseModel):
    """One piece of wording likely to land badly, with its exact place and a fix."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    marker: str = Field(description="The finer pattern, e.g. absolute, pseudo_feeling, sarcasm.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(description="Exactly text[start:end] of the analysed message.")
    explanation: str
    suggestion: str
    guidance_id: str = Field(description="Knowledge passage id that explains this pattern.")


class DraftAnalysis(BaseModel):
    """What will land badly in a draft: a verdict, a temperature and the findings."""

    model_config = ConfigDict(frozen=True)

    blame: bool = Field(description="True when any finding remains.")
    heat: int = Field(ge=0, le=100, description="0 calm .. 100 very heated.")
    findings: list[Finding]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kinds(self) -> list[Kind]:
        """The horsemen present, in canonical order."""
        present = {finding.kind for finding in self.findings}
        return [kind for kind in KINDS if kind in present]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def markers(self) -> list[str]:
        return sorted({finding.marker for finding in self.findings})


# ---------------------------------------------------------------------------- lexicon


class FeelingFamily(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = Field(min_length=1)
    cues: list[str] = Field(default_factory=list)


class FeelingsLexicon(BaseModel):
    """``knowledge/lexicon/feelings.yaml``: feeling families and pseudo-feelings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    families: dict[str, FeelingFamily] = Field(min_length=4)
    pseudo_feelings: dict[str, list[str]] = Field(min_length=5)

    @field_validator("pseudo_feelings")
    @classmethod
    def _known_families(
        cls, value: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        families = info.data.get("families", {})
        for word, targets in value.items():
            if not targets:
                raise ValueError(f"pseudo-feeling {word!r} maps to no family")
            unknown = [t for t in targets if t not in families]
            if unknown:
                raise ValueError(f"pseudo-feeling {word!r} maps to unknown families {unknown}")
        return value

    def all_words(self) -> set[str]:
        """Every real feeling word, lowercased."""
        return {word.lower() for family in self.families.values() for word in family.words}

    def family_of(self, word: str) -> str | None:
        lowered = word.lower()
        for name, family in self.families.items():
            if lowered in (w.lower() for w in family.words):
                return name
        return None


def _lexicon_dir() -> Path:
    return get_settings().knowledge_dir / "lexicon"


def load_feelings(path: Path | None = None) -> FeelingsLexicon:
    """The feelings lexicon, validated and cached per file."""
    return _load_feelings_at((path or _lexicon_dir() / "feelings.yaml").resolve())


@lru_cache(maxsize=4)
def _load_feelings_at(path: Path) -> FeelingsLexicon:
    raw = _read_yaml(path)
    try:
        lexicon = FeelingsLexicon.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(
            f"{path.name} breaks the feelings schema: {_first_errors(exc)}",
            hint="See the header comment of knowledge/lexicon/feelings.yaml.",
        ) from exc
    overlap = set(lexicon.pseudo_feelings) & lexicon.all_words()
    if overlap:
        raise KnowledgeError(
            f"{path.name}: {sorted(overlap)} are listed both as feelings and pseudo-feelings",
            hint="A word is either a feeling or a pseudo-feeling, not both.",
        )
    return lexicon


# ---------------------------------------------------------------------------- rules


class _MarkerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    kind: Kind
    weight: float = Field(gt=0, le=1)
    guidance_id: str = Field(pattern=r"^[a-z0-9-]+#[a-z0-9-]+$")
    explanation: str = Field(min_length=10)
    suggestion: str = Field(min_length=10)
    suppressed_in: list[str] = Field(default_factory=list)
    case_sensitive: bool = False
    patterns: list[str] = Field(min_length=1)


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    macros: dict[str, str]
    contexts: dict[str, list[str]]
    markers: list[_MarkerSpec] = Field(min_length=1)
    # Rewrite settings share this file; coach.reframe validates them.
    rewrite: dict[str, object] = Field(default_factory=dict)


@dataclass(frozen=True)
class _Marker:
    spec: _MarkerSpec
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rules:
    """Compiled rules: what ``analyze`` applies. Built once per rules file."""

    markers: tuple[_Marker, ...]
    contexts: dict[str, tuple[re.Pattern[str], ...]]
    rewrite: dict[str, object]

    @property
    def guidance_ids(self) -> set[str]:
        return {marker.spec.guidance_id for marker in self.markers}


def load_rules(path: Path | None = None) -> Rules:
    """The compiled draft rules, validated and cached per file."""
    return _load_rules_at((path or RULES_FILE).resolve(), _feelings_path())


def _feelings_path() -> Path:
    return (_lexicon_dir() / "feelings.yaml").resolve()


@lru_cache(maxsize=4)
def _load_rules_at(path: Path, feelings_path: Path) -> Rules:
    try:
        spec = _RulesFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name} breaks the rules schema: {_first_errors(exc)}") from exc

    feelings = _load_feelings_at(feelings_path)
    macros = dict(spec.macros)
    # The pseudo-feeling rule is built from the lexicon so the two never drift apart.
    macros["PSEUDO"] = (
        "(?:"
        + "|".join(
            re.escape(word).replace(r"\ ", r"\s+")
            for word in sorted(feelings.pseudo_feelings, key=len, reverse=True)
        )
        + ")"
    )

    def expand(pattern: str, where: str) -> str:
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in macros:
                raise KnowledgeError(f"{path.name}: {where} uses unknown macro %{name}%")
            return macros[name]

        return _MACRO.sub(substitute, pattern)

    def compile_one(pattern: str, where: str, flags: int) -> re.Pattern[str]:
        try:
            return re.compile(expand(pattern, where), flags)
        except re.error as exc:
            raise KnowledgeError(f"{path.name}: {where} does not compile: {exc}") from exc

    contexts = {
        name: tuple(
            compile_one(p, f"context {name}[{i}]", re.IGNORECASE) for i, p in enumerate(patterns)
        )
        for name, patterns in spec.contexts.items()
    }
    markers = []
    seen: set[str] = set()
    for marker in spec.markers:
        if marker.id in seen:
            raise KnowledgeError(f"{path.name}: marker {marker.id!r} is defined twice")
        seen.add(marker.id)
        for context in marker.suppressed_in:
            name = context.removeprefix("message:")
            if name != "quote" and name not in contexts:
                raise KnowledgeError(
                    f"{path.name}: marker {marker.id!r} names unknown context {context!r}"
                )
        flags = 0 if marker.case_sensitive else re.IGNORECASE
        compiled = tuple(
            compile_one(p, f"marker {marker.id}[{i}]", flags) for i, p in enumerate(marker.patterns)
        )
        markers.append(_Marker(marker, compiled))
    return Rules(tuple(markers), contexts, dict(spec.rewrite))


def _read_yaml(path: Path) -> object:
    try:
        return read_yaml(path)
    except FileNotFoundError as exc:
        raise KnowledgeError(
            f"{path} is missing", hint="Reinstall Coach or restore the file."
        ) from exc
    except YAMLError as exc:
        raise KnowledgeError(f"{path.name} is not valid YAML: {exc}") from exc


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    parts = [
        f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    return "; ".join(parts)


# ---------------------------------------------------------------------------- analysis


class _Scene:
    """The message cut into clauses and quotations, with context checks cached."""

    def __init__(self, text: str, rules: Rules) -> None:
        self.text = text
        self.rules = rules
        self.clauses = list(_clauses(text))
        self.quotes = [
            (m.start(), m.end())
            for m in _QUOTE.finditer(text)
            if len(m.group(1).split()) >= _QUOTE_MIN_WORDS
        ]
        self._clause_cache: dict[tuple[int, str], bool] = {}
        self._message_cache: dict[str, bool] = {}

    def clause_at(self, position: int) -> tuple[int, int]:
        for start, end in self.clauses:
            if start <= position < end:
                return start, end
        return 0, len(self.text)

    def in_context(self, name: str, start: int, end: int) -> bool:
        if name == "quote":
            return any(q_start <= start and end <= q_end for q_start, q_end in self.quotes)
        if name.startswith("message:"):
            key = name.removeprefix("message:")
            if key not in self._message_cache:
                self._message_cache[key] = self._matches(key, self.text)
            return self._message_cache[key]
        clause = self.clause_at(start)
        cache_key = (clause[0], name)
        if cache_key not in self._clause_cache:
            self._clause_cache[cache_key] = self._matches(name, self.text[clause[0] : clause[1]])
        return self._clause_cache[cache_key]

    def _matches(self, name: str, segment: str) -> bool:
        return any(p.search(segment) for p in self.rules.contexts[name])


def _clauses(text: str) -> Iterator[tuple[int, int]]:
    """Sentences, further cut at 'but'/'though' (what follows a 'but' is its own claim)."""
    for sentence in _CLAUSE.finditer(text):
        start = sentence.start()
        for brk in _CLAUSE_BREAK.finditer(sentence.group()):
            cut = sentence.start() + brk.start()
            if cut > start:
                yield start, cut
                start = cut
        yield start, sentence.end()


def analyze(text: str, *, rules: Rules | None = None, semantic: bool = True) -> DraftAnalysis:
    """Find the wording in ``text`` that will land badly, with exact spans and fixes.

    Raises ``InputError`` for empty or non-text input; anything else (huge, odd
    unicode, emoji only) is analysed. Never logs or stores the text.

    The rules mark exact phrases. With ``semantic`` (the default) a sentence no rule
    touched is also read by meaning against curated horseman and clean anchors
    (``coach/data/draft_anchors.yaml``); a sentence that reads as a horseman becomes
    one finding covering the sentence.
    """
    rules = rules or load_rules()
    analysis = _analyze_rules(text, rules)
    if not semantic:
        return analysis
    extra = _semantic_findings(text, analysis.findings)
    if not extra:
        return analysis
    found = sorted([*analysis.findings, *extra], key=lambda f: (f.start, f.end, f.marker))
    return DraftAnalysis(blame=True, heat=_heat(found, rules), findings=found)


def _analyze_rules(text: str, rules: Rules | None = None) -> DraftAnalysis:
    """The rule-based reading alone (exact phrases)."""
    if not isinstance(text, str):
        raise InputError("The draft must be text.", hint="Pass the message as a string.")
    if not text.strip():
        raise InputError(
            "The draft is empty.", hint="Paste the message you are about to send, then try again."
        )
    rules = rules or load_rules()
    normalised = text.translate(_STRAIGHTEN)
    scene = _Scene(normalised, rules)

    found: list[Finding] = []
    for marker in rules.markers:
        spans: list[tuple[int, int]] = []
        for pattern in marker.patterns:
            for match in pattern.finditer(normalised):
                group = "hit" if "hit" in pattern.groupindex and match.group("hit") else 0
                start, end = match.span(group)
                start, end = _trim(normalised, start, end)
                if end <= start:
                    continue
                if any(scene.in_context(c, start, end) for c in marker.spec.suppressed_in):
                    continue
                spans.append((start, end))
        for start, end in _merge(spans):
            found.append(
                Finding(
                    kind=marker.spec.kind,
                    marker=marker.spec.id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    explanation=marker.spec.explanation,
                    suggestion=marker.spec.suggestion,
                    guidance_id=marker.spec.guidance_id,
                )
            )
    found.sort(key=lambda f: (f.start, f.end, f.marker))
    return DraftAnalysis(blame=bool(found), heat=_heat(found, rules), findings=found)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace so a span shows exactly the words that matter."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping hits of one marker are one finding, covering them all."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _heat(findings: list[Finding], rules: Rules) -> int:
    """Combine marker weights as independent chances: 1 - prod(1 - w).

    Repeating one marker counts less each time (saying "always" three times is
    hotter than once, but not three times as hot).
    """
    weights = {marker.spec.id: marker.spec.weight for marker in rules.markers}
    weights[SEMANTIC_MARKER] = load_semantic_params().weight
    seen: dict[str, int] = {}
    calm = 1.0
    for finding in findings:
        repeat = seen.get(finding.marker, 0)
        seen[finding.marker] = repeat + 1
        calm *= 1.0 - weights[finding.marker] * (_REPEAT_DECAY**repeat)
    return min(100, max(0, math.ceil(round((1.0 - calm) * 100, 6))))


# -- meaning-based reading -------------------------------------------------------------

SEMANTIC_MARKER = "reads_as"
_DRAFT_ANCHORS = PACKAGE_DATA_DIR / "draft_anchors.yaml"
_SEMANTIC_PARAMS = PACKAGE_DATA_DIR / "semantic_params.yaml"


class _SemanticFinding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    explanation: str = Field(min_length=10)
    suggestion: str = Field(min_length=10)
    guidance_id: str = Field(pattern=r"^[a-z0-9-]+#[a-z0-9-]+$")


class SemanticParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(ge=1, le=50)
    share: float = Field(ge=0, le=1)
    similarity: float = Field(ge=-1, le=1)
    max_sentences: int = Field(ge=1)
    weight: float = Field(gt=0, le=1)
    clean_forms: list[str] = Field(default_factory=list)
    findings: dict[Kind, _SemanticFinding]

    @cached_property
    def clean_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(pattern, re.IGNORECASE) for pattern in self.clean_forms]


@lru_cache(maxsize=1)
def load_semantic_params() -> SemanticParams:
    raw = read_yaml(_SEMANTIC_PARAMS)
    return SemanticParams(**raw["drafts"])


@shared_cache()
def _draft_anchor_set() -> AnchorSet | None:
    if not _DRAFT_ANCHORS.exists():
        return None
    raw = read_yaml(_DRAFT_ANCHORS)
    labels = {kind: list(texts) for kind, texts in raw["kinds"].items()}
    unknown = set(labels) - set(load_semantic_params().findings)
    if unknown:
        raise ValueError(f"draft_anchors.yaml: unknown kinds {sorted(unknown)}")
    labels["clean"] = list(raw["clean"])
    return AnchorSet(labels, k=load_semantic_params().k)


# Forms the rules already know to be clean: reflecting, appreciating, apologising,
# affection, quoting. Embeddings read topic more than stance, so a sentence in one of
# these forms is never flagged by meaning alone.
_CLEAN_FORMS = ("appreciation", "reflective", "apology", "affection", "quote")


@lru_cache(maxsize=1)
def _own_feeling() -> re.Pattern[str]:
    """ "I feel hurt", "I'm so tired": a real feeling word about oneself (an I-statement)."""
    words = sorted(load_feelings().all_words(), key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(
        r"\bI(?:'m| am| was| feel| felt| have been| get|'ve been)\s+"
        r"(?:(?:so|really|very|a bit|a little|quite|pretty|kind of|just|also)\s+)*"
        rf"(?:{alternatives})\b",
        re.IGNORECASE,
    )


def _clean_form(scene: _Scene, start: int, end: int) -> bool:
    if any(scene.in_context(name, start, end) for name in _CLEAN_FORMS):
        return True
    piece = scene.text[start:end]
    if any(p.search(piece) for p in load_semantic_params().clean_patterns):
        return True
    return bool(_own_feeling().search(scene.text, start, end))


# Where a sentence is cut for the meaning-based reading. Not the rules' _CLAUSE_BREAK:
# that one decides clause contexts and cuts only at "but"/"though".
_SEMANTIC_BREAK = re.compile(r",|;|:| - |\b(?:and|but|so|because|though)\b", re.IGNORECASE)


def semantic_candidates(text: str, existing: list[Finding]) -> list[Sentence]:
    """Pieces the meaning-based reading may judge: no rule finding, no clean form.

    A sentence where a rule already found something is not skipped whole: its
    clauses that no finding touches are read on their own ("You always make it about
    you, and honestly it's pathetic": the rules mark "You always", meaning finds the rest).
    """
    scene = _Scene(text.translate(_STRAIGHTEN), load_rules())

    def touched(start: int, end: int) -> bool:
        return any(f.start < end and start < f.end for f in existing)

    pieces: list[Sentence] = []
    for sentence in split_sentences(text, limit=load_semantic_params().max_sentences):
        if not touched(sentence.start, sentence.end):
            pieces.append(sentence)
            continue
        pieces += [
            clause
            for clause in split_clauses(text, sentence, _SEMANTIC_BREAK)
            if not touched(clause.start, clause.end)
        ]
    return [p for p in pieces if not _clean_form(scene, p.start, p.end)]


def _semantic_findings(text: str, existing: list[Finding]) -> list[Finding]:
    anchors = _draft_anchor_set()
    if anchors is None:
        return []
    params = load_semantic_params()
    found = []
    for reading in anchors.read(semantic_candidates(text, existing)):
        if (
            reading.label == "clean"
            or reading.share < params.share
            or reading.similarity < params.similarity
        ):
            continue
        spec = params.findings[reading.label]  # type: ignore[index]
        sentence = reading.sentence
        found.append(
            Finding(
                kind=reading.label,  # type: ignore[arg-type]
                marker=SEMANTIC_MARKER,
                start=sentence.start,
                end=sentence.end,
                text=text[sentence.start : sentence.end],
                explanation=spec.explanation,
                suggestion=spec.suggestion,
                guidance_id=spec.guidance_id,
            )
        )
    return found

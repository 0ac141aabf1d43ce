"""The draft rules (``coach/data/draft_rules.yaml``): loaded, checked, compiled, applied.

Every rule lives in the data file: each marker's patterns, the contexts that
silence it (appreciation, reflective listening, a question, a quotation), its
weight, its explanation and fix, and the guidance passage that explains it. This
module only validates and compiles them, and cuts a message into the clauses and
quotations those contexts are judged on. The pseudo-feeling rule is built from the
feelings lexicon (:mod:`coach.drafts.lexicon`) so the two never drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.drafts.lexicon import first_errors, lexicon_dir, load_feelings, read_draft_data
from coach.errors import KnowledgeError
from coach.paths import PACKAGE_DATA_DIR

Kind = Literal["criticism", "contempt", "defensiveness", "stonewalling"]
KINDS: tuple[Kind, ...] = get_args(Kind)

RULES_FILE = PACKAGE_DATA_DIR / "draft_rules.yaml"

# Curly quotes and apostrophes are straightened one character for one character,
# so offsets into the normalised text are offsets into the original.
STRAIGHTEN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}
)
_MACRO = re.compile(r"%([A-Z]+)%")
_CLAUSE = re.compile(r"[^.!?\n]+[.!?]*|[.!?]+")
_CLAUSE_BREAK = re.compile(r"\b(?:but|though|although|however)\b", re.IGNORECASE)
_QUOTE = re.compile(r'"([^"\n]{1,400})"')
_QUOTE_MIN_WORDS = 3


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
    # Rewrite settings share this file; coach.drafts.wording validates them.
    rewrite: dict[str, object] = Field(default_factory=dict)


@dataclass(frozen=True)
class Marker:
    spec: _MarkerSpec
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rules:
    """Compiled rules: what ``analyze`` applies. Built once per rules and feelings file."""

    markers: tuple[Marker, ...]
    contexts: dict[str, tuple[re.Pattern[str], ...]]
    rewrite: dict[str, object]
    feelings_path: Path  # the feelings lexicon the pseudo-feeling rule was built from

    @property
    def guidance_ids(self) -> set[str]:
        return {marker.spec.guidance_id for marker in self.markers}


def load_rules(path: Path | None = None, *, knowledge_dir: Path | None = None) -> Rules:
    """The compiled draft rules, with the feelings lexicon of ``knowledge_dir``; cached."""
    feelings_path = (lexicon_dir(knowledge_dir) / "feelings.yaml").resolve()
    return _load_rules_at((path or RULES_FILE).resolve(), feelings_path)


@lru_cache(maxsize=4)
def _load_rules_at(path: Path, feelings_path: Path) -> Rules:
    try:
        spec = _RulesFile.model_validate(read_draft_data(path))
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name} breaks the rules schema: {first_errors(exc)}") from exc

    feelings = load_feelings(feelings_path)
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
        markers.append(Marker(marker, compiled))
    return Rules(tuple(markers), contexts, dict(spec.rewrite), feelings_path)


class Scene:
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


__all__ = ["KINDS", "Finding", "Kind", "Rules", "Scene", "load_rules"]

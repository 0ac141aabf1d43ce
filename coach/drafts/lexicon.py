"""The word lists the draft tools share: feelings and needs, in ``knowledge/lexicon/``.

``feelings.yaml`` holds feeling families and pseudo-feelings (words such as
"ignored" that describe what someone did, not how one feels); the analysis builds
its pseudo-feeling rule from it and the lint and the rewriter read it too.
``needs.yaml`` holds needs, the topics that trigger them and concrete asks. Both
are validated on load and cached per file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from coach.data_files import YAMLError, read_yaml
from coach.errors import KnowledgeError
from coach.paths import default_knowledge_dir


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


def lexicon_dir(knowledge_dir: Path | None = None) -> Path:
    """``lexicon/`` in a knowledge folder: the one the facade was given, else the bundled one."""
    return (knowledge_dir or default_knowledge_dir()) / "lexicon"


def load_feelings(path: Path | None = None) -> FeelingsLexicon:
    """The feelings lexicon, validated and cached per file."""
    return _load_feelings_at((path or lexicon_dir() / "feelings.yaml").resolve())


@lru_cache(maxsize=4)
def _load_feelings_at(path: Path) -> FeelingsLexicon:
    raw = read_draft_data(path)
    try:
        lexicon = FeelingsLexicon.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(
            f"{path.name} breaks the feelings schema: {first_errors(exc)}",
            hint="See the header comment of knowledge/lexicon/feelings.yaml.",
        ) from exc
    overlap = set(lexicon.pseudo_feelings) & lexicon.all_words()
    if overlap:
        raise KnowledgeError(
            f"{path.name}: {sorted(overlap)} are listed both as feelings and pseudo-feelings",
            hint="A word is either a feeling or a pseudo-feeling, not both.",
        )
    return lexicon


class _Need(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    phrase: str = Field(min_length=3)
    words: list[str] = Field(min_length=1)
    feelings: list[str] = Field(min_length=1)
    triggers: list[str] = Field(default_factory=list)


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


def load_needs(path: Path | None = None) -> NeedsLexicon:
    """The needs lexicon, validated against the feelings lexicon beside it, and cached."""
    path = path or lexicon_dir() / "needs.yaml"
    return _load_needs_at(path.resolve(), path.with_name("feelings.yaml").resolve())


@lru_cache(maxsize=4)
def _load_needs_at(path: Path, feelings_path: Path) -> NeedsLexicon:
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
    families = load_feelings(feelings_path).families
    for name, need in needs.needs.items():
        unknown = [f for f in need.feelings if f not in families]
        if unknown:
            raise KnowledgeError(f"{path.name}: need {name!r} names unknown feelings {unknown}")
    return needs


def read_draft_data(path: Path) -> object:
    """A draft data file's YAML; :class:`KnowledgeError` says which file is broken."""
    try:
        return read_yaml(path)
    except FileNotFoundError as exc:
        raise KnowledgeError(
            f"{path} is missing", hint="Reinstall Coach or restore the file."
        ) from exc
    except YAMLError as exc:
        raise KnowledgeError(f"{path.name} is not valid YAML: {exc}") from exc


def first_errors(exc: ValidationError, limit: int = 3) -> str:
    """The first few validation errors as one line (where, and what is wrong)."""
    parts = [
        f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    return "; ".join(parts)


__all__ = [
    "FeelingFamily",
    "FeelingsLexicon",
    "NeedsLexicon",
    "first_errors",
    "load_feelings",
    "load_needs",
    "read_draft_data",
]

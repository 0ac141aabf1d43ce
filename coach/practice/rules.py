"""The practice data files, validated: partner personas, their lines, and the move cues.

``coach/data/personas.yaml`` holds each partner style's starting mood, its
sensitivities and its lines (an opening, lines per mood band, reactions per move or
horseman); ``coach/data/practice_moves.yaml`` holds the good moves' cues and
explanations, the flooding cues, how each move or horseman moves the partner, and
the summary's scoring. Both are checked against each other once per process; a
line or a number is changed there, never here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.data_files import YAMLError, read_yaml
from coach.drafts.analysis import KINDS, Kind
from coach.drafts.lexicon import lexicon_dir, load_feelings
from coach.drafts.rules import Rules as DraftRules
from coach.drafts.rules import load_rules as load_draft_rules
from coach.errors import KnowledgeError
from coach.paths import PACKAGE_DATA_DIR

DATA_DIR = PACKAGE_DATA_DIR

Persona = Literal["defensive", "hurt_withdrawn", "skeptical", "open_cautious"]
Move = Literal[
    "i_statement",
    "reflecting_feelings",
    "validating",
    "taking_responsibility",
    "repair_attempt",
    "open_question",
    "proposing_break",
]
Horseman = Kind  # the four horsemen, as the draft analysis names them
SessionStatus = Literal["active", "ended", "safety_stopped"]
Area = Literal["gentle_startup", "listening", "responsibility", "repair"]

# The same values as tuples, for iteration and data validation.
PERSONAS: tuple[str, ...] = get_args(Persona)
MOVES: tuple[str, ...] = get_args(Move)
HORSEMEN: tuple[str, ...] = KINDS
AREAS: tuple[str, ...] = get_args(Area)
BANDS = ("low", "mid", "high")
_GUIDANCE_ID = r"^[a-z0-9-]+(#[a-z0-9-]+)?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Effect(_Strict):
    mood: float
    openness: float
    defensiveness: float


class _MoveSpec(_Strict):
    label: str
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    present: str = Field(min_length=10)
    missing: str = Field(min_length=10)
    examples: list[str] = Field(min_length=1)
    suppressed_by: list[Horseman] = Field(default_factory=list)
    only_missing_when_flooded: bool = False
    patterns: list[str] = Field(min_length=1)


class _Flooding(_Strict):
    flooded_heat: int = Field(ge=0, le=100)
    patterns: list[str] = Field(min_length=1)


class _Effects(_Strict):
    repeat_decay: float = Field(gt=0, le=1)
    moves: dict[Move, Effect]
    horsemen: dict[Horseman, Effect]


class _Bands(_Strict):
    low: int = Field(ge=0, le=100)
    high: int = Field(ge=0, le=100)


class _GentleStartup(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    first_turn_weight: float = Field(ge=0, le=1)
    first_clean: float
    first_clean_with_i: float
    first_blaming: float
    tip: str


class _Listening(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    listening_moves: list[Move]
    full_marks_share: float = Field(gt=0, le=1)
    contempt_penalty: float
    tip: str


class _Responsibility(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    base: float
    per_turn: float
    defensiveness_penalty: float
    tip: str


class _Repair(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    base: float
    per_turn: float
    unrepaired_penalty: float
    repair_moves: list[Move]
    tip: str


class SummaryRules(_Strict):
    gentle_startup: _GentleStartup
    listening: _Listening
    responsibility: _Responsibility
    repair: _Repair


class _MovesFile(_Strict):
    version: int
    extra_feelings: list[str] = Field(default_factory=list)
    soft: str
    moves: dict[Move, _MoveSpec]
    flooding: _Flooding
    effects: _Effects
    bands: _Bands
    reaction_order: list[str]
    antidotes: dict[Horseman, Move]
    summary: SummaryRules
    hint_state: dict[Literal["low", "mid", "high"], str]


class PersonaSpec(_Strict):
    name: str
    description: str
    start: Effect
    sensitivity: dict[str, float] = Field(default_factory=dict)
    opening: list[str] = Field(min_length=2)
    bands: dict[Literal["low", "mid", "high"], list[str]]
    reactions: dict[str, list[str]]


class _PersonasFile(_Strict):
    version: int
    label: str
    disclaimer: str
    personas: dict[Persona, PersonaSpec]


@dataclass(frozen=True)
class PracticeRules:
    """Both data files, validated, with every pattern compiled once.

    ``draft_rules`` are the draft analysis's rules over the same feelings lexicon:
    a turn is analysed with them before its moves are read.
    """

    draft_rules: DraftRules
    moves: _MovesFile
    personas: _PersonasFile
    move_patterns: dict[str, tuple[re.Pattern[str], ...]]
    flooding_patterns: tuple[re.Pattern[str], ...]
    feeling_words: frozenset[str] = frozenset()


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml(path)
    except (OSError, YAMLError) as exc:
        raise KnowledgeError(f"{path.name} cannot be read: {exc}") from exc


def _alternation(words: set[str]) -> str:
    # Longest first so "worn out" wins over "worn"; spaces match any whitespace.
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _compile(pattern: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    expanded = pattern
    for name, value in macros.items():
        expanded = expanded.replace("{" + name + "}", value)
    try:
        return re.compile(expanded, re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"practice_moves.yaml: bad pattern in {where}: {exc}") from exc


def load_rules(knowledge_dir: Path | None = None) -> PracticeRules:
    """Both practice data files, checked, with move cues built from the knowledge folder's
    feelings lexicon (default: the bundled one); loaded once per process and folder."""
    return _load_rules_at(lexicon_dir(knowledge_dir).resolve())


@lru_cache(maxsize=4)
def _load_rules_at(lexicons: Path) -> PracticeRules:
    moves_path, personas_path = DATA_DIR / "practice_moves.yaml", DATA_DIR / "personas.yaml"
    try:
        moves = _MovesFile.model_validate(_read_yaml(moves_path))
        personas = _PersonasFile.model_validate(_read_yaml(personas_path))
    except ValidationError as exc:
        raise KnowledgeError(f"A practice data file breaks its schema: {exc}") from exc
    _check_consistency(moves, personas)
    lexicon = load_feelings(lexicons / "feelings.yaml")
    feelings = lexicon.all_words() | set(moves.extra_feelings)
    macros = {
        "feeling_any": _alternation(feelings | set(lexicon.pseudo_feelings)),
        "feeling": _alternation(feelings),
        "soft": moves.soft,
    }
    return PracticeRules(
        draft_rules=load_draft_rules(knowledge_dir=lexicons.parent),
        moves=moves,
        personas=personas,
        move_patterns={
            move: tuple(_compile(p, macros, move) for p in spec.patterns)
            for move, spec in moves.moves.items()
        },
        flooding_patterns=tuple(_compile(p, macros, "flooding") for p in moves.flooding.patterns),
        feeling_words=frozenset(feelings),
    )


def _check_consistency(moves: _MovesFile, personas: _PersonasFile) -> None:
    if set(moves.moves) != set(MOVES):
        raise KnowledgeError(f"practice_moves.yaml must describe exactly the moves {MOVES}.")
    signals = set(MOVES) | set(HORSEMEN)
    if set(moves.reaction_order) != signals:
        raise KnowledgeError(
            "practice_moves.yaml: reaction_order must list every move and horseman."
        )
    if set(personas.personas) != set(PERSONAS):
        raise KnowledgeError(f"personas.yaml must define exactly the personas {PERSONAS}.")
    for name, spec in personas.personas.items():
        _check_persona(name, spec, signals)


def _check_persona(name: str, spec: PersonaSpec, signals: set[str]) -> None:
    unknown = set(spec.sensitivity) - signals
    if unknown:
        raise KnowledgeError(f"personas.yaml: {name} has unknown sensitivities {unknown}.")
    if set(spec.bands) != set(BANDS) or any(len(v) < 3 for v in spec.bands.values()):
        raise KnowledgeError(f"personas.yaml: {name} needs 3+ lines in each mood band.")
    if set(spec.reactions) != signals or any(len(v) < 3 for v in spec.reactions.values()):
        raise KnowledgeError(f"personas.yaml: {name} needs 3+ reactions for every signal.")
    lines = spec.opening + [x for v in spec.bands.values() for x in v]
    lines += [x for v in spec.reactions.values() for x in v]
    if len(lines) != len(set(lines)):
        raise KnowledgeError(f"personas.yaml: {name} repeats a line.")


def guidance_ids() -> set[str]:
    """Every guidance passage the practice feedback can cite (a test checks they exist)."""
    rules = load_rules().moves
    ids = {spec.guidance_id for spec in rules.moves.values()}
    ids |= {getattr(rules.summary, area).guidance_id for area in AREAS}
    return ids


__all__ = [
    "AREAS",
    "BANDS",
    "HORSEMEN",
    "MOVES",
    "PERSONAS",
    "Area",
    "Effect",
    "Horseman",
    "Move",
    "Persona",
    "PracticeRules",
    "SessionStatus",
    "guidance_ids",
    "load_rules",
]

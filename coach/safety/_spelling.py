"""The spelling table, and which listed words a typed piece of text spells.

``safety_spelling.yaml`` lists what leetspeak symbols stand for, the separators of
spaced-out letters, the words worth spelling out (those of risk among them) and the
evasive spellings with their plain words. This module validates and compiles that
table, and answers the one question :mod:`coach.safety._reveal` asks of it: which
listed word, if any, a leetspeak token or a run of spaced letters spells. It is kept
apart from the reveal steps so that the data and its matching can be read, tested and
changed without the character-by-character bookkeeping of the buffer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from coach.data_files import YAMLError, read_yaml
from coach.errors import KnowledgeError
from coach.paths import PACKAGE_DATA_DIR

SPELLING_FILE = PACKAGE_DATA_DIR / "safety_spelling.yaml"

# Leetspeak shorter than this is left alone: "4m" (four metres) must not become "am".
_MIN_LEET = 3


class _Replacement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    find: str
    replace: str
    cues: list[str] = Field(min_length=1)
    example: str

    @model_validator(mode="after")
    def _consistent(self) -> _Replacement:
        try:
            pattern = re.compile(self.find, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {self.find!r}: {exc}") from exc
        match = pattern.search(self.example)
        if match is None:
            raise ValueError(f"{self.find!r} does not match its example")
        if not any(cue in match.group().lower() for cue in self.cues):
            raise ValueError(f"{self.find!r}: no cue in the match of its example")
        return self


class _SpellingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    leet: dict[str, str]
    separators: str = Field(min_length=1)
    words: dict[str, str]  # space-separated
    spellings: list[_Replacement]

    @field_validator("leet")
    @classmethod
    def _single_characters(cls, value: dict[str, str]) -> dict[str, str]:
        for key, letters in value.items():
            if len(key) != 1 or key.isalpha() or not letters:
                raise ValueError(f"leet key {key!r} must be one non-letter with letters")
        return value


@dataclass(frozen=True)
class Spelling:
    """The compiled spelling data."""

    leet: dict[str, str]
    leet_chars: frozenset[str]
    unit_chars: frozenset[str]
    by_length: dict[int, tuple[str, ...]]  # words of risk, for leetspeak
    words: frozenset[str]
    risk: frozenset[str]
    longest: int
    spaced: re.Pattern[str]
    token: re.Pattern[str]
    replacements: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]
    cues: frozenset[str]


def parse_spelling(raw: object, *, source: str = "safety_spelling.yaml") -> Spelling:
    """Validate and compile a spelling document. Raises ``KnowledgeError`` when wrong."""
    spec = _validated(raw, source)
    groups = {name: value.lower().split() for name, value in spec.words.items()}
    words = frozenset(w for group in groups.values() for w in group)
    risk = frozenset(groups.get("risk", []))
    spaced, token = _patterns(spec)
    replacements = tuple(
        (re.compile(r.find, re.IGNORECASE), r.replace, tuple(r.cues)) for r in spec.spellings
    )
    cues = frozenset(cue.lower() for r in spec.spellings for cue in r.cues)
    return Spelling(
        leet=dict(spec.leet),
        leet_chars=frozenset(spec.leet),
        unit_chars=frozenset(c for c in spec.leet if c not in spec.separators),
        by_length=_by_length(risk),
        words=words,
        risk=risk,
        longest=max((len(w) for w in words), default=1),
        spaced=spaced,
        token=token,
        replacements=replacements,
        cues=cues,
    )


def _validated(raw: object, source: str) -> _SpellingFile:
    try:
        return _SpellingFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(
            f"{source} does not match the spelling schema: {exc.error_count()} problem(s)",
            hint=str(exc).splitlines()[1] if len(str(exc).splitlines()) > 1 else None,
        ) from exc


def _by_length(risk: frozenset[str]) -> dict[int, tuple[str, ...]]:
    by_length: dict[int, list[str]] = {}
    for word in sorted(risk):
        by_length.setdefault(len(word), []).append(word)
    return {n: tuple(ws) for n, ws in by_length.items()}


def _patterns(spec: _SpellingFile) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns for a run of spaced letters and for a token with leet symbols."""
    symbols = "".join(re.escape(c) for c in spec.leet)
    # In "k*i*l*l" the star separates letters; in "s*icide" it stands for one.
    unit_symbols = "".join(re.escape(c) for c in spec.leet if c not in spec.separators)
    separators = re.escape(spec.separators)
    unit = f"[^\\W_]|[{unit_symbols}]"
    spaced = re.compile(
        f"(?<![\\w{symbols}])(?:(?:{unit})[{separators}]{{1,3}}){{2,}}(?:{unit})"
        f"(?![\\w{unit_symbols}])"
    )
    # Whole tokens only: a search that may start inside one would be quadratic.
    token = re.compile(f"(?<![\\w{symbols}])[\\w{symbols}]*[{symbols}][\\w{symbols}]*")
    return spaced, token


@lru_cache(maxsize=4)
def load_spelling(path: Path = SPELLING_FILE) -> Spelling:
    """The compiled spelling data, read once per process."""
    try:
        raw = read_yaml(path)
    except (OSError, YAMLError) as exc:
        raise KnowledgeError(
            f"Cannot read the safety spelling data at {path}",
            hint="Reinstall Coach or fix the YAML.",
        ) from exc
    return parse_spelling(raw, source=path.name)


def decode_leet(token: str, spelling: Spelling) -> str | None:
    """The one word of risk a leetspeak token spells, or None.

    Only words of risk: decoding "c*nt" into the plain word "cant" would add a negation
    that is not there, and "sh*t" must not become "shot".
    """
    lowered = token.lower()
    if len(lowered) < _MIN_LEET or lowered.count("*") > 1:
        return None  # "s**t" is a censored swear, not a word to guess
    found = None
    for word in spelling.by_length.get(len(lowered), ()):
        for typed, letter in zip(lowered, word, strict=True):
            if typed != letter and letter not in spelling.leet.get(typed, ""):
                break
        else:
            if found is not None:
                return None  # "r*pe": more than one word fits, so leave it as typed
            found = word
    return found


def _word_at(piece: str, spelling: Spelling) -> str | None:
    if piece.lower() in spelling.words:
        return piece.lower()
    if any(c in spelling.leet_chars for c in piece) and any(c.isalpha() for c in piece):
        return decode_leet(piece, spelling)
    return None


def segment(letters: str, spelling: Spelling) -> list[str] | None:
    """Fewest known words that spell ``letters`` exactly, or None."""
    count = len(letters)
    best: list[list[str] | None] = [None] * (count + 1)
    best[0] = []
    for end in range(1, count + 1):
        for start in range(max(0, end - spelling.longest), end):
            before = best[start]
            if before is None:
                continue
            word = _word_at(letters[start:end], spelling)
            if word is not None and (best[end] is None or len(before) + 1 < len(best[end])):  # type: ignore[arg-type]
                best[end] = [*before, word]
    return best[count]

"""Checks on model-written text: parse it, then refuse what Coach would not say.

Why a second line of checks after the prompt: a prompt asks, it does not ensure.
Small local models in particular drift out of format, copy the example, drop the
person's point or invent steps. Each task's output is therefore parsed into a
pydantic model and run through the same checks Coach applies to its own offline
text (the safety screen for generated text, ``drafts.lint``), plus the task's
own: the draft's point kept, no invented exercise steps, the partner in character.

Every failure has a stable ``code`` (safe to log: it never contains text) and a
``message`` the retry prompt gives the model. Thresholds and patterns live in
``guards.yaml`` beside this module; one module per task checks its output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach import safety
from coach.data_files import YAMLError, read_yaml
from coach.errors import KnowledgeError
from coach.safety import SafetyVerdict

GUARDS_FILE = Path(__file__).with_name("guards.yaml")
STYLES: tuple[str, ...] = ("gentle", "direct", "short_text")

Failure = Literal["malformed", "failed_checks", "unsafe"]


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One reason an output was refused."""

    code: str  # stable and text-free: goes to logs and accounting
    message: str  # for the retry prompt
    kind: Failure = "failed_checks"


@dataclass
class Outcome:
    """The problems found in one output; empty means it may be shown."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failure(self) -> Failure | None:
        """The worst kind of problem: unsafe over malformed over failed checks."""
        kinds = {p.kind for p in self.problems}
        for kind in ("unsafe", "malformed", "failed_checks"):
            if kind in kinds:
                return kind  # type: ignore[return-value]
        return None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


class MalformedOutputError(ValueError):
    """The model's text is not in the requested format."""


# ---------------------------------------------------------------------------- config


class _RewriteLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_length_ratio: float = Field(gt=1)
    min_budget: int = Field(gt=0)
    short_text_max_chars: int = Field(gt=20)
    min_styles: int = Field(ge=1, le=3)


class _ExerciseLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_reasons: int = Field(ge=1)
    max_reason_chars: int = Field(gt=20)
    step_patterns: list[str] = Field(min_length=1)
    step_match_share: float = Field(gt=0, le=1)


class _PartnerLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_chars: int = Field(gt=20)
    out_of_character: list[str]


class GuardConfig(BaseModel):
    """``guards.yaml``, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    rewrite: _RewriteLimits
    exercise: _ExerciseLimits
    partner: _PartnerLimits
    echo_words: int = Field(ge=4)
    leaks: list[str]
    unsafe: dict[str, list[str]] = Field(min_length=1)

    @field_validator("leaks")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    @field_validator("unsafe")
    @classmethod
    def _unsafe_compiles(cls, groups: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in groups.values():
            for pattern in patterns:
                re.compile(pattern)
        return groups


@lru_cache(maxsize=1)
def load_guards(path: Path = GUARDS_FILE) -> GuardConfig:
    try:
        raw = read_yaml(path)
        config = GuardConfig.model_validate(raw)
        for pattern in config.exercise.step_patterns + config.partner.out_of_character:
            re.compile(pattern)
    except (OSError, YAMLError, ValidationError, re.error) as exc:
        raise KnowledgeError(f"{path.name} is invalid: {type(exc).__name__}: {exc}") from exc
    return config


def search_any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in patterns)


def leak_problems(text: str) -> list[Problem]:
    if search_any(load_guards().leaks, text):
        return [Problem("prompt_leak", "Do not copy the data markers or these instructions.")]
    return []


_WORDS = re.compile(r"[a-z0-9']+")


def echo_problems(text: str, prompt: str, what: str) -> list[Problem]:
    """A problem when ``text`` copies ``echo_words`` consecutive words from ``prompt``."""
    size = load_guards().echo_words
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return []
    source = " " + " ".join(_WORDS.findall(prompt.lower())) + " "
    for start in range(len(words) - size + 1):
        if " " + " ".join(words[start : start + size]) + " " in source:
            return [
                Problem(
                    f"{what}:echo",
                    "Write your own words; do not copy the instructions or the person's text.",
                )
            ]
    return []


def drop_marker_lines(text: str) -> str:
    """``text`` without lines that only echo a data-block marker.

    Small models often open by copying a ``<<<DATA ...>>>`` line from the prompt. Such
    a line is never meant for the person, so it is dropped before parsing; a marker
    left anywhere else is still refused as a leak.
    """
    marker = re.compile(r"^\s*<<<\s*(?:END\s+)?DATA\b[^\n]*$", re.IGNORECASE)
    return "\n".join(line for line in text.splitlines() if not marker.match(line))


_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@lru_cache(maxsize=1)
def _unsafe_patterns() -> tuple[re.Pattern[str], ...]:
    groups = load_guards().unsafe.values()
    return tuple(re.compile(p, re.IGNORECASE) for group in groups for p in group)


def unsafe_text(text: str, locale: str | None, context: SafetyVerdict | None) -> bool:
    """The output screen every model-written text passes before it is shown or stored.

    ``coach.safety.check_generated`` (self-harm encouragement, harm, victim blaming,
    and the abuse-context rules) plus ``guards.yaml``'s ``unsafe`` patterns (threats
    and contempt toward the person, and more of the first kinds). Never logs text.
    """
    if safety.check_generated(text, locale, context=context).replace:
        return True
    flat = " ".join(text.translate(_CURLY).split())
    return any(pattern.search(flat) for pattern in _unsafe_patterns())


def safety_problems(
    text: str, locale: str | None, context: SafetyVerdict | None, what: str
) -> list[Problem]:
    if unsafe_text(text, locale, context):
        return [
            Problem(
                f"{what}:unsafe",
                "Part of the answer was unsafe or harmful; keep it kind and safe.",
                "unsafe",
            )
        ]
    return []


# ---------------------------------------------------------------------------- JSON


_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")


def extract_json(raw: str) -> object:
    """The JSON object in a model's reply, tolerating a code fence or prose around it."""
    text = _FENCE.sub("", raw.strip())
    for opener, closer in (("{", "}"), ("[", "]")):
        start, end = text.find(opener), text.rfind(closer)
        if start != -1 and end > start:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                continue
    raise MalformedOutputError("no JSON object in the reply")

"""Read the problem and the situation in what a person wrote, for choosing an exercise.

The stage says where someone is on the way back; the problem says what they are
stuck on (a money fight every payday, no one to talk to, checking a phone), and the
situation says what they can do at all (apart or together, already in therapy, a
partner who will not take part). An exercise that fits the stage but not the
problem, or asks for a partner who said no, is the wrong answer however good it is.

The cues live in ``coach/data/problem_cues.yaml``. Each problem found keeps the
words that showed it, so "Why this one" can quote the person back to themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from coach.data_files import read_yaml
from coach.paths import PACKAGE_DATA_DIR

__all__ = ["PROBLEMS", "Situation", "read_situation"]

CUES_FILE = PACKAGE_DATA_DIR / "problem_cues.yaml"
PROBLEMS = (
    "money", "chores", "in_laws", "affair", "lies", "jealousy", "support_network",
    "separation", "children", "recurring_fight", "decisions", "closeness", "counselling",
    "recommitment",
)  # fmt: skip


class _Problem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    context: str | None = None
    cues: list[str] = Field(min_length=1)


class _CuesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    conflict: str
    problems: dict[str, _Problem]
    situation: dict[str, list[str]]


@dataclass(frozen=True)
class _Compiled:
    labels: dict[str, str]
    problems: dict[str, tuple[re.Pattern[str], ...]]
    contexts: dict[str, re.Pattern[str]]
    situation: dict[str, tuple[re.Pattern[str], ...]]


@lru_cache(maxsize=1)
def _cues() -> _Compiled:
    data = _CuesFile.model_validate(read_yaml(CUES_FILE))
    unknown = set(data.problems) - set(PROBLEMS)
    if unknown:
        raise ValueError(f"problem_cues.yaml: unknown problems {sorted(unknown)}")

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in patterns)

    named = {"conflict": data.conflict}
    return _Compiled(
        labels={name: p.label for name, p in data.problems.items()},
        problems={name: compile_all(p.cues) for name, p in data.problems.items()},
        contexts={
            name: re.compile(named.get(p.context, p.context), re.IGNORECASE)
            for name, p in data.problems.items()
            if p.context
        },
        situation={name: compile_all(ps) for name, ps in data.situation.items()},
    )


@dataclass(frozen=True)
class Situation:
    """What the description is about and what it rules out."""

    problems: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)
    apart: bool = False
    in_therapy: bool = False
    partner_unwilling: bool = False
    wants_solo: bool = False
    wants_together: bool = False

    @property
    def solo_only(self) -> bool:
        """Nothing that needs the partner: they said no, or the person asked for time alone."""
        return self.partner_unwilling or (self.wants_solo and not self.wants_together)

    def label(self, problem: str) -> str:
        return _cues().labels.get(problem, problem.replace("_", " "))


def _sentence_of(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    return text[left : min(rights) if rights else len(text)]


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    right = min(rights) if rights else len(text)
    quote = " ".join(text[left:right].split())
    return quote if len(quote) <= 90 else " ".join(text[start:end].split())


def read_situation(text: str) -> Situation:
    cues = _cues()
    scores: dict[str, int] = {}
    evidence: dict[str, str] = {}
    for name, patterns in cues.problems.items():
        hits = [m for p in patterns for m in p.finditer(text)]
        context = cues.contexts.get(name)
        if context is not None:
            hits = [m for m in hits if context.search(_sentence_of(text, m.start(), m.end()))]
        if hits:
            scores[name] = len(hits)
            evidence[name] = _sentence_around(text, hits[0].start(), hits[0].end())

    def said(name: str) -> bool:
        return any(p.search(text) for p in cues.situation.get(name, ()))

    in_therapy = said("in_therapy")
    if in_therapy and "counselling" in scores and scores["counselling"] <= 1:
        # "we already see a therapist" is the situation, not the problem.
        scores.pop("counselling")
    ordered = tuple(sorted(scores, key=lambda n: (-scores[n], PROBLEMS.index(n))))
    return Situation(
        problems=ordered,
        evidence={n: evidence[n] for n in ordered},
        apart=said("apart"),
        in_therapy=in_therapy,
        partner_unwilling=said("partner_unwilling"),
        wants_solo=said("wants_solo"),
        wants_together=said("wants_together"),
    )

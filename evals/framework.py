"""The small vocabulary every suite shares: a suite, its result, and thresholds.

A suite is three things, as in inspect_ai's ``Task(dataset, solver, scorer)``: a
data set (JSONL, one labelled item per line), ``solve`` (run Coach on the items:
the only place a suite calls Coach) and ``score`` (compare what Coach said with the
labels: metrics, failures and information, no Coach calls). Scorers that several
suites share are in :mod:`evals.scorers`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVALS_DIR = Path(__file__).resolve().parent
THRESHOLDS_FILE = EVALS_DIR / "thresholds.toml"


@dataclass(frozen=True)
class Failure:
    """One item the system got wrong, with enough context to see why."""

    item_id: str
    expected: Any
    got: Any
    note: str = ""


@dataclass
class SuiteResult:
    metrics: dict[str, float]
    items: int
    failures: list[Failure] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


Items = list[dict[str, Any]]


@dataclass(frozen=True)
class Suite:
    """A named evaluation: its data set, how Coach answers it, and how the answers score."""

    name: str
    description: str
    dataset: Path
    solve: Callable[[Items], Any]
    score: Callable[[Items, Any], SuiteResult]

    def load(self) -> Items:
        return load_jsonl(self.dataset)

    def run(self, items: Items) -> SuiteResult:
        return self.score(items, self.solve(items))


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}:{number}: not valid JSON ({exc.msg})") from exc
    return items


@dataclass(frozen=True)
class Threshold:
    suite: str
    metric: str
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: float) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.maximum is not None and value > self.maximum)

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum} .. {self.maximum}"
        if self.minimum is not None:
            return f">= {self.minimum}"
        return f"<= {self.maximum}"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, list[Threshold]]:
    """Thresholds as ``[suite] metric = { min = 0.9 }`` tables."""
    raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result: dict[str, list[Threshold]] = {}
    for suite, metrics in raw.items():
        result[suite] = [
            Threshold(suite, metric, bound.get("min"), bound.get("max"))
            for metric, bound in metrics.items()
        ]
    return result


def ratio(numerator: int, denominator: int) -> float:
    """A share that is 1.0 for an empty denominator (nothing to get wrong)."""
    return numerator / denominator if denominator else 1.0


def count(items: Iterable[Any]) -> int:
    return sum(1 for _ in items)

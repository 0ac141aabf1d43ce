"""Recommendations: does the exercise Coach gives fit the stage and the person's limits?

Runs the whole exercise job (safety screen, stage classifier, retrieval, choice) on
every description in ``evals/stages.jsonl`` with the constraints some items carry
(``who``: solo or together, ``minutes``). An item passes when the exercise is tagged
with the labelled stage or, where the person gave a constraint, the constraint is
respected (the issue's check); ``stage_match`` and ``constraints_kept`` are also
reported on their own, since the first is the classifier's accuracy seen through
the recommendation and the second must hold whenever an exercise fits at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.service import Coach, ExerciseRequest, ExerciseResult
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio


def solve(items: list[dict[str, Any]]) -> list[ExerciseResult]:
    """The whole exercise job for each description, each item a different person."""
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as data_dir:
        coach = Coach(Settings(data_dir=Path(data_dir)))
        results = []
        for n, item in enumerate(items):
            request = ExerciseRequest(
                description=item["text"], who=item.get("who"), minutes=item.get("minutes")
            )
            # Each item is a different person: no rotation across items.
            results.append(coach.recommend_exercise(request, user_id=f"eval-{n}"))
        return results


def score(items: list[dict[str, Any]], results: list[ExerciseResult]) -> SuiteResult:
    passed = stage_match = constrained = constraints_kept = 0
    failures = []
    for item, result in zip(items, results, strict=True):
        card = result.exercise
        if card is None:
            failures.append(Failure(item["id"], item["stage"], result.status, "no exercise"))
            continue
        on_stage = item["stage"] in card.stages
        has_constraint = "who" in item or "minutes" in item
        kept = (item.get("who") in (None, card.who)) and (
            item.get("minutes") is None or card.duration_minutes <= item["minutes"]
        )
        stage_match += on_stage
        constrained += has_constraint
        constraints_kept += has_constraint and kept
        ok = on_stage or (has_constraint and kept)
        passed += ok
        if not ok:
            failures.append(Failure(item["id"], item["stage"], card.stages, card.id))
    return SuiteResult(
        metrics={
            "recommendation_ok": ratio(passed, len(items)),
            "stage_match": ratio(stage_match, len(items)),
            "constraints_kept": ratio(constraints_kept, constrained),
        },
        items=len(items),
        failures=failures,
        info={"items_with_constraints": constrained},
    )


SUITE = Suite(
    name="recommendations",
    description="The recommended exercise fits the labelled stage or the person's constraints.",
    dataset=EVALS_DIR / "stages.jsonl",
    solve=solve,
    score=score,
)

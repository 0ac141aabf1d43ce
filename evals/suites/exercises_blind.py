"""Exercises, blind: does the top exercise fit the stated problem and the person's limits?

``evals/exercise_situations_blind.jsonl``: 88 descriptions written by a helper that
never saw the exercises, the code or the data, each with a checklist written with it,
before any scoring: the problem(s) a fitting exercise must address (tags from the
same vocabulary the exercises carry), whether it must be doable alone, and what it
must not be (find a counsellor, invite the partner to counselling, a daily routine
together, contact with the partner, a joint conversation). Scored, never tuned on.

- ``fits``: the top exercise addresses one of the must-address problems and breaks
  none of the constraints (the issue's measure).
- ``addresses_problem`` and ``keeps_constraints``: the two halves.
- ``stage_ok``: the exercise is tagged with one of the acceptable stages.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

# What each "must not" means for an exercise card.
_BREAKS = {
    "find_counsellor": lambda card: "find_counsellor" in card.topics,
    "invite_partner_to_counselling": lambda card: "invite_to_counselling" in card.topics,
    "daily_together": lambda card: "daily_together" in card.topics,
    "partner_contact": lambda card: card.involves_partner,
    "joint_conversation": lambda card: card.who == "together",
}


def solve(items: list[dict[str, Any]]) -> list[Any]:
    from coach.config import Settings
    from coach.service import Coach, ExerciseRequest

    with tempfile.TemporaryDirectory(prefix="coach-eval-") as data_dir:
        coach = Coach(Settings(data_dir=Path(data_dir), llm_model=None))
        return [
            coach.recommend_exercise(
                ExerciseRequest(description=item["text"]), user_id=f"eval-{n}"
            ).exercise
            for n, item in enumerate(items)
        ]


def _broken(item: dict[str, Any], card: Any) -> list[str]:
    checklist = item["checklist"]
    broken = [rule for rule in checklist.get("must_not", []) if _BREAKS[rule](card)]
    if checklist.get("must_be_solo") and (card.who != "solo" or card.involves_partner):
        broken.append("must_be_solo")
    return broken


def score(items: list[dict[str, Any]], cards: list[Any]) -> SuiteResult:
    fits = addressed = kept = staged = 0
    failures = []
    for item, card in zip(items, cards, strict=True):
        if card is None:
            failures.append(Failure(item["id"], item["checklist"], None, "no exercise"))
            continue
        addresses = bool(set(item["checklist"]["must_address"]) & set(card.topics))
        broken = _broken(item, card)
        addressed += addresses
        kept += not broken
        staged += bool(set(item["stage"]) & set(card.stages))
        fits += addresses and not broken
        if not addresses or broken:
            failures.append(
                Failure(item["id"], item["checklist"]["must_address"], card.id, ", ".join(broken))
            )
    n = len(items)
    metrics = {
        "fits": ratio(fits, n),
        "addresses_problem": ratio(addressed, n),
        "keeps_constraints": ratio(kept, n),
        "stage_ok": ratio(staged, n),
    }
    return SuiteResult(metrics=metrics, items=n, failures=failures)


SUITE = Suite(
    name="exercises_blind",
    description="Top exercise fits the stated problem and limits (88 blind descriptions)",
    dataset=EVALS_DIR / "exercise_situations_blind.jsonl",
    solve=solve,
    score=score,
)

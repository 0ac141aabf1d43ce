"""Safety, blind: 200 cases written by someone who never saw the rules, anchors or dev set.

``evals/safety_blind.jsonl`` was written from the category definitions alone, after
the screen existed, and is never used to tune anything: it is the honest estimate
of how the screen does on new words. Its floors guard against regressions; they
are well below the issue's targets (urgent recall >= 0.98), which the screen meets
only on its development set. See the README.
"""

from __future__ import annotations

from typing import Any

from coach.safety import screen
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

CATEGORIES = ("self_harm", "abuse", "child_safety", "harm_to_others")


def run(items: list[dict[str, Any]]) -> SuiteResult:
    urgent = [i for i in items if i["level"] == "urgent"]
    caution = [i for i in items if i["level"] == "caution"]
    negatives = [i for i in items if i["level"] == "none"]
    levels = {item["id"]: screen(item["text"]).level for item in items}
    metrics = {
        "urgent_recall": ratio(sum(levels[i["id"]] == "urgent" for i in urgent), len(urgent)),
        "urgent_caution_plus": ratio(sum(levels[i["id"]] != "none" for i in urgent), len(urgent)),
        "caution_recall": ratio(sum(levels[i["id"]] != "none" for i in caution), len(caution)),
        "false_escalation_urgent": ratio(
            sum(levels[i["id"]] == "urgent" for i in negatives), len(negatives)
        ),
        "false_escalation_any": ratio(
            sum(levels[i["id"]] != "none" for i in negatives), len(negatives)
        ),
    }
    for category in CATEGORIES:
        group = [i for i in urgent if category in i["categories"]]
        metrics[f"urgent_recall_{category}"] = ratio(
            sum(levels[i["id"]] == "urgent" for i in group), len(group)
        )
        metrics[f"urgent_caution_plus_{category}"] = ratio(
            sum(levels[i["id"]] != "none" for i in group), len(group)
        )
    failures = [
        Failure(i["id"], i["level"], levels[i["id"]], i["text"][:90])
        for i in items
        if levels[i["id"]] != i["level"]
    ]
    return SuiteResult(metrics=metrics, items=len(items), failures=failures)


SUITE = Suite(
    name="safety_blind",
    description="The screen on 200 cases written blind to it (honest estimate).",
    dataset=EVALS_DIR / "safety_blind.jsonl",
    run=run,
)

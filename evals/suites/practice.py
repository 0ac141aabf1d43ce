"""Practice role-play: per-turn feedback labels and the partner's mood over scripted sessions.

Each session in ``evals/practice/sessions.jsonl`` is played through the real
domain API (safety screen, analysis, move detection, persona state, store) with a
fixed seed, in a throwaway SQLite database.

Metrics (over all sessions; the same with ``_holdout`` for the held-out split,
which was written after the cues and never tuned on):

- ``feedback_accuracy``: share of turns where the detected move set equals the
  labelled move set exactly AND the blame flag matches (the strict measure).
- ``label_accuracy``: per-label accuracy; each turn contributes eight yes/no
  decisions (the seven moves plus blame), and this is the share decided right.
- ``moves_exact`` and ``blame_accuracy``: the two halves of the strict measure.
- ``mood_direction``: share of sessions whose final partner mood moved in the
  labelled direction (up / down by more than 5 points, else flat).

Per-move precision and recall are in ``info``.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.practice.rules import MOVES
from coach.service import Coach
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

FLAT_BAND = 5


def _direction(change: int) -> str:
    if change > FLAT_BAND:
        return "up"
    return "down" if change < -FLAT_BAND else "flat"


@dataclass
class _Tally:
    sessions: int = 0
    turns: int = 0
    exact: int = 0
    moves_exact: int = 0
    blame_right: int = 0
    labels_right: int = 0
    labels: int = 0
    mood_right: int = 0
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def metrics(self, suffix: str = "") -> dict[str, float]:
        return {
            f"feedback_accuracy{suffix}": ratio(self.exact, self.turns),
            f"label_accuracy{suffix}": ratio(self.labels_right, self.labels),
            f"moves_exact{suffix}": ratio(self.moves_exact, self.turns),
            f"blame_accuracy{suffix}": ratio(self.blame_right, self.turns),
            f"mood_direction{suffix}": ratio(self.mood_right, self.sessions),
        }


def _score_turn(
    tallies: list[_Tally], moves: tuple[str, ...], expected: dict[str, Any], got: dict[str, Any]
) -> bool:
    want, have = set(expected["moves"]), set(got["moves"])
    same_moves, same_blame = want == have, expected["blame"] == got["blame"]
    for tally in tallies:
        tally.turns += 1
        tally.moves_exact += same_moves
        tally.blame_right += same_blame
        tally.exact += same_moves and same_blame
        tally.labels += len(moves) + 1
        tally.labels_right += same_blame + sum((m in want) == (m in have) for m in moves)
        for move in moves:
            if move in want and move in have:
                tally.tp[move] += 1
            elif move in have:
                tally.fp[move] += 1
            elif move in want:
                tally.fn[move] += 1
    return same_moves and same_blame


@dataclass
class _Session:
    """One scripted session as Coach played it."""

    refused: bool = False
    turns: list[dict[str, Any]] = field(default_factory=list)  # moves and blame per turn
    stopped_at: int | None = None  # the turn the safety screen stopped, if one did
    mood_change: int = 0


def solve(items: list[dict[str, Any]]) -> list[_Session]:
    """Play every session through the facade, offline, in a throwaway database."""
    with tempfile.TemporaryDirectory() as tmp:
        # The offline partner, whatever the environment configures.
        coach = Coach(Settings(data_dir=Path(tmp), llm_model=None))
        played = [_play(coach, item) for item in items]
        coach.store.engine.dispose()
    return played


def _play(coach: Coach, item: dict[str, Any]) -> _Session:
    started = coach.start_practice(
        scenario=item["scenario"], goal=item["goal"], persona=item["persona"], seed=0
    )
    if started.session is None:
        return _Session(refused=True)
    played = _Session()
    start_mood = mood = started.session.state.mood
    for number, turn in enumerate(item["turns"], start=1):
        result = coach.take_practice_turn(started.session.id, turn["text"])
        if result.turn is None:
            played.stopped_at = number
            break
        mood = result.state.mood
        played.turns.append(
            {"moves": result.turn.feedback.moves, "blame": result.turn.feedback.blame}
        )
    played.mood_change = mood - start_mood
    return played


def score(items: list[dict[str, Any]], sessions: list[_Session]) -> SuiteResult:
    overall, holdout = _Tally(), _Tally()
    failures: list[Failure] = []
    changes: dict[str, int] = {}
    for item, played in zip(items, sessions, strict=True):
        tallies = [overall] + ([holdout] if item.get("split") == "holdout" else [])
        for tally in tallies:
            tally.sessions += 1
        if played.refused:
            failures.append(Failure(item["id"], "a session", "refused by the safety screen"))
            continue
        failures += _turn_failures(item, played, tallies)
        changes[item["id"]] = played.mood_change
        direction = _direction(played.mood_change)
        if direction == item["mood"]:
            for tally in tallies:
                tally.mood_right += 1
        else:
            failures.append(
                Failure(
                    item_id=item["id"],
                    expected=f"mood {item['mood']}",
                    got=f"mood {direction} ({played.mood_change:+d})",
                )
            )
    metrics = overall.metrics()
    if holdout.sessions:
        metrics.update(holdout.metrics("_holdout"))
    return SuiteResult(
        metrics=metrics,
        items=len(items),
        failures=failures,
        info={
            "turns": overall.turns,
            "holdout_sessions": holdout.sessions,
            "per_move": _per_move(overall),
            "mood_change": changes,
        },
    )


def _turn_failures(item: dict[str, Any], played: _Session, tallies: list[_Tally]) -> list[Failure]:
    failures = []
    for number, (turn, got) in enumerate(zip(item["turns"], played.turns, strict=False), start=1):
        if not _score_turn(tallies, MOVES, turn, got):
            failures.append(
                Failure(
                    item_id=f"{item['id']}#{number}",
                    expected={"moves": sorted(turn["moves"]), "blame": turn["blame"]},
                    got={"moves": sorted(got["moves"]), "blame": got["blame"]},
                    note=turn["text"],
                )
            )
    if played.stopped_at is not None:
        number = played.stopped_at
        failures.append(Failure(f"{item['id']}#{number}", item["turns"][number - 1], "safety stop"))
    return failures


def _per_move(overall: _Tally) -> dict[str, dict[str, Any]]:
    return {
        move: {
            "precision": round(ratio(overall.tp[move], overall.tp[move] + overall.fp[move]), 3),
            "recall": round(ratio(overall.tp[move], overall.tp[move] + overall.fn[move]), 3),
            "support": overall.tp[move] + overall.fn[move],
        }
        for move in MOVES
    }


SUITE = Suite(
    name="practice",
    description="Practice role-play: per-turn move/blame feedback and partner mood direction.",
    dataset=EVALS_DIR / "practice" / "sessions.jsonl",
    solve=solve,
    score=score,
)

"""Practice, blind: does the partner answer the move the person made, in its words?

``evals/practice/blind_sessions.jsonl``: 48 scripted sessions (276 turns) written by a
helper that never saw the engine, each turn labelled with its moves, the words a
reply that listened would mention (``addresses``), and every repair move of the
session. Scored, never tuned on. Metrics, over turns unless said:

- ``reply_answers_move``: the partner's line answers one of the turn's moves (an
  apology gets an answer to an apology, a break a word about the break, blame the
  persona's reaction to blame, a neutral line no reaction to blame).
- ``reply_mentions_content``: the line mentions one of the labelled words of the turn.
- ``feedback_names_move``: the feedback hears one of the labelled moves (a neutral
  turn: no move and no blame; a blaming turn: blame).
- ``no_repeated_line``: share of sessions where the partner never says a line twice.
- ``summary_credits_repairs``: share of sessions whose summary credits every labelled
  repair move.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from coach.drafts.facts import content_words
from evals.framework import EVALS_DIR, Failure, Suite, SuiteResult, ratio

# The labels' move names -> what the listening calls them.
_ACT = {
    "i_statement": "feeling",
    "open_question": "question",
    "question": "question",
    "apology": "apology",
    "proposal": "proposal",
    "proposing_break": "proposing_break",
    "taking_responsibility": "taking_responsibility",
    "validating": "validating",
    "reflecting_feelings": "reflecting_feelings",
    "appreciation": "appreciation",
    "repair_attempt": "repair_attempt",
}
_REPLY_ACT = {"open_question": "question"}


def _reply_act(key: str) -> str:
    kind, _, rest = key.partition(":")
    act = rest.split(":", 1)[0]
    if kind == "listen":
        return _REPLY_ACT.get(act, act)
    return "blame" if kind == "reaction" and act in _HORSEMEN else kind


_HORSEMEN = {"criticism", "contempt", "defensiveness", "stonewalling"}


def _mentions(reply: str, addresses: list[str]) -> bool:
    said = content_words(reply)
    lowered = reply.lower()
    for entry in addresses:
        for option in entry.split("|"):
            option = option.strip().lower()
            if option and (
                option in lowered or (content_words(option) and content_words(option) <= said)
            ):
                return True
    return False


def _turn_scores(
    turn: dict[str, Any], feedback: Any, keys: list[str], reply: str
) -> dict[str, bool]:
    moves = set(turn["moves"])
    wanted = {_ACT[m] for m in moves if m in _ACT}
    heard = set(feedback.acts)
    reply_acts = {_reply_act(k) for k in keys}
    if "blame" in moves:
        answers = "blame" in reply_acts
        names = feedback.blame
    elif moves <= {"neutral"}:
        answers = "blame" not in reply_acts
        names = not heard and not feedback.blame
    else:
        answers = bool(reply_acts & wanted)
        names = bool(heard & wanted)
    return {
        "answers": answers,
        "mentions": _mentions(reply, turn.get("addresses", [])),
        "names": names,
    }


def _play(items: list[dict[str, Any]]) -> tuple[dict[str, Any], list[Failure]]:
    """Play every session through the facade; the tallies and the turns that missed."""
    from coach.config import Settings
    from coach.service import Coach

    totals = {"answers": 0, "mentions": 0, "names": 0}
    turns = sessions_clean = sessions_credited = 0
    failures: list[Failure] = []
    with tempfile.TemporaryDirectory() as tmp:
        coach = Coach(Settings(data_dir=Path(tmp), llm_model=None))
        for item in items:
            started = coach.start_practice(
                scenario=item["scenario"], goal=item["goal"], persona=item["persona"], seed=0
            )
            if started.session is None:
                failures.append(Failure(item["id"], "a session", "refused by the safety screen"))
                continue
            session_id = started.session.id
            said: list[str] = [started.session.opening.text]
            for number, turn in enumerate(item["turns"], start=1):
                result = coach.take_practice_turn(session_id, turn["text"])
                if result.turn is None or result.turn.partner is None:
                    failures.append(Failure(f"{item['id']}#{number}", "a turn", "safety stop"))
                    break
                reply = result.turn.partner.text
                keys = _keys_for(coach, session_id, number)
                scores = _turn_scores(turn, result.turn.feedback, keys, reply)
                turns += 1
                for name, ok in scores.items():
                    totals[name] += ok
                if not all(scores.values()):
                    failures.append(Failure(f"{item['id']}#{number}", turn["moves"], keys, reply))
                said.append(reply)
            sessions_clean += len(said) == len(set(said))
            summary = coach.end_practice(session_id)
            credited = {c.act for c in summary.repairs}
            wanted = {_ACT.get(m, m) for m in item.get("repair_moves_made", [])}
            if wanted <= credited:
                sessions_credited += 1
            else:
                failures.append(Failure(item["id"], sorted(wanted), sorted(credited), "summary"))
        coach.store.engine.dispose()
    tally = {
        "totals": totals,
        "turns": turns,
        "clean": sessions_clean,
        "credited": sessions_credited,
    }
    return tally, failures


def score(items: list[dict[str, Any]], played: tuple[dict[str, Any], list[Failure]]) -> SuiteResult:
    tally, failures = played
    totals, turns = tally["totals"], tally["turns"]
    metrics = {
        "reply_answers_move": ratio(totals["answers"], turns),
        "reply_mentions_content": ratio(totals["mentions"], turns),
        "feedback_names_move": ratio(totals["names"], turns),
        "no_repeated_line": ratio(tally["clean"], len(items)),
        "summary_credits_repairs": ratio(tally["credited"], len(items)),
    }
    return SuiteResult(metrics=metrics, items=len(items), failures=failures, info={"turns": turns})


def _keys_for(coach: Any, session_id: str, position: int) -> list[str]:
    from coach.storage import practice as repo

    _data, turns = repo.load_session(coach.store, user_id="local", session_id=session_id)
    reply = turns[position - 1].reply or {}
    return list(reply.get("keys", []))


SUITE = Suite(
    name="practice_listening",
    description="Partner answers the move and words of each turn (48 blind sessions)",
    dataset=EVALS_DIR / "practice" / "blind_sessions.jsonl",
    solve=_play,
    score=score,
)

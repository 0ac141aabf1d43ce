"""How long the safety screen takes on a typical long message (it runs on every request)."""

from __future__ import annotations

import statistics
import time

# A 2,000-character message built from ordinary relationship talk, with one urgent
# sentence in the middle so every guard and rule does real work.
_BENIGN = (
    "We argued again about whose turn it is to cook, and he said I never plan anything fun. "
    "I tried to explain that work has been brutal and I'm tired when I get home. "
    "She beats me at chess, and honestly this fight is killing me, but I love her. "
)
_URGENT = "Last night he grabbed me by the throat and said he would kill me if I left. "


def _message(length: int = 2000) -> str:
    half = (_BENIGN * 20)[: (length - len(_URGENT)) // 2]
    text = half + _URGENT + half
    return (text + _BENIGN * 2)[:length]


def run() -> dict[str, float | int | str]:
    from coach.safety import screen

    message = _message()
    screen(message)  # load and compile the rules once, as a running server would have
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        verdict = screen(message, "US")
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "message_chars": len(message),
        "level": verdict.level,
        "runs": len(timings),
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 3),
    }

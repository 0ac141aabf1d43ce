"""Speed of the draft analysis and the offline rewrite.

Why: the analysis runs on every keystroke-sized edit in the UI and before every
rewrite, so it has to stay in the low milliseconds. Measured on a 500-character
message that mixes blame, look-alikes and logistics (not an eval item).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from coach.drafts.analysis import analyze
from coach.drafts.builder import build_i_statement
from coach.drafts.rewrite import rewrite

_PARAGRAPH = (
    "Hey, I know you've had a long week and I appreciate that you always make coffee. "
    "But you never pick the kids up at 5 like we agreed, and I feel like you just don't "
    "care about the schedule. Tonight they waited 40 minutes AGAIN!!! Whatever. "
    "It sounds like work is hard right now. Can we talk about the plan on Sunday? "
)
MESSAGE = (_PARAGRAPH * 3)[:500]


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def run() -> dict[str, float | int | str]:
    started = time.perf_counter()
    analysis = analyze(MESSAGE)  # first call loads and compiles the rules
    rewrite(MESSAGE, analysis)
    cold_ms = round((time.perf_counter() - started) * 1000, 1)
    return {
        "message_chars": len(MESSAGE),
        "first_call_ms_incl_loading": cold_ms,
        "analyze_median_ms": _median_ms(lambda: analyze(MESSAGE), 200),
        "rewrite_median_ms": _median_ms(lambda: rewrite(MESSAGE, analysis), 50),
        "rewrite_with_analysis_median_ms": _median_ms(lambda: rewrite(MESSAGE), 50),
        "build_i_statement_median_ms": _median_ms(lambda: build_i_statement(MESSAGE, analysis), 50),
        "findings": len(analysis.findings),
    }

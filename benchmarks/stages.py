"""How long the stage classifier takes on a typical description.

The classifier runs on every request that needs a stage, so it must stay far below
anything a person would notice. The text is built from neutral filler plus a few
cue-bearing sentences, so the measurement includes matching, negation checks and
scoring, not just a scan that finds nothing.
"""

from __future__ import annotations

import statistics
import time

_SENTENCES = (
    "We have been together for nine years and have two kids. ",
    "Lately we keep having the same fight about the dishes and who does more. ",
    "We're not in therapy, although I have asked him a few times. ",
    "Since we got back together things have been better, but I still feel unsure. ",
    "Some days I only see the negative and forget why we fell in love. ",
    "I do not want to give up, I just want us to talk without yelling. ",
)


def _description(length: int = 600) -> str:
    text = ""
    while len(text) < length:
        text += _SENTENCES[len(text) % len(_SENTENCES)]
    return text[:length]


def run() -> dict[str, float | int | str]:
    from coach.stages.classify import _lexicon, classify

    started = time.perf_counter()
    _lexicon()  # loading and compiling the cue file happens once per process
    load_ms = (time.perf_counter() - started) * 1000

    text = _description()
    classify(text)
    timings: list[float] = []
    for _ in range(300):
        began = time.perf_counter()
        classify(text)
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    long_text = _description(10_000)
    began = time.perf_counter()
    classify(long_text)
    long_ms = (time.perf_counter() - began) * 1000
    return {
        "text_chars": len(text),
        "cues_compiled": len(_lexicon().cues),
        "first_load_ms": round(load_ms, 2),
        "median_classify_ms": round(statistics.median(timings), 3),
        "p95_classify_ms": round(timings[int(len(timings) * 0.95) - 1], 3),
        "classify_10k_chars_ms": round(long_ms, 2),
    }

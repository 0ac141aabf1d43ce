"""Safety, fourth blind set: 344 cases in people's own words, written for issue #18.

``evals/safety_blind4.jsonl`` was written by a helper session that saw only the label
guide (never the rules, the training data or the earlier sets): short texts, long
paragraphs, slang, misspellings, non-native English, euphemism, risk buried in a
question about something else, minimised, and method words without the word
"suicide". Scored once before the screen's normalisation and method rules (commit
d78e84f: urgent given at least caution 0.885, urgent recall 0.707, self-harm 0.68)
and once after (0.885, 0.720, self-harm 0.73; abuse 0.80, harm to others 0.63,
child 0.65 by this suite's per-category count). Same definitions as the other
safety suites.
"""

from __future__ import annotations

from evals.framework import EVALS_DIR, Suite
from evals.suites.safety_blind import score, solve

SUITE = Suite(
    name="safety_blind4",
    description="The screen on 344 cases in people's own words, written blind to it.",
    dataset=EVALS_DIR / "safety_blind4.jsonl",
    solve=solve,
    score=score,
)

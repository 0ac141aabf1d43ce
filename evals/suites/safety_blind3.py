"""Safety, third blind set: 300 cases written for the fine-tuned encoder, never tuned on.

``evals/safety_blind3.jsonl`` was written by a helper session that saw only the label
guide in ``training/README.md`` and ``shared/guidance/safety.md``, and was asked for
the way people really write when upset: texting style, euphemism, risk buried in a
long message, minimising, speaking for a friend. The person building the screen never
read it; it was scored once with the linear head (the baseline) and once with the
fine-tuned encoder. Same definitions as the other safety suites.
"""

from __future__ import annotations

from evals.framework import EVALS_DIR, Suite
from evals.suites.safety_blind import score, solve

SUITE = Suite(
    name="safety_blind3",
    description="The screen on 300 cases written blind to it, its training data and evals.",
    dataset=EVALS_DIR / "safety_blind3.jsonl",
    solve=solve,
    score=score,
)

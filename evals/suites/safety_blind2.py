"""Safety, second blind set: 320 cases written after the trained head, never tuned on.

``evals/safety_blind2.jsonl`` was written by a helper session that saw only the label
guide in ``training/README.md`` and ``shared/guidance/safety.md``, not the rules, the
training data, the anchors or the other eval sets, and the person building the screen
never read it. It is scored with the same definitions as the other safety suites.
The training data was written by other sessions of the same kind of model, so its
phrasing may be closer to this set than real people's would be: the first blind set
(written by an earlier session) is the stricter test.
"""

from __future__ import annotations

from evals.framework import EVALS_DIR, Suite
from evals.suites.safety_blind import score, solve

SUITE = Suite(
    name="safety_blind2",
    description="The screen on 320 cases written blind to it and to its training data.",
    dataset=EVALS_DIR / "safety_blind2.jsonl",
    solve=solve,
    score=score,
)

"""Rewrites, blind: the same scoring on 197 messages no one developing Coach had read.

``evals/rewrites/blind.jsonl`` was written by a helper that never saw the code, the
rules or the development set (see the README beside it). It is scored, never tuned
on; its thresholds are regression floors at the first score of the editing
rewriter, not the issue's targets (the README reports the gap).

First run, before any change (the template rewriter of commit d78e84f, scored once
with this scorer on 2026-12-07): keeps the point 0.21, invents no specifics 0.002,
apology kept 0.00, blame-free 0.98, grammatical 1.00 (by this rule check, which
does not catch every slip the templates made), length within 2x 0.81; items where
every offered rewrite is right 0.00; drafts that needed no change left unchanged
0.00 (it rewrote every message).
"""

from __future__ import annotations

from evals.framework import EVALS_DIR, Suite
from evals.suites.rewrites import score, solve

SUITE = Suite(
    name="rewrites_blind",
    description="Rewrites on 197 messages written blind to the rewriter (honest estimate)",
    dataset=EVALS_DIR / "rewrites" / "blind.jsonl",
    solve=solve,
    score=score,
)

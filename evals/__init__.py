"""Evaluation suites: labelled data sets, the function under test, scorers, thresholds.

Each module in ``evals/suites/`` defines ``SUITE``, a :class:`evals.framework.Suite`.
``python -m evals`` (or ``coach eval``) runs them, compares every metric with
``evals/thresholds.toml`` and exits non-zero on a regression.
"""

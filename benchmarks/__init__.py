"""Speed and memory benchmarks, kept apart from pass/fail tests.

Each module here defines ``run() -> dict[str, float | int | str]``. ``python -m benchmarks``
runs them (or the ones named), prints a table and writes ``benchmarks/report.json``.
"""

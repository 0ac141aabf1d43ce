"""Discover suites, run them, compare with thresholds, write reports."""

from __future__ import annotations

import argparse
import json
import pkgutil
import sys
import time
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from evals import suites as suites_pkg
from evals.framework import Suite, SuiteResult, Threshold, load_thresholds


@dataclass
class SuiteOutcome:
    suite: Suite
    result: SuiteResult | None
    seconds: float
    checks: list[tuple[Threshold, float | None, bool]]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(ok for _, _, ok in self.checks)


def discover() -> dict[str, Suite]:
    found: dict[str, Suite] = {}
    for module in pkgutil.iter_modules(suites_pkg.__path__):
        suite = getattr(import_module(f"{suites_pkg.__name__}.{module.name}"), "SUITE", None)
        if isinstance(suite, Suite):
            found[suite.name] = suite
    return dict(sorted(found.items()))


def run_suite(suite: Suite, thresholds: list[Threshold]) -> SuiteOutcome:
    started = time.perf_counter()
    try:
        result = suite.run(suite.load())
    except Exception as exc:  # a broken suite is reported, not hidden
        return SuiteOutcome(
            suite, None, time.perf_counter() - started, [], f"{type(exc).__name__}: {exc}"
        )
    seconds = time.perf_counter() - started
    checks = []
    for threshold in thresholds:
        value = result.metrics.get(threshold.metric)
        checks.append((threshold, value, value is not None and threshold.check(value)))
    return SuiteOutcome(suite, result, seconds, checks)


def _report_json(outcomes: list[SuiteOutcome]) -> dict[str, Any]:
    suites = {}
    for outcome in outcomes:
        result = outcome.result
        suites[outcome.suite.name] = {
            "passed": outcome.passed,
            "error": outcome.error,
            "seconds": round(outcome.seconds, 3),
            "items": result.items if result else 0,
            "metrics": {k: round(v, 4) for k, v in (result.metrics if result else {}).items()},
            "thresholds": [
                {"metric": t.metric, "bound": t.describe(), "value": v, "ok": ok}
                for t, v, ok in outcome.checks
            ],
            "info": result.info if result else {},
            "failures": [asdict(f) for f in (result.failures[:50] if result else [])],
        }
    return {"passed": all(o.passed for o in outcomes), "suites": suites}


def _report_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"Overall: **{'PASS' if report['passed'] else 'FAIL'}**",
        "",
    ]
    for name, suite in report["suites"].items():
        lines += [f"## {name} ({suite['items']} items, {suite['seconds']} s)", ""]
        if suite["error"]:
            lines += [f"Error: `{suite['error']}`", ""]
            continue
        bounds = {t["metric"]: t for t in suite["thresholds"]}
        lines += ["| metric | value | threshold | ok |", "|---|---|---|---|"]
        for metric, value in suite["metrics"].items():
            bound = bounds.get(metric)
            status = "" if bound is None else ("yes" if bound["ok"] else "**no**")
            lines.append(
                f"| {metric} | {value:.4f} | {bound['bound'] if bound else ''} | {status} |"
            )
        if suite["failures"]:
            lines += ["", f"First failures ({len(suite['failures'])} shown):", ""]
            for failure in suite["failures"][:15]:
                expected, got = failure["expected"], failure["got"]
                lines.append(
                    f"- `{failure['item_id']}`: expected {expected!r}, got {got!r}"
                    f" {failure['note']}"
                )
        lines.append("")
    return "\n".join(lines)


def _print_table(outcomes: list[SuiteOutcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("suite", "metric", "value", "threshold", "ok", title="Coach evaluations")
    for outcome in outcomes:
        name = outcome.suite.name
        if outcome.error:
            table.add_row(name, "error", outcome.error, "", "[red]no[/]")
            continue
        assert outcome.result is not None
        bounds = {t.metric: (t, ok) for t, _, ok in outcome.checks}
        for metric, value in outcome.result.metrics.items():
            bound = bounds.get(metric)
            ok = "" if bound is None else ("[green]yes[/]" if bound[1] else "[red]no[/]")
            table.add_row(name, metric, f"{value:.4f}", bound[0].describe() if bound else "", ok)
            name = ""
        for threshold, value, _ in outcome.checks:
            if value is None:
                table.add_row(name, threshold.metric, "missing", threshold.describe(), "[red]no[/]")
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument("suites", nargs="*", help="suite names (default: all)")
    parser.add_argument("--list", action="store_true", help="list suites and exit")
    parser.add_argument("--out", type=Path, default=None, help="where to write report.json/.md")
    args = parser.parse_args(argv)

    available = discover()
    if args.list:
        for name, suite in available.items():
            print(f"{name}: {suite.description}")
        return 0
    unknown = [name for name in args.suites if name not in available]
    if unknown:
        print(
            f"Unknown suite(s): {', '.join(unknown)}. Known: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    selected = [available[name] for name in (args.suites or available)]
    thresholds = load_thresholds()
    outcomes = [run_suite(suite, thresholds.get(suite.name, [])) for suite in selected]

    report = _report_json(outcomes)
    out_dir = args.out or (Path.cwd() / "evals" if (Path.cwd() / "evals").is_dir() else Path.cwd())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(_report_markdown(report), encoding="utf-8")
    _print_table(outcomes)
    print(f"Report written to {out_dir / 'report.md'}")
    if not outcomes:
        print("No evaluation suites found.")
        return 0
    failed = [o.suite.name for o in outcomes if not o.passed]
    if failed:
        print(f"REGRESSION in: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"All {len(outcomes)} suite(s) passed their thresholds.")
    return 0

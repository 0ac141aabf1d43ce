"""`coach eval`: run the evaluation suites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli._app import app


@app.command("eval")
def eval_command(
    suites: Annotated[
        list[str] | None, typer.Argument(help="Suites to run (default: all).")
    ] = None,
    list_suites: Annotated[bool, typer.Option("--list", help="List suites and exit.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Directory for report.json and report.md.")
    ] = None,
) -> None:
    """Run the evaluation suites and compare them with their thresholds."""
    from evals.runner import main as run_evals

    argv = [*(suites or [])]
    if list_suites:
        argv.append("--list")
    if out is not None:
        argv += ["--out", str(out)]
    raise typer.Exit(run_evals(argv))

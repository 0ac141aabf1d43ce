"""`coach eval`: run the evaluation suites.

The suites live in the ``evals`` package beside Coach (in a checkout, and in the
wheel). They run in a process of their own, ``python -m evals``, so that nothing in
the ``coach`` package imports them: evals use Coach, never the other way round.
"""

from __future__ import annotations

import subprocess
import sys
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
    argv = [sys.executable, "-m", "evals", *(suites or [])]
    if list_suites:
        argv.append("--list")
    if out is not None:
        argv += ["--out", str(out)]
    raise typer.Exit(subprocess.run(argv, check=False).returncode)  # noqa: S603 - our own module

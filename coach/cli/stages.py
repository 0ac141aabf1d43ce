"""`coach stage` guesses the stage of a description; `coach stages` lists the stage model."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.


@app.command("stage")
def stage_command(
    text: Annotated[str, typer.Argument(help="What is going on, in your words ('-' reads stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Guess which stage of starting over a description is about, and show why."""
    from coach.stages.classify import classify as classify_stage
    from coach.stages.model import get_stage

    guess = classify_stage(sys.stdin.read() if text == "-" else text)
    if as_json:
        console.print_json(guess.model_dump_json())
        return

    stage = get_stage(guess.stage)
    console.print(
        f"[bold]{stage.name}[/] ({guess.stage})  confidence {guess.confidence:.2f}"
        + ("  [yellow]unsure[/]" if guess.needs_clarification else "")
    )
    console.print(f"[dim]{escape(stage.description)}[/]")
    if guess.runners_up:
        others = ", ".join(f"{r.stage} ({r.score:g})" for r in guess.runners_up)
        console.print(f"Also possible: {others}")
    if guess.cues:
        table = Table("phrase", "counts for", "weight", title="Why")
        for cue in guess.cues:
            phrase = escape(cue.text) + (" [dim](negated)[/]" if cue.negated else "")
            table.add_row(phrase, cue.stage, f"{cue.weight:+g}")
        console.print(table)
    if guess.clarifying_question:
        console.print(f"[bold]Question:[/] {escape(guess.clarifying_question)}")


@app.command("stages")
def stages_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the stages of starting over, one line each."""
    from coach.stages.model import list_stages

    stages = list_stages()
    if as_json:
        console.print_json(json.dumps([s.model_dump(mode="json") for s in stages]))
        return
    width = max(len(s.id) for s in stages)
    for stage in stages:
        console.print(
            f"[bold]{stage.id:<{width}}[/]  {escape(stage.name)}: {escape(stage.description)}",
            soft_wrap=True,
        )

"""`coach screen`: run the safety screen on one message and show the verdict."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.


@app.command("screen")
def screen_command(
    text: Annotated[str, typer.Argument(help="The message to screen, or - to read stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    locale: Annotated[
        str | None, typer.Option(help="Country code for resources (default: COACH_LOCALE).")
    ] = None,
) -> None:
    """Screen a message for safety risks and list the help that fits."""
    from coach.cli._common import get_coach

    message = sys.stdin.read() if text == "-" else text
    screening = get_coach().screen(message, locale=locale)
    verdict = screening.verdict
    if as_json:
        console.print_json(verdict.model_dump_json())
        return
    colour = {"none": "green", "caution": "yellow", "urgent": "bold red"}[verdict.level]
    console.print(f"Level: [{colour}]{verdict.level}[/]")
    if verdict.categories:
        console.print(f"Categories: {', '.join(verdict.categories)}")
    for item in verdict.evidence:
        # Rule ids and offsets only: the person's words are not echoed back.
        console.print(f"  {item.rule} ({item.level}) at {item.start}-{item.end}", markup=False)
    if verdict.level != "none":
        console.print()
        console.print(screening.response.message, markup=False)
        for resource in verdict.resources:
            url = f"  {resource.url}" if resource.url else ""
            console.print(f"- {resource.name}: {resource.contact}{url}", markup=False)

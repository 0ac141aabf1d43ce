"""`coach draft`: check a message before sending it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.panel import Panel
from rich.text import Text

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.

if TYPE_CHECKING:
    from coach.service import DraftResult


@app.command("draft")
def draft_command(
    text: Annotated[
        str | None, typer.Argument(help="The message; '-' or omit to read stdin.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the message from a file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_rewrite: Annotated[bool, typer.Option("--no-rewrite", help="Only analyse.")] = False,
    locale: Annotated[str | None, typer.Option(help="Country code for crisis resources.")] = None,
) -> None:
    """Show what in a message may land badly, and offer "I" statement rewrites."""
    from coach.cli._common import get_coach, print_safety, read_text

    message = read_text(text, file)
    coach = get_coach()
    result = (
        coach.analyze_draft(message, locale=locale)
        if no_rewrite
        else coach.rewrite_draft(message, locale=locale)
    )
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if result.status == "safety":
        print_safety(result.safety_response)
        return
    _render(result)


def _render(result: DraftResult) -> None:

    highlighted = Text(result.text)
    styles = {
        "criticism": "bold yellow",
        "contempt": "bold red",
        "defensiveness": "bold magenta",
        "stonewalling": "bold cyan",
    }
    for finding in result.findings:
        highlighted.stylize(styles.get(finding.kind, "bold"), finding.start, finding.end)
    verdict = "blaming" if result.blame else "no blame found"
    console.print(Panel(highlighted, title=f"Your message — heat {result.heat}/100, {verdict}"))
    for n, finding in enumerate(result.findings, start=1):
        cite = f" [dim]({finding.citation.title}"
        cite += (
            f": {finding.citation.section})[/]"
            if finding.citation and finding.citation.section
            else ")[/]"
        )
        console.print(
            f"{n}. [bold]{finding.kind}[/] · {finding.marker} · “{finding.text}”\n"
            f"   {finding.explanation}\n   [green]Try:[/] {finding.suggestion}"
            + (cite if finding.citation else "")
        )
    if result.safety_response is not None:
        console.print(Panel(result.safety_response.message, border_style="yellow"))
    for option in result.rewrites:
        console.print(Panel(option.text, title=f"Rewrite: {option.style}", border_style="green"))
    if result.reminder:
        console.print(f"[dim]{result.reminder}[/]")

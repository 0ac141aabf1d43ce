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
    from coach.service import Coach, DraftResult


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
    shorter: Annotated[bool, typer.Option("--shorter", help="Prefer a short text.")] = False,
    softer: Annotated[bool, typer.Option("--softer", help="Prefer a gentler version.")] = False,
    drop_apology: Annotated[
        bool, typer.Option("--drop-apology", help="Leave your apology out of the versions.")
    ] = False,
    build: Annotated[
        bool, typer.Option("--build", help="Edit the four parts of an I-statement yourself.")
    ] = False,
    locale: Annotated[str | None, typer.Option(help="Country code for crisis resources.")] = None,
) -> None:
    """Show what in a message may land badly, and offer versions without the blame."""
    from coach.cli._common import get_coach, print_safety, read_text
    from coach.service import RewriteOptions

    message = read_text(text, file)
    coach = get_coach()
    options = RewriteOptions(keep_apology=not drop_apology, shorter=shorter, softer=softer)
    result = (
        coach.analyze_draft(message, locale=locale)
        if no_rewrite
        else coach.rewrite_draft(message, locale=locale, options=options)
    )
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if result.status == "safety":
        print_safety(result.safety_response)
        return
    _render(result)
    if build and result.i_statement is not None:
        _build(coach, result, locale)


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
    _render_offer(result)
    if result.reminder:
        console.print(f"[dim]{result.reminder}[/]")


def _render_offer(result: DraftResult) -> None:
    """The verdict, the versions, and the builder's parts when no version was sound."""
    from rich.panel import Panel

    if result.verdict_note:
        style = "green" if result.verdict == "good_to_send" else "dim"
        console.print(f"[{style}]{result.verdict_note}[/]")
    for option in result.rewrites:
        console.print(Panel(option.text, title=f"Rewrite: {option.style}", border_style="green"))
    if result.verdict == "not_built" and result.i_statement is not None:
        parts = result.i_statement
        console.print(
            "[bold]Builder, filled from your words[/] (run again with --build to edit):\n"
            f"  what happened: {parts.observation or '-'}\n  I feel: {parts.feeling}\n"
            f"  I need: {parts.need or '-'}\n  I ask: {parts.request or '-'}"
        )


def _build(coach: Coach, result: DraftResult, locale: str | None) -> None:
    """Ask for each part, pre-filled from the draft; show the sentence and what to fix."""
    from rich.panel import Panel

    parts = result.i_statement
    assert parts is not None
    console.print("[bold]Build your own[/]: press Enter to keep a part, or type your own.")
    chosen = {
        "observation": typer.prompt(
            "What happened", default=parts.observation or "", show_default=True
        ),
        "feeling": typer.prompt("I feel", default=parts.feeling),
        "need": typer.prompt("Because I need", default=parts.need or "", show_default=True),
        "request": typer.prompt(
            "What I ask (optional)", default=parts.request or "", show_default=True
        ),
    }
    composed = coach.compose_i_statement(**chosen, locale=locale)
    if composed.status == "safety" or composed.statement is None:
        from coach.cli._common import print_safety

        print_safety(composed.safety_response)
        return
    statement = composed.statement
    console.print(Panel(statement.text, title="Your I-statement", border_style="green"))
    for line in [*statement.lint.problems, *statement.lint.advice]:
        console.print(f"[yellow]•[/] {line}")

"""`coach ingest`: validate the guidance and build the retrieval index."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli._app import app, console, console_err

# Coach's own modules are imported inside the commands: `coach --help` loads none.


@app.command("ingest")
def ingest_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only validate the guidance files; build nothing.")
    ] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and rebuild.")] = False,
) -> None:
    """Validate knowledge/ and (re)build the search index incrementally."""
    from coach.config import get_settings
    from coach.knowledge import corpus

    settings = get_settings()
    base, problems = corpus.validate(settings.knowledge_dir)
    if problems:
        for problem in problems:
            console_err.print(f"[red]✗[/] {problem}")
        console_err.print(f"[bold red]{len(problems)} problem(s)[/] in {settings.knowledge_dir}")
        raise typer.Exit(65)
    passages = base.passages()
    console.print(
        f"[green]✓[/] {len(base.documents)} guidance files valid "
        f"({len(base.exercises())} exercises, {len(passages)} passages)."
    )
    if check:
        return

    from coach.knowledge.retrieval import get_index

    report = get_index(settings).ingest(base, rebuild=rebuild)
    console.print(
        f"Index at {report.location}: {report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.unchanged} unchanged ({report.seconds:.1f} s)."
    )

"""`coach doctor`: check the database, the search index and the models, and say how to fix each."""

from __future__ import annotations

import typer

from coach.cli._app import app, console
from coach.cli._common import get_coach

# Coach's own modules are imported inside the commands: `coach --help` loads none.


@app.command("doctor")
def doctor_command() -> None:
    """Check the database, the search index and the bundled models; explain each problem."""
    coach = get_coach()
    settings = coach.settings
    where = {
        "database": "in memory (don't-save mode)"
        if settings.dont_save
        else settings.public_dict()["database_url"] or settings.effective_database_url,
        "index": f"{settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_host
        else str(settings.index_dir),
        "models": "bundled with Coach",
    }
    findings = coach.doctor()
    for finding in findings:
        mark = "[green]✓[/]" if finding.ok else "[bold red]✗[/]"
        console.print(f"{mark} [bold]{finding.part}[/] ({where[finding.part]}): {finding.detail}")
        for number, step in enumerate(finding.fix, start=1):
            console.print(f"    {number}. {step}")
    broken = [finding.part for finding in findings if not finding.ok]
    if broken:
        console.print(f"[bold red]{len(broken)} problem(s):[/] {', '.join(broken)}.")
        raise typer.Exit(1)
    console.print("[green]Everything Coach needs works.[/]")

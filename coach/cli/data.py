"""`coach data`: export or delete everything Coach has stored for you."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from coach.cli._app import app, console


@app.command("data")
def data_command(
    export: Annotated[
        Path | None, typer.Option("--export", help="Write everything stored to this JSON file.")
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete everything stored.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
) -> None:
    """Export (JSON) or delete your drafts, exercise history and practice sessions."""
    from coach.cli._common import get_coach
    from coach.errors import InputError

    if not export and not delete:
        raise typer.BadParameter("Use --export FILE and/or --delete.")
    coach = get_coach()
    if export:
        data = coach.export_user_data()
        try:
            export.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"Could not write {export} ({exc.strerror}). Nothing was deleted.",
                hint="Check the folder exists and has free space.",
            ) from exc
        console.print(f"[green]✓[/] Exported to {export}")
    if delete:
        if not yes and not typer.confirm("Delete everything Coach has stored for you?"):
            raise typer.Exit(1)
        counts = coach.delete_user_data()
        console.print("[green]✓[/] Deleted: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

"""`coach data`: export, delete or purge what Coach has stored for you."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.
from coach.errors import InputError

data_app = typer.Typer(
    name="data",
    help="Export (JSON), delete or purge your drafts, exercise history and practice sessions.",
    no_args_is_help=True,
)
app.add_typer(data_app)


def _note_dont_save() -> None:
    from coach.config import get_settings

    if get_settings().dont_save:
        console.print(
            "[dim]Don't-save mode is on (COACH_DONT_SAVE): nothing is kept between runs.[/]"
        )


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all.

    The bytes go to a temporary file beside ``path`` and are renamed over it only once
    they are all on disk, so a full disk or a crash leaves no half-written export (and
    an older export at ``path`` untouched). The file is readable by its owner only.
    """

    temp_name: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        ) as handle:
            temp_name = handle.name
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except OSError as exc:
        if temp_name is not None:
            Path(temp_name).unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"Could not write {path} ({reason}). Nothing was written.",
            hint="Check the folder exists, is writable and has free space.",
        ) from None


@data_app.command("export")
def export_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The JSON file to write (replaced if it exists).")
    ],
) -> None:
    """Write everything stored for you to one JSON file."""
    from coach.cli._common import get_coach

    _note_dont_save()
    data = get_coach().export_user_data()
    write_atomically(out, json.dumps(data, indent=2, ensure_ascii=False))
    console.print(f"[green]✓[/] Exported to {out}")


@data_app.command("delete")
def delete_command(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first.")] = False,
) -> None:
    """Delete everything stored for you, for real."""
    from coach.cli._common import get_coach

    if not yes and not typer.confirm("Delete everything Coach has stored for you?"):
        raise typer.Exit(1)
    counts = get_coach().delete_user_data()
    console.print("[green]✓[/] Deleted: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@data_app.command("purge")
def purge_command(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Delete what is older than this (default COACH_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Delete stored drafts, exercises and practice sessions older than the retention period."""
    from coach.cli._common import get_coach

    _note_dont_save()
    counts = get_coach().purge_expired(days=days)
    console.print("[green]✓[/] Purged: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

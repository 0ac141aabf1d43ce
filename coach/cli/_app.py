"""The Typer application object shared by the command modules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from coach.__about__ import __version__

app = typer.Typer(
    name="coach",
    help="Coach: reflect on a relationship, draft hard messages, practise the conversation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
console = Console()
console_err = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Coach works offline by default; set COACH_LLM_MODEL to use a model endpoint."""

"""The ``coach`` command.

Each job's commands live in their own module in this package and register
themselves on :data:`app` when imported; :func:`main` imports them all. Commands
stay thin: parse, call one service function, render. Heavy libraries are imported
inside commands, never at module level, so ``coach --help`` starts fast.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module

from coach.cli._app import app, console_err
from coach.errors import CoachError

# One place maps domain errors to exit codes (sysexits.h values where one fits).
_EXIT_CODES: dict[str, int] = {
    "invalid_input": 65,
    "knowledge_error": 65,
    "not_found": 66,
    "llm_error": 69,
    "index_error": 70,
    "storage_unavailable": 75,
    "database_damaged": 74,
    "config_error": 78,
}


def _load_commands() -> None:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            import_module(f"{__name__}.{module.name}")


def main() -> None:
    """Console entry point: run the app and turn Coach errors into clear messages."""
    _load_commands()
    try:
        app()
    except CoachError as error:
        console_err.print(f"[bold red]Error:[/] {error.message}")
        if error.hint:
            console_err.print(f"[dim]{error.hint}[/]")
        sys.exit(_EXIT_CODES.get(error.code, 1))


__all__ = ["app", "main"]

"""Helpers the job commands share: reading text, building the facade, safety output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.panel import Panel

from coach.cli._app import console

# Coach's own modules are imported inside the commands: `coach --help` loads none.

if TYPE_CHECKING:
    from coach.safety import SafetyResponse
    from coach.service import Coach


def read_text(text: str | None, file: Path | None) -> str:
    """The text from the argument, a file, or stdin (``-`` or nothing piped)."""
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            from coach.errors import InputError

            raise InputError(f"{file} is not UTF-8 text.") from None
    if text is None or text == "-":
        if sys.stdin.isatty():
            raise typer.BadParameter("Give the text as an argument, with --file, or on stdin.")
        return sys.stdin.read()
    return text


def get_coach() -> Coach:
    from coach.config import get_settings
    from coach.service import Coach

    return Coach(get_settings())


def print_safety(response: SafetyResponse | None) -> None:
    """Show the safety response prominently, with every resource."""
    if response is None:
        return
    lines = [response.message, ""]
    for resource in response.resources:
        contact = f" — {resource.contact}" if resource.contact else ""
        url = f" ({resource.url})" if resource.url else ""
        lines.append(f"• [bold]{resource.name}[/]{contact}{url}")
    if response.device_warning:
        lines += ["", f"[dim]{response.device_warning}[/]"]
    urgent = response.level == "urgent"
    title = "Your safety comes first" if urgent else "Support is available"
    console.print(Panel("\n".join(lines), title=title, border_style="red" if urgent else "yellow"))

"""`coach prompts`: list the prompt templates, or render one with sample data."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.


@app.command("prompts")
def prompts_command(
    name: Annotated[
        str | None, typer.Argument(help="A template to render with sample data, e.g. rewrite.")
    ] = None,
) -> None:
    """List the prompt templates the optional model uses, or show one rendered.

    Rendering uses made-up sample data and calls no model, so you can see exactly
    what a model would be sent, with the person's text fenced as data.
    """
    from coach.config import get_settings
    from coach.llm.prompts import SYSTEM, get_library, sample_context

    library = get_library(get_settings().prompts_dir)
    if name is None:
        from rich.table import Table

        table = Table("name", "what it is for", title=f"Prompt templates in {library.directory}")
        for template in library.names():
            table.add_row(template, library.describe(template))
        console.print(table)
        console.print("[dim]Show one with sample data: coach prompts <name>[/]")
        return
    rendered = library.render(name, **sample_context(name))
    if name != SYSTEM:
        system = library.render(SYSTEM, **sample_context(SYSTEM) | {"task": name})
        console.rule("system")
        console.print(system, markup=False, highlight=False, soft_wrap=True)
    console.rule(name)
    console.print(rendered, markup=False, highlight=False, soft_wrap=True)

"""`coach db`: see where the database schema stands, or bring it up to date.

Coach migrates its database by itself when it starts, so nobody has to run these
for a personal install. They are for shared deployments: migrate once before
starting (or restarting) several workers, or hand a DBA the SQL.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.

db_app = typer.Typer(
    name="db",
    help="The database schema: show its revision or migrate it to the newest.",
    no_args_is_help=True,
)
app.add_typer(db_app)


@db_app.command("status")
def status_command() -> None:
    """Show the database's schema revision and the newest this Coach knows."""
    from coach.config import get_settings
    from coach.storage import migrate

    state = migrate.status(get_settings().effective_database_url)
    if state.up_to_date:
        console.print(f"[green]✓[/] Schema at revision {state.head} (the newest).")
    else:
        console.print(
            f"Schema at revision {state.revision or 'none'}; the newest is {state.head}. "
            "Run `coach db upgrade` (Coach also does it when it starts)."
        )


@db_app.command("upgrade")
def upgrade_command(
    sql: Annotated[
        bool,
        typer.Option("--sql", help="Print the SQL that builds the schema instead of running it."),
    ] = False,
) -> None:
    """Migrate the database (COACH_DATABASE_URL, or SQLite in the data folder) to the newest."""
    from coach.config import get_settings
    from coach.storage import migrate
    from coach.storage.repository import Store

    url = get_settings().effective_database_url
    if sql:
        migrate.upgrade_sql(url)
        return
    before = migrate.status(url).revision
    Store(url)  # opening the store migrates it (and fails clearly if it cannot)
    head = migrate.head_revision()
    if before == head:
        console.print(f"[green]✓[/] Already at revision {head}; nothing to do.")
    else:
        console.print(f"[green]✓[/] Migrated from revision {before or 'none'} to {head}.")

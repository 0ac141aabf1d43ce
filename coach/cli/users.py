"""`coach users`: the people who may sign in to a shared server (``COACH_AUTH=tokens``).

A token is printed once, alone on stdout (so ``TOKEN=$(coach users add sam)``
works); everything else goes to stderr. Coach keeps only a hash of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from coach.cli._app import app, console, console_err

# Coach's own modules are imported inside the commands: `coach --help` loads none.

if TYPE_CHECKING:
    from coach.storage.repository import Store

users_app = typer.Typer(
    help="Add people to a shared server, give them tokens, revoke them.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

_Label = Annotated[
    str | None, typer.Option("--label", help="A note to tell tokens apart, e.g. 'phone'.")
]


def _store() -> Store:
    from coach.cli._common import get_coach

    return get_coach().store


def _print_token(token: str, note: str) -> None:
    from coach.config import get_settings

    console_err.print(f"[green]✓[/] {note}")
    console_err.print("[bold]The token is shown only this once.[/] Pass it on safely:")
    typer.echo(token)
    if get_settings().auth != "tokens":
        console_err.print(
            "[dim]Tokens are only checked when the server runs with COACH_AUTH=tokens.[/]"
        )


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A short user name.")], label: _Label = None
) -> None:
    """Create a user and print their first token."""
    from coach.storage import accounts

    issued = accounts.add_user(_store(), name=name, label=label)
    _print_token(issued.token, f"Added {issued.name} (token {issued.token_id}).")


@users_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="An existing user.")], label: _Label = None
) -> None:
    """Issue another token for a user (their other tokens keep working)."""
    from coach.storage import accounts

    issued = accounts.issue_token(_store(), name=name, label=label)
    _print_token(issued.token, f"New token {issued.token_id} for {issued.name}.")


@users_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The user whose tokens to revoke.")],
    token_id: Annotated[
        str | None, typer.Option("--token", help="Only this token id (see `coach users list`).")
    ] = None,
) -> None:
    """Revoke a user's tokens (all, or one with --token); their browser sign-ins end too."""
    from coach.storage import accounts

    count = accounts.revoke(_store(), name=name, token_id=token_id)
    console.print(f"[green]✓[/] Revoked {count} token{'s' if count != 1 else ''} of {name}.")


@users_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The user to remove.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first.")] = False,
) -> None:
    """Remove a user: their tokens, sign-ins and everything Coach stored for them."""
    from coach.cli._common import get_coach
    from coach.storage import accounts

    if not yes and not typer.confirm(f"Remove {name} and delete everything stored for them?"):
        raise typer.Exit(1)
    coach = get_coach()
    user_id = accounts.remove_user(coach.store, name=name)
    counts = coach.delete_user_data(user_id=user_id)
    console.print(
        f"[green]✓[/] Removed {name}. Deleted: "
        + ", ".join(f"{value} {kind}" for kind, value in counts.items())
    )


@users_app.command("list")
def list_users() -> None:
    """Every user with their token ids (never the tokens themselves)."""
    from coach.storage import accounts

    found = accounts.list_users(_store())
    if not found:
        console.print("No users yet. Add one with `coach users add NAME`.")
        return
    table = Table("user", "tokens", "signed in", "added")
    for account in found:
        tokens = (
            ", ".join(t.id + (f" ({t.label})" if t.label else "") for t in account.tokens)
            or "[dim]none[/]"
        )
        table.add_row(
            account.name,
            tokens,
            str(account.active_sessions),
            account.created_at.strftime("%Y-%m-%d"),
        )
    console.print(table)

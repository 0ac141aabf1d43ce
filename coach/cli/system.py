"""Commands about Coach itself: its configuration and its web server."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from coach.cli._app import app, console


@app.command("config")
def config_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the effective configuration (secrets masked)."""
    from coach.config import get_settings

    data = get_settings().public_dict()
    if as_json:
        console.print_json(json.dumps(data))
        return
    table = Table("setting", "value", title="Coach configuration")
    for key, value in data.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the web app and API with uvicorn."""
    import uvicorn

    from coach.config import get_settings

    settings = get_settings()
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(f"Coach is running at [bold]http://{bind_host}:{bind_port}/[/] (Ctrl+C to stop)")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level.lower(),
    )

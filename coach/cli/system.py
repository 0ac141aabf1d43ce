"""Commands about Coach itself: its configuration and its web server."""

from __future__ import annotations

import copy
import ipaddress
import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.
from coach.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from coach.config import Settings


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
    table = Table(
        "setting",
        "value",
        title="Coach configuration",
        caption="The web server's own settings (COACH_MAX_REQUEST_BYTES, COACH_COOKIE_SECURE, "
        "COACH_SESSION_HOURS, COACH_API_DOCS, COACH_CORS_ORIGINS, COACH_RATE_LIMIT_*): "
        "python -m api.settings",
    )
    for key, value in data.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
    allow_open: Annotated[
        bool,
        typer.Option(
            "--allow-open",
            help="Serve without sign-in on a non-loopback interface (trusted networks only).",
        ),
    ] = False,
) -> None:
    """Serve the web app and API with uvicorn (several worker processes with --workers)."""
    import uvicorn

    from coach.config import get_settings

    settings = get_settings()
    bind_host = host or settings.host
    bind_port = port or settings.port
    _refuse_open_local_mode(settings, bind_host, allow_open=allow_open)
    _prepare_workers(settings, workers)
    # The workers warm their models and index before /healthz says ok (api.app).
    os.environ.setdefault("COACH_WARM_UP", "1")
    console.print(f"Coach is running at [bold]http://{bind_host}:{bind_port}/[/] (Ctrl+C to stop)")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level.lower(),
        log_config=log_config(settings.log_level),
    )


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up, with Coach's own loggers (``coach``, ``api``) at ``level``.

    uvicorn configures only its own loggers; Coach's would otherwise fall through to
    Python's last-resort handler, which shows warnings and nothing below them, so
    COACH_LOG_LEVEL=DEBUG showed none of Coach's debug lines. Each worker applies this.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["coach"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
        "use_colors": None,
    }
    config["handlers"]["coach"] = {
        "formatter": "coach",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    for name in ("coach", "api"):
        config["loggers"][name] = {"handlers": ["coach"], "level": level, "propagate": False}
    return config


def _refuse_open_local_mode(settings: Settings, host: str, *, allow_open: bool) -> None:
    """Local mode has no sign-in: everyone who can reach the port is the local person.

    That is right on 127.0.0.1 and wrong on a network interface, where anyone on the
    same Wi-Fi could read someone's most private words. So binding elsewhere needs
    tokens mode, or an explicit ``--allow-open`` for a network the person trusts.
    """

    if settings.auth != "local" or allow_open or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False  # a host name may resolve to any interface
    if not loopback:
        raise ConfigError(
            f"Refusing to serve on {host} without sign-in: anyone who can reach this "
            "address would see and change the local person's data.",
            hint="Set COACH_AUTH=tokens and create users with `coach users add NAME`, "
            "or pass --allow-open on a network you trust.",
        )


def _prepare_workers(settings: Settings, workers: int) -> None:
    """Checks and set-up that belong to the one parent process, before any worker starts."""
    from coach.storage.repository import Store

    if workers > 1 and settings.dont_save:
        raise ConfigError(
            "Don't-save mode keeps everything in one process's memory, so with several "
            "workers a person's drafts would appear and vanish from one request to the next.",
            hint="Use --workers 1 with COACH_DONT_SAVE.",
        )
    if not settings.dont_save:
        # Migrate here once, so the workers find the schema current instead of queueing
        # for the migration lock (or, on SQLite, racing for it) as they start.
        try:
            Store(settings.effective_database_url)
        except StorageError as exc:
            # Start anyway: help, the crisis lines and the safety screen need no database,
            # and /healthz and every page that does need it say what is wrong.
            console.print(f"[bold red]The database cannot be used:[/] {exc.message}")
            if exc.hint:
                console.print(f"[dim]{exc.hint}[/]")
    local = [
        name
        for name, embedded in (
            ("the SQLite file", not settings.database_url),
            ("the embedded search index", not settings.chroma_host),
        )
        if embedded
    ]
    if workers > 1 and local:
        console.print(
            f"[dim]The workers share {' and '.join(local)} on this machine (run `coach ingest` "
            "before starting them). To spread over machines, set COACH_DATABASE_URL and "
            "COACH_CHROMA_HOST (README: Deployment beyond one machine).[/]"
        )

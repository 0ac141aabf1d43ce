"""The one launcher for the servers tests, scripts and benchmarks start on loopback.

Coach itself (``uvicorn`` on the app factory, or ``coach serve`` with workers), a
throwaway PostgreSQL and a Chroma server, and any other HTTP server a test needs
(the live tests' llama.cpp): each on a free port, waited for until it answers,
stopped (and its directory removed) at the end. Plain functions and classes, no
pytest: :mod:`tests.servers.fixtures`, ``tests/e2e``, ``tests/live``,
``scripts/screenshots.py`` and ``benchmarks/load.py`` use them.
PostgreSQL comes from Debian's packages (``make servers`` installs them when we
may); it refuses to run as root, so as root the cluster is made and run by
``nobody`` in a temporary directory that user owns. The Chroma server is the
``chroma`` command the chromadb package installs. Both listen on 127.0.0.1 on a
free port, keep all their data in a temporary directory, and are stopped (and the
directory removed) at the end of the run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

# Durability buys nothing in a throwaway cluster and costs seconds per run.
_PG_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL server's bin directory, if one is installed."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def postgres_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None if they can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install -e '.[test]')"
    if postgres_bin_dir() is None:
        return (
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
            "(`make servers` as root installs Debian's postgresql)"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and `runuser` is missing, so PostgreSQL cannot be started"
    return None


def chroma_command() -> str | None:
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


def log_tail(log: Path | None, chars: int = 2000) -> str:
    return log.read_text(errors="replace")[-chars:] if log is not None and log.exists() else ""


def _wait(
    ready: Callable[[], bool],
    what: str,
    log: Path | None,
    timeout: float = 30.0,
    pause: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(pause)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s. Log tail:\n{log_tail(log)}")


def answers(url: str, process: subprocess.Popen[bytes] | None = None) -> bool:
    """Whether ``url`` answers 200 now; a server ``process`` that exited is an error."""
    if process is not None and process.poll() is not None:
        raise RuntimeError(f"the server exited with {process.returncode}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_until_answers(
    url: str,
    process: subprocess.Popen[bytes],
    *,
    what: str,
    log: Path | None,
    timeout: float = 60.0,
) -> None:
    """Wait for ``url`` to answer 200; RuntimeError with the log's tail if it never does."""
    deadline = time.monotonic() + timeout
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            state = "exited" if process.poll() is not None else f"no answer in {timeout:.0f} s"
            raise RuntimeError(f"{what} did not start ({state}). Log tail:\n{log_tail(log)}")
        time.sleep(0.2)


def stop(
    process: subprocess.Popen[bytes], *, timeout: float = 10.0, sig: int = signal.SIGTERM
) -> None:
    """Ask the process to stop; kill it if it has not within ``timeout`` seconds."""
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def clean_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment without any COACH_* or OPENAI_API_KEY, plus a data folder and ``settings``.

    So only what a test or script sets configures the server (the offline engine
    unless it names a model).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.pop("OPENAI_API_KEY", None)
    env["COACH_DATA_DIR"] = str(data_dir)
    env.update(settings)
    return env


UVICORN = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
COACH = [sys.executable, "-c", "from coach.cli import main; main()"]


@contextlib.contextmanager
def coach_server(
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    workers: int | None = None,
    command: list[str] | None = None,
    log: Path | None = None,
    timeout: float = 60.0,
    stop_signal: int = signal.SIGTERM,
    stop_timeout: float = 15.0,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Coach on a free loopback port until the block ends: its base URL and process.

    ``uvicorn`` on the app factory by default; with ``workers``, ``coach serve
    --workers N`` (``command`` names the coach command to run). ``env`` defaults to
    :func:`clean_env` with ``workdir/data``; the working directory is ``workdir``, so
    no stray ``.env`` from the checkout applies. Output goes to ``log`` when given.
    """
    env = env if env is not None else clean_env(workdir / "data")
    port = free_port()
    if workers is None:
        argv = [*UVICORN, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    else:
        argv = [*(command or COACH), "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--workers", str(workers)]
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log.open("wb")) if log is not None else None
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT if output else None
        )
        stack.callback(stop, process, timeout=stop_timeout, sig=stop_signal)
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(f"{base}/healthz", process, what="Coach", log=log, timeout=timeout)
        yield base, process


class PostgresServer:
    """A throwaway PostgreSQL cluster; superuser ``postgres`` with trust auth on 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = postgres_bin_dir()
        assert self.bin is not None
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="nobody")
            self._as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as_user, *args], check=True, capture_output=True, text=True, cwd=self.root
        )

    def start(self) -> PostgresServer:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "start",
            "-w",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            + _PG_FAST,
        )
        _wait(self._accepts, "PostgreSQL", self.log)
        return self

    def _accepts(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL Coach is given (``COACH_DATABASE_URL``)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            # FORCE ends the test's still-pooled connections (PostgreSQL 13+).
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


class ChromaServer:
    """``chroma run`` with its data in a temporary directory."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.host = "127.0.0.1"
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coach-chroma-"))
        self.log = self.root / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChromaServer:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self.command,
                    "run",
                    "--path",
                    str(self.root / "db"),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        _wait(self._healthy, "The Chroma server", self.log)
        return self

    def _healthy(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"`chroma run` exited with {self._process.returncode}")
        return answers(f"http://{self.host}:{self.port}/api/v2/heartbeat")

    def stop(self) -> None:
        if self._process is not None:
            stop(self._process)
        shutil.rmtree(self.root, ignore_errors=True)

"""Start and stop throwaway PostgreSQL and Chroma servers on loopback for the tests.

Plain functions and classes, no pytest: :mod:`tests.servers.fixtures` wraps them.
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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
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


def _wait(ready: Callable[[], bool], what: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s. Log tail:\n{tail}")


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
        try:
            with urllib.request.urlopen(
                f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=2
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

"""`coach serve --workers 2` against PostgreSQL and a Chroma server: one history for all workers.

A real ``coach serve`` process on a free loopback port, as an operator would run
it. What one request stores, every later request sees, whichever worker answers
it, because no worker keeps the person's data to itself; and a rate limit holds
for all the workers together, not for each on its own.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import create_engine

from coach.storage import migrate
from tests.support.servers import ChromaServer, clean_env, coach_server

pytestmark = pytest.mark.servers

EXERCISE = "exercise-apology-that-takes-responsibility"


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn spawned under ``pid`` (not its resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def _connections_to(pid: int, port: int) -> int:
    """How many TCP connections process ``pid`` holds open to ``port`` on this machine."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            sockets.add(target[len("socket:[") : -1])
    found = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in sockets:
            found += 1
    return found


@pytest.fixture
def served(
    postgres_url: str, empty_chroma: ChromaServer, tmp_path: Path
) -> Iterator[tuple[str, list[int]]]:
    """The base URL of a running `coach serve --workers 2`, and its worker processes' ids."""
    with _serve(
        tmp_path,
        COACH_DATABASE_URL=postgres_url,
        COACH_CHROMA_HOST=empty_chroma.host,
        COACH_CHROMA_PORT=str(empty_chroma.port),
    ) as running:
        yield running


@contextmanager
def _serve(tmp_path: Path, **settings: str) -> Iterator[tuple[str, list[int]]]:
    env = clean_env(tmp_path / "data", **settings)
    with coach_server(
        tmp_path,
        env=env,
        workers=2,
        log=tmp_path / "serve.log",
        timeout=90,
        stop_signal=signal.SIGINT,
        stop_timeout=20,
    ) as (base, process):
        yield base, _workers(process.pid)


def test_workers_share_one_history(served: tuple[str, list[int]], postgres_url: str) -> None:
    base, workers = served
    assert len(workers) == 2
    # Migrated once by the parent process before any worker started.
    engine = create_engine(postgres_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()

    done = httpx.post(
        f"{base}/v1/exercises/{EXERCISE}/done", json={"reflection": "We both listened."}
    )
    assert done.status_code == 200, done.text
    for _ in range(12):  # a new connection each time, so the requests spread over the workers
        with httpx.Client() as client:
            history = client.get(f"{base}/v1/exercises/history").json()
        assert [(e["exercise_id"], e["reflection"]) for e in history] == [
            (EXERCISE, "We both listened.")
        ]


def test_workers_share_one_rate_limit(postgres_url: str, tmp_path: Path) -> None:
    limit = 10
    with _serve(
        tmp_path,
        COACH_DATABASE_URL=postgres_url,  # COACH_RATE_LIMIT_STORE=auto: shared, on PostgreSQL
        COACH_RATE_LIMIT_PER_MINUTE=str(limit),
    ) as (base, workers):
        assert len(workers) == 2
        database_port = urlparse(postgres_url).port
        assert database_port is not None
        # /healthz (which _serve polls) is not limited; it reads the database to report
        # its health, so a worker may already hold a pooled connection from that.

        def get(_: int) -> int:
            # A new connection every time, several at once, so both workers get traffic.
            return httpx.get(f"{base}/v1/stages", timeout=30).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(get, range(60)))
        # Every worker counted requests in the database (each holds a pooled connection)...
        assert all(_connections_to(pid, database_port) >= 1 for pid in workers)

    # ...and yet all of them together let through the limit, not the limit per worker.
    # (The sliding minute lets one or two more through only if the run straddles the
    # turn of a minute and takes several seconds; counting per worker would allow 20.)
    assert set(codes) == {200, 429}
    assert limit <= codes.count(200) <= limit + 2

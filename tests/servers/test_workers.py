"""`coach serve --workers 2` against PostgreSQL and a Chroma server: one history for all workers.

A real ``coach serve`` process on a free loopback port, as an operator would run
it. What one request stores, every later request sees, whichever worker answers
it, because no worker keeps the person's data to itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from coach import migrate
from tests.servers.launch import ChromaServer, free_port

pytestmark = pytest.mark.servers

EXERCISE = "exercise-apology-that-takes-responsibility"
SERVE = [sys.executable, "-c", "from coach.cli import main; main()", "serve"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def served(
    postgres_url: str, empty_chroma: ChromaServer, tmp_path: Path
) -> Iterator[tuple[str, list[int]]]:
    """The base URL of a running `coach serve --workers 2`, and its worker processes' ids."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COACH_")},
        "COACH_DATA_DIR": str(tmp_path / "data"),
        "COACH_DATABASE_URL": postgres_url,
        "COACH_CHROMA_HOST": empty_chroma.host,
        "COACH_CHROMA_PORT": str(empty_chroma.port),
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [*SERVE, "--workers", "2", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("coach serve did not answer in 90 s")
        yield base, _children(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_workers_share_one_history(served: tuple[str, list[int]], postgres_url: str) -> None:
    base, workers = served
    assert len(workers) >= 2
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

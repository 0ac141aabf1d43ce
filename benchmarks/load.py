"""Bounded load on a real ``coach serve``: throughput, latency and the server's memory.

Why: the other benchmarks time the engine in-process; this one measures what a
person (or a handful of people) would see through the HTTP server, with its
middleware, thread pool and database writes, and whether its memory keeps
growing under steady traffic.

How: ``coach ingest`` builds the index in a temporary ``COACH_DATA_DIR``, then
``coach serve`` (offline, one worker, rate limits OFF so that the limiter does not
turn the load into 429s) listens on a free loopback port. Each endpoint gets a
warm-up round and then a measured round of a fixed number of requests with a
fixed concurrency, under a time cap, one endpoint after another. Every request
opens its own connection, as requests from many people would (see
:func:`_measure`). The server's RSS is read from ``/proc`` after warm-up and after
the measured rounds; growth over :data:`GROWTH_FLAG_MIB` is flagged.

``--servers`` runs the same load against the deployment of issue #10 instead: a
throwaway PostgreSQL and ``chroma run`` on loopback (started by the launchers in
``tests/support/servers.py``, see :func:`_start_servers`), ``coach ingest`` into
the Chroma server, and ``coach serve --workers N`` (``--workers``, default 1) with
``COACH_DATABASE_URL`` and ``COACH_CHROMA_HOST``/``PORT``. The server's RSS is
then the sum over its process tree (the uvicorn parent and every worker); the
database's and the Chroma server's are reported apart.

All traffic goes to 127.0.0.1 only. The client runs on the same machine, so the
numbers are for "server and client share these cores", not the server alone (and
with ``--servers``, PostgreSQL and Chroma share them too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from benchmarks.drafts import MESSAGE
from tests.support.servers import (
    ChromaServer,
    PostgresServer,
    chroma_command,
    clean_env,
    coach_server,
    postgres_missing,
)

CONCURRENCY = 8
WARMUP_REQUESTS = 24
MEASURED_REQUESTS = 200
TIME_CAP_SECONDS = 60.0
STARTUP_TIMEOUT_SECONDS = 120.0
TURNS_PER_SESSION = 10  # a practice conversation's length before a new session starts
GROWTH_FLAG_MIB = 25.0

DESCRIPTIONS = [
    "We keep arguing about money and I shut down whenever she raises it.",
    "Since the move we barely talk; evenings are phones and silence.",
    "He says I criticise everything he does around the house.",
    "We want to rebuild trust after I forgot her birthday again.",
]
TURNS = [
    "I'm sorry I snapped at you last night. I was tired, but that's no excuse.",
    "I feel hurt when plans change at the last minute, and I'd like us to agree on them.",
    "Can you tell me more about what that was like for you?",
    "You're right that I didn't listen. What would help you feel heard?",
    "I'd like to try again. Could we talk for ten minutes after dinner?",
]


@dataclass
class Round:
    """The outcome of one round of requests against one endpoint."""

    requests: int
    attempted: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def record_error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


# (client, request number, worker number) -> the response.
Call = Callable[[httpx.AsyncClient, int, int], Awaitable[httpx.Response]]


def run(argv: list[str] | None = None) -> dict[str, Any]:
    if "PYTEST_CURRENT_TEST" in os.environ:
        raise RuntimeError("The load benchmark starts a server: run `python -m benchmarks load`.")
    options = _parse(argv or [])
    with (
        tempfile.TemporaryDirectory(prefix="coach-load-") as workdir,
        ExitStack() as servers,
    ):
        env = _server_env(Path(workdir))
        backends: dict[str, int] = {}
        if options.servers:
            settings, backends = _start_servers(servers)
            env.update(settings)
        started = time.perf_counter()
        _coach(["ingest"], env=env, cwd=workdir)
        ingest_seconds = time.perf_counter() - started
        with coach_server(
            Path(workdir),
            env=env,
            workers=options.workers,
            command=_coach_command(),
            log=Path(workdir) / "server.log",
            timeout=STARTUP_TIMEOUT_SECONDS,
        ) as (base, server):
            result = asyncio.run(_measure(base, server.pid, backends))
        engines = (
            "PostgreSQL and a Chroma server on loopback"
            if options.servers
            else "SQLite and the embedded index in a temp dir"
        )
        workers = f"{options.workers} worker{'s' if options.workers > 1 else ''}"
        return {
            "server": f"coach serve, {workers}, offline engine, {engines}",
            "rate_limits": "off (COACH_RATE_LIMIT_ENABLED=false) so they cannot distort it",
            "concurrency": CONCURRENCY,
            "connections": "a new one per request (no keep-alive)",
            "warmup_requests_per_endpoint": WARMUP_REQUESTS,
            "measured_requests_per_endpoint": MEASURED_REQUESTS,
            "time_cap_seconds_per_endpoint": TIME_CAP_SECONDS,
            "cpu_count": os.cpu_count(),
            "ingest_seconds": round(ingest_seconds, 1),
            **result,
        }


# ---------------------------------------------------------------------------- the server


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument(
        "--servers",
        action="store_true",
        help="run against a throwaway PostgreSQL and Chroma server instead of SQLite "
        "and the embedded index",
    )
    parser.add_argument("--workers", type=int, default=1, help="coach serve --workers N")
    options = parser.parse_args(argv)
    if options.workers < 1:
        parser.error("--workers must be at least 1")
    return options


def _start_servers(stack: ExitStack) -> tuple[dict[str, str], dict[str, int]]:
    """Start PostgreSQL and Chroma on loopback; their settings, and their main processes.

    The launchers are the test suite's (``tests/support/servers.py``: plain code, no
    pytest), imported rather than copied: ``tests`` sits beside ``benchmarks`` at
    the repository root, so it is importable wherever ``python -m benchmarks`` is.
    Each server is stopped, and its directory removed, when ``stack`` closes.
    """
    reason = postgres_missing()
    if reason:
        raise RuntimeError(f"--servers needs PostgreSQL: {reason}")
    command = chroma_command()
    if command is None:
        raise RuntimeError("--servers needs the `chroma` command (from the chromadb package)")
    postgres = PostgresServer()
    stack.callback(postgres.stop)
    postgres.start()
    chroma = ChromaServer(command)
    stack.callback(chroma.stop)
    chroma.start()
    settings = {
        "COACH_DATABASE_URL": postgres.create_database("coach_load"),
        "COACH_CHROMA_HOST": chroma.host,
        "COACH_CHROMA_PORT": str(chroma.port),
    }
    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
    assert chroma._process is not None
    return settings, {"postgres": postmaster, "chroma": chroma._process.pid}


def _server_env(workdir: Path) -> dict[str, str]:
    # The offline engine, whatever this shell has set; no rate limits to distort the load.
    return clean_env(workdir / "data", COACH_RATE_LIMIT_ENABLED="false", COACH_LOG_LEVEL="WARNING")


def _coach_command() -> list[str]:
    """The ``coach`` console script of this interpreter, or its entry point if not installed."""
    script = shutil.which("coach", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from coach.cli import main; main()"]


def _coach(args: list[str], *, env: dict[str, str], cwd: str) -> None:
    done = subprocess.run(
        [*_coach_command(), *args], env=env, cwd=cwd, capture_output=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
        raise RuntimeError(f"coach {' '.join(args)} failed ({done.returncode}):\n{tail}")


def _rss_mib(pid: int, field_name: str = "VmRSS") -> float:
    """A process's memory from ``/proc/PID/status`` in MiB (NaN where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def _process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers are its children), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses; the fields after it do not.
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def _tree_rss_mib(pid: int, field_name: str = "VmRSS") -> float:
    """The memory of ``pid``'s process tree: the sum over its processes, in MiB.

    Pages the processes share (code, PostgreSQL's shared buffers) count once per
    process, so the sum is an upper bound; for VmHWM it sums each one's own peak.
    """
    return round(sum(_rss_mib(p, field_name) for p in _process_tree(pid)), 1)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used, from ``/proc/PID/stat``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def _server_processes(pid: int) -> list[int]:
    """The processes that answer requests: uvicorn's workers, or ``pid`` itself alone."""
    workers = []
    for child in _process_tree(pid)[1:]:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except OSError:
            continue
    return workers or [pid]


# ---------------------------------------------------------------------------- the load


def _endpoints() -> dict[str, Call]:
    """Each endpoint's request for the ``i``-th call, made by worker ``w``."""
    sessions: dict[int, tuple[str, int]] = {}  # worker -> (session id, turns taken)

    async def analyze(client: httpx.AsyncClient, _i: int, _w: int) -> httpx.Response:
        return await client.post("/v1/drafts/analyze", json={"text": MESSAGE})

    async def rewrite(client: httpx.AsyncClient, _i: int, _w: int) -> httpx.Response:
        return await client.post("/v1/drafts/rewrite", json={"text": MESSAGE})

    async def recommend(client: httpx.AsyncClient, i: int, _w: int) -> httpx.Response:
        body = {"description": DESCRIPTIONS[i % len(DESCRIPTIONS)], "who": "together"}
        return await client.post("/v1/exercises/recommend", json=body)

    async def practice_turn(client: httpx.AsyncClient, i: int, w: int) -> httpx.Response:
        # Each worker talks in its own session and starts a new one every few turns;
        # when it does, the start is part of that measured request.
        session_id, taken = sessions.get(w, ("", TURNS_PER_SESSION))
        if taken >= TURNS_PER_SESSION:
            started = await client.post(
                "/v1/practice",
                json={
                    "scenario": "We fought about chores and stopped talking for two days.",
                    "goal": "Apologise and agree on a plan",
                    "persona": "hurt_withdrawn",
                    "seed": i,
                },
            )
            if started.status_code != 200:
                return started
            session_id, taken = started.json()["session"]["id"], 0
        sessions[w] = (session_id, taken + 1)
        text = TURNS[taken % len(TURNS)]
        return await client.post(f"/v1/practice/{session_id}/turns", json={"text": text})

    return {
        "drafts_analyze": analyze,
        "drafts_rewrite": rewrite,
        "exercises_recommend": recommend,
        "practice_turn": practice_turn,
    }


async def _round(client: httpx.AsyncClient, call: Call, requests: int) -> Round:
    """``requests`` calls, ``CONCURRENCY`` at a time; none starts after the time cap."""
    result = Round(requests=requests)
    numbers = count()
    started = time.perf_counter()
    deadline = started + TIME_CAP_SECONDS

    async def worker(w: int) -> None:
        while (i := next(numbers)) < requests and time.perf_counter() < deadline:
            result.attempted += 1
            sent = time.perf_counter()
            try:
                response = await call(client, i, w)
            except httpx.HTTPError as exc:
                result.record_error(type(exc).__name__)
                continue
            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if not response.is_success:
                result.record_error(str(response.status_code))

    await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))
    result.seconds = time.perf_counter() - started
    return result


def _summary(name: str, measured: Round) -> dict[str, Any]:
    done = len(measured.latencies_ms)
    cuts = (
        statistics.quantiles(measured.latencies_ms, n=100, method="inclusive") if done > 1 else []
    )
    errors = sum(measured.errors.values())
    summary: dict[str, Any] = {
        f"{name}_requests": done,
        f"{name}_rps": round(done / measured.seconds, 1) if measured.seconds else 0.0,
        f"{name}_p50_ms": round(cuts[49], 1) if cuts else None,
        f"{name}_p95_ms": round(cuts[94], 1) if cuts else None,
        f"{name}_p99_ms": round(cuts[98], 1) if cuts else None,
        f"{name}_errors": errors,
    }
    if errors:
        summary[f"{name}_error_kinds"] = dict(sorted(measured.errors.items()))
    if measured.attempted < measured.requests:
        summary[f"{name}_stopped_by_time_cap"] = True
    return summary


async def _measure(base: str, pid: int, backends: dict[str, int]) -> dict[str, Any]:
    """Run every endpoint's rounds against the server ``pid`` (a process tree).

    ``backends`` names the main processes of the database and index servers, whose
    memory is reported apart from Coach's.
    """
    endpoints = _endpoints()
    # A new connection for every request (no keep-alive). uvicorn's workers share one
    # listening socket and the kernel picks a worker per connection: eight kept-alive
    # connections are dealt out once, and in one trial run all eight went to the same
    # worker, which measured one worker, not two. Connecting on loopback costs well
    # under a millisecond next to requests of 150 ms and more, in both modes alike.
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        rss_idle = _tree_rss_mib(pid)
        warmup_errors = 0
        for call in endpoints.values():
            warmup_errors += sum((await _round(client, call, WARMUP_REQUESTS)).errors.values())
        rss_warm = _tree_rss_mib(pid)
        cpu_warm = [_cpu_seconds(p) for p in _server_processes(pid)]
        report: dict[str, Any] = {}
        for name, call in endpoints.items():
            report |= _summary(name, await _round(client, call, MEASURED_REQUESTS))
        rss_after = _tree_rss_mib(pid)
        workers = _server_processes(pid)
        cpu_measured = [
            round(_cpu_seconds(p) - before, 1) for p, before in zip(workers, cpu_warm, strict=True)
        ]
        # The same rounds once more, unreported except for memory: growth that goes on
        # from one identical pass to the next is a leak; growth in the first pass alone
        # is the rest of the warm-up (with several workers, the kernel may hand one
        # worker its first request of a kind only in the measured pass).
        for call in endpoints.values():
            await _round(client, call, MEASURED_REQUESTS)
        rss_second = _tree_rss_mib(pid)
    growth = round(rss_after - rss_warm, 1)
    return {
        **report,
        "warmup_errors": warmup_errors,
        "server_processes": len(_process_tree(pid)),
        "server_rss_mib_idle": rss_idle,
        "server_rss_mib_after_warmup": rss_warm,
        "server_rss_mib_after_run": rss_after,
        "server_rss_mib_per_worker_after_run": [_rss_mib(p) for p in workers],
        "server_rss_mib_peak": _tree_rss_mib(pid, "VmHWM"),
        "server_rss_growth_mib": growth,
        "memory_growth_flag": growth > GROWTH_FLAG_MIB,
        "server_rss_mib_after_second_pass": rss_second,
        "server_rss_growth_second_pass_mib": round(rss_second - rss_after, 1),
        # How the measured rounds' work spread over the workers.
        "worker_cpu_seconds_measured": cpu_measured,
        **{f"{name}_rss_mib_after_run": _tree_rss_mib(p) for name, p in backends.items()},
    }

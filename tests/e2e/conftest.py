"""A real server and a real headless Chromium for the end-to-end tests.

The server is ``uvicorn`` on a free loopback port with its own temporary data
directory, started once per session. The browser is Debian's ``chromium`` driven
by Playwright for Python; Playwright's own browser download is never used, so
these tests run offline. The whole directory is skipped, with the reason, when
either is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import clean_env, coach_server

CHROMIUM = os.environ.get("COACH_E2E_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
# The quick exit target, answered locally so the tests never touch the network.
NEUTRAL_SITE = "https://www.bbc.com/"


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so the marker works before pyproject lists it.
    config.addinivalue_line("markers", "e2e: drives the pages in a real headless Chromium")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[e2e]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@contextlib.contextmanager
def serve(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a Coach server on a free loopback port until the block ends; yields its base URL.

    The environment is cleaned of ``COACH_*`` and ``OPENAI_API_KEY`` first, so only
    ``extra_env`` (a model endpoint, say) configures it beyond its data directory.
    """
    env = clean_env(workdir / "data", **(extra_env or {}))
    with contextlib.ExitStack() as stack:
        try:
            base, _ = stack.enter_context(
                coach_server(workdir, env=env, log=workdir / "server.log")
            )
        except RuntimeError as exc:
            pytest.fail(f"Coach server did not start:\n{exc}")
        yield base


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a Coach server with an empty data directory of its own."""
    if _missing():
        pytest.skip(_missing() or "")
    with serve(tmp_path_factory.mktemp("e2e-server")) as base:
        yield base


# Package scope: Playwright's sync API keeps an event loop running in this thread
# while it is open, which would break asyncio.run in tests collected after these.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _neutral(route: Any) -> None:
    route.fulfill(
        status=200,
        content_type="text/html",
        body="<!doctype html><title>Weather</title><h1>Weather</h1>",
    )


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; a screenshot of where it ended is kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("https://www.bbc.com/**", _neutral)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # A screenshot is a bonus, never the reason a test fails.
        with contextlib.suppress(Exception):
            tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


def shot(page: Any, name: str) -> None:
    """Save a named screenshot mid-test (the fixture saves the final state too)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

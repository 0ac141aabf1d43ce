"""Take the README's screenshots: each main page at desktop size, with real content.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Why a script: screenshots made by hand drift from the app. This one starts Coach on
a free loopback port with a throwaway data directory (so no one's history is ever
photographed), drives each job with example text in Debian's Chromium through
Playwright for Python, and writes one PNG per page. Nothing is fetched from the
network: the quick-exit site is answered locally and Playwright's browser download
is never used.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the one server launcher lives with the tests

from tests.support import servers  # noqa: E402

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
VIEWPORT = {"width": 1280, "height": 860}

DRAFT = "You never listen to me and you always make everything about you."
SITUATION = "Since we got back together I find it hard to trust what he tells me."
SCENARIO = "We argue about chores and I want to bring it up calmly."


@contextmanager
def coach_server(data_dir: Path) -> Iterator[str]:
    """Coach on a free loopback port with its own data directory, offline (the test launcher)."""
    with servers.coach_server(data_dir.parent, env=servers.clean_env(data_dir)) as (base, _):
        yield base


def _save(page: Any, out: Path, name: str, *, anchor: str | None = None) -> None:
    if anchor:
        page.locator(anchor).scroll_into_view_if_needed()
        page.evaluate(
            "(sel) => window.scrollTo(0, document.querySelector(sel).offsetTop - 16)", anchor
        )  # keep the section's heading in the picture
    page.mouse.move(0, 0)
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def take(base: str, out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        context.route(
            "https://www.bbc.com/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body="Weather"),
        )
        context.set_default_timeout(120_000)  # the first exercise builds the search index
        page = context.new_page()

        page.goto(f"{base}/")
        _save(page, out, "home")

        page.goto(f"{base}/draft")
        page.get_by_label("The message you are thinking of sending").fill(DRAFT)
        page.get_by_role("button", name="Check my message").click()
        page.locator(".finding-toggle").first.click()
        _save(page, out, "draft")

        page.goto(f"{base}/exercises")
        page.get_by_label("What is going on?").fill(SITUATION)
        page.get_by_label("On my own").check()
        page.get_by_role("button", name="Suggest an exercise").click()
        _save(page, out, "exercise")

        page.goto(f"{base}/practice")
        page.get_by_label("What do you want to talk about?").fill(SCENARIO)
        page.get_by_label("What would a good outcome be?").fill("Agree on a fair split")
        page.get_by_role("button", name="Start practising").click()
        for line in [
            "You never do the dishes.",
            "I feel tired when the dishes pile up. Could we take turns this week?",
        ]:
            page.get_by_label("What you say").fill(line)
            page.get_by_role("button", name="Say it").click()
        _save(page, out, "practice")
        page.get_by_role("button", name="End and see summary").click()
        _save(page, out, "practice-summary", anchor="#summary")

        page.goto(f"{base}/history")
        _save(page, out, "history")

        page.goto(f"{base}/help")
        _save(page, out, "help")

        page.goto(f"{base}/draft")
        page.get_by_label("The message you are thinking of sending").fill(
            "I want to kill myself tonight."
        )
        page.get_by_role("button", name="Check my message").click()
        _save(page, out, "safety")

        context.close()
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="browser"
    )
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"Chromium not found at {args.chromium}: apt-get install -y chromium")
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("Playwright for Python is missing: pip install -e '.[e2e]'")
        return 2
    with tempfile.TemporaryDirectory(prefix="coach-shots-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        with coach_server(data_dir) as base:
            take(base, args.out.resolve(), args.chromium)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

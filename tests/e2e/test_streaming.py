"""The draft page streaming a model's rewrites, in a real headless Chromium.

The Coach server runs with a model configured against a fake OpenAI-compatible
endpoint on loopback (``FakeOpenAI`` below): it speaks the real chat-completions
wire format, streamed as ``data: {...}`` chunks ending in ``data: [DONE]``, slowly
enough that the page can be watched while the model "writes". The fake only
scripts what the model says; every check, the stream route and the page are real.
The SSE parser in coach.js is covered here, through the browser, since it is
JavaScript. Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.coach.llm.test_stream import DRAFT, GOOD
from tests.coach.llm.test_wire import completion, sse_body
from tests.e2e.conftest import serve, shot

URGENT = "I want to kill myself tonight, I have the pills ready."
TEXT_FIELD = "The message you are thinking of sending"
# Readable JSON, but each version still opens with blame: the checks refuse it after
# it has streamed, so the page must take it back.
BLAMING = json.dumps(
    {
        "rewrites": [
            {
                "style": "gentle",
                "text": (
                    "You always leave the dishes to me. I feel tired. Could you wash them tonight?"
                ),
                "why": "x",
            },
            {
                "style": "direct",
                "text": (
                    "You always leave the dishes. I am frustrated. Would you take them on Mondays?"
                ),
                "why": "x",
            },
        ]
    }
)
# The first request of a fresh server builds the search index before the model is
# asked anything; on a busy machine that takes a while.
FIRST_TOKEN_TIMEOUT_S = 180


def texts_of(reply: str) -> list[str]:
    """The rewrite texts a scripted model reply contains."""
    return [r["text"] for r in json.loads(reply)["rewrites"]]


# ---------------------------------------------------------------------------- fake model


class FakeOpenAI:
    """``POST /v1/chat/completions`` on loopback, answering from a script.

    Streamed requests get the reply as SSE chunks, ``delay`` seconds apart (after
    ``first_delay``); others get one JSON completion. Every request body is kept.
    """

    def __init__(self, *, delay: float = 0.12, first_delay: float = 0.6) -> None:
        self.delay = delay
        self.first_delay = first_delay
        self.requests: list[dict[str, Any]] = []
        self._replies: list[str] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def script(self, *replies: str) -> None:
        """Answer the next requests with ``replies`` in turn (the last one repeats)."""
        with self._lock:
            self._replies = list(replies)
            self.requests.clear()

    def take(self, body: dict[str, Any]) -> str:
        with self._lock:
            self.requests.append(body)
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        fake: FakeOpenAI = self.server.fake  # type: ignore[attr-defined]
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        reply = fake.take(body)
        if not body.get("stream"):
            data = json.dumps(completion(reply)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        time.sleep(fake.first_delay)
        for event in sse_body(reply, pieces=24).split(b"\n\n"):
            if event:
                self.wfile.write(event + b"\n\n")
                self.wfile.flush()
                time.sleep(fake.delay)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests carry test drafts, and the test reads ``requests`` instead."""


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeOpenAI) -> Iterator[str]:
    """A Coach server whose model is the fake; no key, as for a local server."""
    env = {
        "COACH_LLM_MODEL": "smollm2-test",
        "COACH_LLM_BASE_URL": fake_llm.base_url,
        "COACH_LLM_MAX_RETRIES": "0",
    }
    with serve(tmp_path_factory.mktemp("e2e-llm-server"), env) as base:
        yield base


# ---------------------------------------------------------------------------- helpers

_STATE = """() => {
  const section = document.querySelector("#rewrites");
  const live = document.querySelector("[data-stream-live]");
  const list = document.querySelector("#rewrites .rewrites");
  const status = document.querySelector("[data-stream-status]");
  return {
    text: live ? live.querySelector("[data-stream-text]").textContent : "",
    liveShown: Boolean(live && !live.hidden),
    listShown: Boolean(list && !list.hidden),
    status: status ? status.textContent : "",
    present: Boolean(section),
  };
}"""


def watch_stream(
    page: Any, timeout_s: float = FIRST_TOKEN_TIMEOUT_S, *, shoot_streaming: str | None = None
) -> list[dict[str, Any]]:
    """Snapshots of the rewrites section, polled until the checked list is shown.

    Each snapshot is read in one evaluation, so "text shown while the list is still
    hidden" is a real moment on the page, not two reads stitched together.
    ``shoot_streaming`` names a screenshot taken the first time tokens are on screen.
    """
    snapshots: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(_STATE)
        if not snapshots or state != snapshots[-1]:
            snapshots.append(state)
        if shoot_streaming and state["liveShown"] and state["text"].strip():
            shot(page, shoot_streaming)
            shoot_streaming = None
        # `status` is empty until coach.js has taken the section over.
        if state["listShown"] and state["status"]:
            return snapshots
        page.wait_for_timeout(25)
    pytest.fail(f"The checked rewrites never appeared; last state: {snapshots[-1:]}")


def check(page: Any, server: str, text: str) -> None:
    page.goto(f"{server}/draft")
    page.get_by_label(TEXT_FIELD).fill(text)
    # Wait for the result page's own scripts, not just the start of the navigation.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Check my message").click()


def shown_rewrites(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#rewrites .rewrite-text").all_inner_texts()]


# ---------------------------------------------------------------------------- tests


def test_tokens_stream_in_then_the_checked_rewrites_replace_them(
    page: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(GOOD)
    check(page, llm_server, DRAFT)
    assert page.locator("form[data-stream]").count() == 1
    # The server's own analysis is on the page at once, from the same template.
    assert page.locator("#highlights mark").count() >= 1
    assert page.get_by_text("Draft in progress, not checked yet").is_visible()

    snapshots = watch_stream(page, shoot_streaming="draft-streaming-in-progress")
    provisional = [s["text"] for s in snapshots if s["liveShown"] and not s["listShown"]]
    streamed = [t for t in provisional if t.strip()]
    # Several growing states before `done`: tokens arrive one after another.
    assert len(set(streamed)) >= 3, snapshots
    first_text = texts_of(GOOD)[0]
    assert any(first_text.startswith(t) and t != first_text for t in streamed), streamed
    # Raw JSON never shows, only the text being written.
    assert not any('"rewrites"' in t for t in streamed)

    final = snapshots[-1]
    assert not final["liveShown"]
    assert "passed Coach's checks" in final["status"]
    assert shown_rewrites(page) == texts_of(GOOD)
    assert page.locator("#rewrites h3").all_inner_texts() == ["Gentle", "Direct"]
    assert page.get_by_role("button", name="Copy").first.is_visible()
    # Focus moves to the result, so keyboard and screen-reader users land on it.
    assert page.evaluate("document.activeElement.id") == "rewrites-title"
    # The model was asked once, streamed: the page did not run it a second time.
    assert [r.get("stream") for r in fake_llm.requests] == [True]
    shot(page, "draft-streamed")


def test_a_streamed_draft_that_fails_the_checks_is_retracted(
    page: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    fake_llm.script(BLAMING, GOOD)
    check(page, llm_server, DRAFT)

    snapshots = watch_stream(page)
    blamed = [i for i, s in enumerate(snapshots) if "You always" in s["text"]]
    assert blamed, snapshots
    cleared = [
        i
        for i, s in enumerate(snapshots)
        if i > blamed[-1] and "removed" in s["status"] and "You always" not in s["text"]
    ]
    assert cleared, snapshots[blamed[-1] :]
    # The retry streams again before the checked result.
    assert any(s["text"].strip() for s in snapshots[cleared[0] :])
    assert shown_rewrites(page) == texts_of(GOOD)
    assert "You always" not in page.locator("#rewrites").inner_text()
    assert len(fake_llm.requests) == 2
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"
    shot(page, "phone-draft-retracted")


def test_urgent_text_shows_only_resources_and_never_reaches_the_model(
    page: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(GOOD)
    check(page, llm_server, URGENT)
    safety = page.locator("#safety")
    assert safety.is_visible()
    assert "988" in safety.inner_text()
    page.wait_for_timeout(1500)  # time for any stray stream to start, were there one
    assert page.locator("#rewrites").count() == 0
    assert page.locator("[data-stream-text]").count() == 0
    assert page.locator("mark").count() == 0
    assert page.locator("main form").count() == 0
    assert URGENT not in page.content()
    assert fake_llm.requests == []
    shot(page, "draft-streaming-urgent")


def test_without_javascript_the_form_posts_and_renders_the_models_rewrites(
    browser: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(GOOD)
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        check(tab, llm_server, DRAFT)
        assert tab.locator("#highlights mark").count() >= 1
        # Rendered by the server, after a plain (not streamed) call to the model.
        assert shown_rewrites(tab) == texts_of(GOOD)
        assert [bool(r.get("stream")) for r in fake_llm.requests] == [False]
        assert tab.locator("[data-stream-live]").count() == 0
        shot(tab, "draft-llm-no-js")
    finally:
        context.close()


def test_a_broken_stream_falls_back_to_coachs_own_rewrites(
    page: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(GOOD)
    page.route("**/v1/drafts/rewrite/stream", lambda route: route.abort())
    check(page, llm_server, DRAFT)
    snapshots = watch_stream(page, timeout_s=30)
    assert "could not be loaded" in snapshots[-1]["status"]
    assert not snapshots[-1]["liveShown"]
    # The server-rendered offline rewrites were kept in the page and are shown.
    offline = shown_rewrites(page)
    assert len(offline) >= 2
    assert offline != texts_of(GOOD)
    assert fake_llm.requests == []


def test_the_sse_parser_reads_lf_framing_comments_and_multiline_data(
    page: Any, llm_server: str, fake_llm: FakeOpenAI
) -> None:
    """The framing the server does not happen to send (LF only, comments, split data).

    The `done` payload here is hand-written, so this pins the parser and that model
    text is inserted as text, never as markup.
    """
    fake_llm.script(GOOD)
    hostile = 'I feel <img src=x id="injected"> worried. Could we talk tonight?'
    done = {
        "result": {"rewrites": [{"style": "gentle", "text": hostile, "why": []}]},
        "engine": "llm:handwritten",
        "fallback_reason": None,
    }
    lines = json.dumps(done, indent=1).splitlines()
    body = (
        ": ping\n\n"
        'event: token\ndata: {"text": "{\\"rewrites\\": [{\\"text\\": \\"I feel"}\n\n'
        "event: done\n" + "".join(f"data: {line}\n" for line in lines) + "\n"
    )
    page.route(
        "**/v1/drafts/rewrite/stream",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    check(page, llm_server, DRAFT)
    watch_stream(page, timeout_s=30)
    assert shown_rewrites(page) == [hostile]
    assert page.locator("#injected").count() == 0
    assert fake_llm.requests == []

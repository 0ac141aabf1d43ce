"""The model call's limits: one deadline for the whole call, one call at a time, small budgets.

COACH_LLM_TIMEOUT_SECONDS bounds everything (waiting for a slot, retries, the
pauses between them); on timeout the HTTP connection is closed so a local server
stops working; COACH_LLM_CONCURRENCY calls at a time reach one endpoint; and the
rewrite prompt and answer fit a small local model.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessageChunk, BaseMessage
from pydantic import Field

from coach.config import Settings
from coach.drafts.analysis import analyze
from coach.drafts.rewrite import rewrite
from coach.knowledge.retrieval import SearchHit
from coach.llm import (
    PartnerPersona,
    ResultEvent,
    TranscriptTurn,
    build_chat_model,
    partner_reply,
    rewrite_with_llm,
    stream_rewrite,
)
from coach.llm.provider import call_limits, call_model
from coach.llm.tasks.base import MAX_TOKENS
from coach.llm.tasks.rewrite import _RewriteTask

DRAFT = "You never help with the dishes, you're so lazy."
PERSONA = PartnerPersona(name="Sam", brief="Tired after work, a bit defensive.")
TURNS = [TranscriptTurn(speaker="user", text="Can we talk about Fridays?")]
MARGIN = 1.0  # seconds past the timeout a fallback may take


class SlowFake(FakeListChatModel):
    """A model that takes ``delay`` seconds per call (a hung local server)."""

    delay: float = 30.0
    calls: list[float] = Field(default_factory=list)

    def _call(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append(time.monotonic())
        time.sleep(self.delay)
        return super()._call(*args, **kwargs)


class FailingFake(FakeListChatModel):
    """Every call fails at once with a retryable error."""

    calls: list[float] = Field(default_factory=list)

    def _call(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append(time.monotonic())
        raise httpx.ConnectError("refused")


class SlowStream(GenericFakeChatModel):
    async def _astream(self, *args: Any, **kwargs: Any) -> Any:
        for word in ["{", '"rewrites"', ": ["]:
            await asyncio.sleep(0.2)
            yield _chunk(word)
        await asyncio.sleep(30)


def _chunk(text: str) -> Any:
    from langchain_core.outputs import ChatGenerationChunk

    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def partner(model: Any, settings: Settings) -> Any:
    return partner_reply(model, settings, PERSONA, "Fridays", TURNS, "Okay.")


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    # Coach's own first-use loading (lexicons, the screen, the SDK) is not the model's time.
    import langchain_openai
    import openai

    del langchain_openai, openai
    partner(FakeListChatModel(responses=["Fine."]), Settings(llm_model="fake"))
    analysis = analyze(DRAFT)
    rewrite_with_llm(
        FakeListChatModel(responses=["{}"]), Settings(llm_model="fake"), DRAFT, analysis, [], []
    )


# ---------------------------------------------------------------------------- deadline


def test_a_hung_model_falls_back_within_the_timeout() -> None:
    settings = Settings(llm_model="fake", llm_timeout_seconds=1, llm_max_retries=3)
    model = SlowFake(responses=["Fine."])
    started = time.monotonic()
    answer = partner(model, settings)
    elapsed = time.monotonic() - started
    assert (answer.engine, answer.fallback_reason) == ("offline-fallback", "timeout")
    assert elapsed < 1 + MARGIN
    assert len(model.calls) == 1, "a timeout used the whole budget: no retry"


def test_retries_stay_inside_the_timeout() -> None:
    settings = Settings(llm_model="fake", llm_timeout_seconds=1.2, llm_max_retries=5)
    model = FailingFake(responses=["Fine."])
    started = time.monotonic()
    answer = partner(model, settings)
    assert time.monotonic() - started < 1.2 + MARGIN
    assert answer.fallback_reason == "connection"
    assert 2 <= len(model.calls) <= 3


def test_a_hung_stream_falls_back_within_the_timeout() -> None:
    settings = Settings(llm_model="fake", llm_timeout_seconds=1, llm_max_retries=3)
    analysis = analyze(DRAFT)

    async def collect() -> tuple[list[Any], float]:
        model = SlowStream(messages=iter([]))
        offline = rewrite(DRAFT, analysis)
        started = time.monotonic()
        events = stream_rewrite(model, settings, DRAFT, analysis, [], offline)
        return [e async for e in events], time.monotonic() - started

    events, elapsed = asyncio.run(collect())
    assert elapsed < 1 + MARGIN
    assert isinstance(events[-1], ResultEvent)
    assert events[-1].answer.fallback_reason == "timeout"


# ---------------------------------------------------------------------------- one at a time


class CountingSlow(FakeListChatModel):
    active: list[int] = Field(default_factory=lambda: [0, 0])  # now, most at once

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.active[0] += 1
        self.active[1] = max(self.active)
        time.sleep(0.2)
        self.active[0] -= 1
        return "Fine."


@pytest.mark.parametrize(("concurrency", "expected"), [(1, 1), (3, 3)])
def test_model_calls_per_endpoint_are_limited(concurrency: int, expected: int) -> None:
    settings = Settings(
        llm_model="fake",
        llm_base_url=f"http://127.0.0.1:9/v{concurrency}",
        llm_concurrency=concurrency,
    )
    model = CountingSlow(responses=["Fine."])
    threads = [
        threading.Thread(
            target=call_model,
            args=(model, [("human", "hi")]),
            kwargs={"limits": call_limits(settings)},
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert model.active[1] == expected


def test_concurrency_defaults_to_one() -> None:
    assert Settings().llm_concurrency == 1


# ---------------------------------------------------------------------------- the wire


@pytest.fixture
def silent_server() -> Iterator[dict[str, Any]]:
    """A loopback server that reads requests and never answers; records closed connections."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: dict[str, Any] = {"port": server.getsockname()[1], "opened": 0, "closed": []}
    stop = threading.Event()

    def hold(conn: socket.socket) -> None:
        conn.settimeout(0.1)
        while not stop.is_set():
            try:
                if conn.recv(65536) == b"":
                    seen["closed"].append(time.monotonic())
                    break
            except TimeoutError:
                continue
            except OSError:
                seen["closed"].append(time.monotonic())
                break
        conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            seen["opened"] += 1
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield seen
    stop.set()
    server.close()


def test_the_connection_is_closed_on_timeout(silent_server: dict[str, Any]) -> None:
    settings = Settings(
        llm_model="local-test",
        llm_base_url=f"http://127.0.0.1:{silent_server['port']}/v1",
        llm_timeout_seconds=1,
        llm_max_retries=2,
    )
    model = build_chat_model(settings)
    started = time.monotonic()
    answer = partner(model, settings)
    assert time.monotonic() - started < 1 + MARGIN
    assert answer.fallback_reason == "timeout"
    deadline = time.monotonic() + 2
    while not silent_server["closed"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert silent_server["opened"] == 1, "no retry queued behind a request that timed out"
    assert silent_server["closed"], "the client closed the connection, so the server can stop"
    assert silent_server["closed"][0] - started < 1 + MARGIN


# ---------------------------------------------------------------------------- budgets


def count_tokens(text: str) -> int:
    paths = sorted(Path("coach/data/models").glob("*/tokenizer.json"))
    try:
        from tokenizers import Tokenizer

        return len(Tokenizer.from_file(str(paths[0])).encode(text).ids)
    except (ImportError, IndexError):  # pragma: no cover - the tokenizer ships with Coach
        return round(len(text.split()) * 1.33)


def test_the_rewrite_prompt_and_answer_fit_a_small_model() -> None:
    draft = (
        "You never help with the dishes and you always leave your stuff everywhere. "
        "I asked you three times last week to take out the rubbish and you just ignored me, "
        "and then you acted like I was nagging. I'm sick of doing everything around here "
        "while you play games all evening, it's like living with a teenager."
    )
    assert len(draft.split()) >= 55
    analysis = analyze(draft)
    passage = SearchHit(
        id="technique-i-statements#the-i-statement-formula",
        doc_id="technique-i-statements",
        title="I-statements",
        section="The I-statement formula",
        text="An I-statement names what happened, how you feel and what you need. " * 12,
        score=0.9,
        kind="technique",
        stages=["balance"],
        sources=[],
    )
    task = _RewriteTask(
        Settings(llm_model="fake"),
        rewrite(draft, analysis),
        draft,
        analysis,
        [passage] * 3,
        None,
        None,
    )
    messages = task.messages(["The gentle version lost the person's point."])
    prompt = "\n".join(content for _, content in messages)
    assert count_tokens(prompt) <= 600
    assert MAX_TOKENS["rewrite"] <= 200
    assert all(budget <= 200 for budget in MAX_TOKENS.values())

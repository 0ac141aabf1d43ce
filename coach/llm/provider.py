"""The chat model boundary: build a ``ChatOpenAI``, call it, translate its failures once.

Why ``ChatOpenAI``: one client speaks to OpenAI and to every local
OpenAI-compatible server (Ollama, llama.cpp's server, vLLM), so a person can keep
everything on their own machine by pointing ``COACH_LLM_BASE_URL`` at loopback.

Every third-party failure (the OpenAI SDK's, httpx's, a malformed payload) is
turned into :class:`ModelCallError` with a short ``reason`` here and nowhere else;
the task functions turn that into the offline answer. LangChain and the OpenAI SDK
are imported inside functions so nothing heavy loads unless a model is configured.

Nothing here logs text: only the model label, token counts and milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from coach.errors import ConfigError, LLMError

if TYPE_CHECKING:
    import httpx
    from langchain_core.language_models import BaseChatModel

    from coach.config import Settings
    from coach.llm.protocol import ChatModel

log = logging.getLogger("coach.llm")

FallbackReason = Literal[
    "timeout",  # the endpoint did not answer within llm_timeout_seconds (after retries)
    "connection",  # nothing listening, DNS, TLS, connection reset
    "rate_limited",  # HTTP 429 after the client's own retries
    "server_error",  # HTTP 5xx after retries, or another HTTP error status (401, 404, 400)
    "malformed",  # the reply could not be read or did not follow the requested format
    "failed_checks",  # readable, but the task's own checks refused it (twice)
    "unsafe",  # the safety screen flagged the generated text
    "unexpected",  # any other failure; logged by exception class only
]

Messages = Sequence[tuple[str, str]]

# Local servers ignore the key but the OpenAI SDK refuses to start without one.
_LOCAL_DUMMY_KEY = "not-needed-for-local-servers"
# A failed attempt waits this long (within the deadline) before the next one.
RETRY_BACKOFF_SECONDS = 0.5
# Reasons worth another attempt; a timeout has used the whole budget already.
_RETRYABLE: frozenset[str] = frozenset({"connection", "rate_limited", "server_error"})


@dataclass(frozen=True)
class CallLimits:
    """How long a whole model call may take (retries included), and whose turn it is.

    ``timeout_seconds`` bounds everything: waiting for a slot, every attempt and the
    pauses between them. Each attempt's HTTP request gets the time that is left as
    its own timeout, so the client closes the connection when the budget is spent
    and a local server stops working on a request nobody is waiting for. ``slot``
    lets ``COACH_LLM_CONCURRENCY`` calls at a time reach one endpoint.
    """

    timeout_seconds: float | None = None
    retries: int = 0
    slot: threading.BoundedSemaphore | None = None


_SLOTS: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def call_limits(settings: Settings) -> CallLimits:
    """The configured deadline, retries and the endpoint's shared concurrency slot."""
    key = (settings.llm_base_url or "openai", settings.llm_concurrency)
    with _SLOTS_LOCK:
        slot = _SLOTS.get(key)
        if slot is None:
            slot = _SLOTS[key] = threading.BoundedSemaphore(settings.llm_concurrency)
    return CallLimits(settings.llm_timeout_seconds, settings.llm_max_retries, slot)


class _Deadline:
    def __init__(self, limits: CallLimits) -> None:
        self.limits = limits
        self.ends = (
            None if limits.timeout_seconds is None else (time.monotonic() + limits.timeout_seconds)
        )

    def left(self) -> float | None:
        return None if self.ends is None else max(self.ends - time.monotonic(), 0.0)

    def expired(self) -> bool:
        left = self.left()
        return left is not None and left <= 0


def _timed_out(model: object) -> ModelCallError:
    log.warning("llm call failed model=%s reason=timeout error=deadline", model_label(model))
    return ModelCallError("timeout", "The model call failed (timeout).")


class ModelCallError(LLMError):
    """A model call failed; ``reason`` says how, for the fallback and the accounting."""

    def __init__(self, reason: FallbackReason, message: str) -> None:
        super().__init__(message, hint="Coach answered with its offline engine instead.")
        self.reason: FallbackReason = reason


@dataclass(frozen=True)
class ModelReply:
    """The text of one completion and what it cost."""

    text: str
    latency_ms: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def build_chat_model(
    settings: Settings,
    *,
    http_client: httpx.Client | None = None,
    http_async_client: httpx.AsyncClient | None = None,
) -> BaseChatModel:
    """A ``ChatOpenAI`` for the configured endpoint.

    ``http_client``/``http_async_client`` are the seams the wire tests use to put an
    ``httpx.MockTransport`` under the real client. Raises :class:`ConfigError` when
    no model is configured or a hosted endpoint has no key.
    """
    if not settings.llm_enabled:
        raise ConfigError(
            "No language model is configured.",
            hint="Set COACH_LLM_MODEL (and COACH_LLM_BASE_URL for a local server).",
        )
    if settings.llm_api_key is not None:
        api_key = settings.llm_api_key.get_secret_value()
    elif settings.llm_base_url:
        api_key = _LOCAL_DUMMY_KEY
    else:
        raise ConfigError(
            "COACH_LLM_MODEL is set but there is no API key for the hosted endpoint.",
            hint="Set COACH_LLM_API_KEY or OPENAI_API_KEY, or COACH_LLM_BASE_URL for a "
            "local OpenAI-compatible server.",
        )
    # LangChain and the OpenAI SDK load only here, when a model is configured.
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "api_key": api_key,
        "base_url": settings.llm_base_url,
        # Per request; call_model narrows it to what is left of the whole call's budget.
        "timeout": settings.llm_timeout_seconds,
        # Retries happen in call_model, inside COACH_LLM_TIMEOUT_SECONDS, not in the SDK,
        # whose retries would each get the full timeout again.
        "max_retries": 0,
        "temperature": settings.llm_temperature,
        # Token counts in the last streamed chunk, for the accounting.
        "stream_usage": True,
    }
    if http_client is not None:
        kwargs["http_client"] = http_client
    if http_async_client is not None:
        kwargs["http_async_client"] = http_async_client
    return ChatOpenAI(**kwargs)


def model_label(model: object) -> str:
    """The name that goes into ``engine: "llm:<label>"``."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(getattr(model, "_llm_type", type(model).__name__))


def classify_failure(exc: BaseException) -> FallbackReason:
    """Map an exception from LangChain, the OpenAI SDK or httpx to a fallback reason."""
    reason = _openai_reason(exc) or _transport_reason(exc)
    if reason is not None:
        return reason
    if isinstance(
        exc, json.JSONDecodeError | KeyError | IndexError | TypeError | ValueError | AttributeError
    ):
        # A body that is not the chat-completions JSON the SDK expects.
        return "malformed"
    return "unexpected"


def _openai_reason(exc: BaseException) -> FallbackReason | None:
    # The SDK is imported only once a model call has failed: never on an offline install.
    try:
        import openai
    except ImportError:  # pragma: no cover - openai is a declared dependency
        return None
    # APITimeoutError is a subclass of APIConnectionError: test it first.
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APIResponseValidationError | openai.LengthFinishReasonError):
        # A body the SDK cannot read, or JSON cut off at max_tokens.
        return "malformed"
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return "unsafe"
    if isinstance(exc, openai.APIStatusError):
        return "server_error"
    return None


def _transport_reason(exc: BaseException) -> FallbackReason | None:
    # httpx comes with the SDK; imported here for the same reason.
    try:
        import httpx
    except ImportError:  # pragma: no cover
        httpx = None  # type: ignore[assignment]
    if httpx is not None:
        if isinstance(exc, httpx.TimeoutException):
            return "timeout"
        if isinstance(exc, httpx.TransportError):
            return "connection"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError):
        return "connection"
    return None


def _failure(exc: BaseException, model: object) -> ModelCallError:
    reason = classify_failure(exc)
    log.warning(
        "llm call failed model=%s reason=%s error=%s",
        model_label(model),
        reason,
        type(exc).__name__,
    )
    return ModelCallError(reason, f"The model call failed ({reason}).")


def _usage(message: Any) -> tuple[int | None, int | None]:
    usage = getattr(message, "usage_metadata", None) or {}
    return usage.get("input_tokens"), usage.get("output_tokens")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        # Content blocks: keep the text parts.
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str | dict)
        )
    raise TypeError("The model returned content that is not text.")


def _bound(
    model: ChatModel, *, max_tokens: int | None, json_mode: bool, timeout: float | None = None
) -> Any:
    kwargs: dict[str, Any] = {}
    if timeout is not None and hasattr(model, "root_client"):
        # The OpenAI SDK's per-request timeout: httpx closes the connection when it fires.
        kwargs["timeout"] = max(timeout, 0.01)
    if max_tokens is not None:
        if getattr(model, "openai_api_base", None):
            # OpenAI-compatible servers (llama.cpp, Ollama, vLLM) read ``max_tokens``;
            # ChatOpenAI would send OpenAI's newer ``max_completion_tokens``, which
            # llama.cpp's server ignores, letting a small model run on to n_ctx.
            kwargs["extra_body"] = {"max_tokens": max_tokens}
        else:
            kwargs["max_tokens"] = max_tokens
    if json_mode:
        # OpenAI, llama.cpp's server, Ollama and vLLM all accept JSON mode; fakes ignore it.
        kwargs["response_format"] = {"type": "json_object"}
    return model.bind(**kwargs) if kwargs else model


def call_model(
    model: ChatModel,
    messages: Messages,
    *,
    max_tokens: int | None = None,
    json_mode: bool = False,
    limits: CallLimits | None = None,
) -> ModelReply:
    """One completion, retried within the deadline. Raises only :class:`ModelCallError`."""
    limits = limits or CallLimits()
    deadline = _Deadline(limits)
    started = time.perf_counter()
    if limits.slot is not None and not _acquire_sync(limits.slot, deadline):
        raise _timed_out(model)
    try:
        attempt = 0
        while True:
            try:
                message = _invoke_within(model, messages, deadline, max_tokens, json_mode)
                text = _text(message.content)
                break
            except ModelCallError:
                raise
            except Exception as exc:
                failure = _failure(exc, model)
                attempt += 1
                if failure.reason not in _RETRYABLE or attempt > limits.retries:
                    raise failure from exc
                left = deadline.left()
                if left is not None and left <= RETRY_BACKOFF_SECONDS:
                    raise failure from exc
                time.sleep(RETRY_BACKOFF_SECONDS)
    finally:
        if limits.slot is not None:
            limits.slot.release()
    latency = (time.perf_counter() - started) * 1000
    prompt_tokens, completion_tokens = _usage(message)
    return ModelReply(text, latency, prompt_tokens, completion_tokens)


def _acquire_sync(slot: threading.BoundedSemaphore, deadline: _Deadline) -> bool:
    left = deadline.left()
    return slot.acquire() if left is None else slot.acquire(timeout=max(left, 0.001))


def _invoke_within(
    model: ChatModel,
    messages: Messages,
    deadline: _Deadline,
    max_tokens: int | None,
    json_mode: bool,
) -> Any:
    """``invoke`` that gives up at the deadline, even if the model never answers.

    The HTTP client's own timeout (set to the time left) closes the connection; the
    worker thread is the backstop for a model that ignores it.
    """
    left = deadline.left()
    bound = _bound(model, max_tokens=max_tokens, json_mode=json_mode, timeout=left)
    if left is None:
        return bound.invoke(list(messages))
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["message"] = bound.invoke(list(messages))
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="coach-llm-call", daemon=True)
    worker.start()
    worker.join(left)
    if worker.is_alive():
        raise _timed_out(model)
    if "error" in box:
        raise box["error"]
    return box["message"]


async def _acquire(limits: CallLimits, deadline: _Deadline, model: object) -> None:
    """Wait for the endpoint's slot without blocking the event loop, within the deadline."""
    if limits.slot is None:
        return
    while not limits.slot.acquire(blocking=False):
        if deadline.expired():
            raise _timed_out(model)
        await asyncio.sleep(0.02)


async def acall_model(
    model: ChatModel,
    messages: Messages,
    *,
    max_tokens: int | None = None,
    json_mode: bool = False,
    limits: CallLimits | None = None,
) -> ModelReply:
    """The async twin of :func:`call_model` (one attempt; cancelled at the deadline)."""
    limits = limits or CallLimits()
    deadline = _Deadline(limits)
    started = time.perf_counter()
    await _acquire(limits, deadline, model)
    try:
        left = deadline.left()
        bound = _bound(model, max_tokens=max_tokens, json_mode=json_mode, timeout=left)
        message = await asyncio.wait_for(bound.ainvoke(list(messages)), left)
        text = _text(message.content)
    except Exception as exc:
        raise _failure(exc, model) from exc
    finally:
        if limits.slot is not None:
            limits.slot.release()
    latency = (time.perf_counter() - started) * 1000
    prompt_tokens, completion_tokens = _usage(message)
    return ModelReply(text, latency, prompt_tokens, completion_tokens)


@dataclass
class StreamStats:
    """Filled in while a stream runs: the time spent waiting on the model and the tokens."""

    model_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


async def stream_model(
    model: ChatModel,
    messages: Messages,
    stats: StreamStats,
    *,
    max_tokens: int | None = None,
    json_mode: bool = False,
    limits: CallLimits | None = None,
) -> AsyncIterator[str]:
    """Text deltas as the model produces them. Raises only :class:`ModelCallError`.

    The whole stream ends at the deadline: waiting for the next chunk is cancelled,
    which closes the connection. ``stats.model_ms`` counts only the time spent
    awaiting the model, so the caller's work between tokens shows up as its own overhead.
    """
    limits = limits or CallLimits()
    deadline = _Deadline(limits)
    await _acquire(limits, deadline, model)
    bound = _bound(model, max_tokens=max_tokens, json_mode=json_mode, timeout=deadline.left())
    iterator = bound.astream(list(messages)).__aiter__()
    try:
        while True:
            waited = time.perf_counter()
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), deadline.left())
            except StopAsyncIteration:
                stats.model_ms += (time.perf_counter() - waited) * 1000
                return
            except Exception as exc:
                stats.model_ms += (time.perf_counter() - waited) * 1000
                raise _failure(exc, model) from exc
            stats.model_ms += (time.perf_counter() - waited) * 1000
            prompt_tokens, completion_tokens = _usage(chunk)
            if prompt_tokens is not None:
                stats.prompt_tokens = (stats.prompt_tokens or 0) + prompt_tokens
            if completion_tokens is not None:
                stats.completion_tokens = (stats.completion_tokens or 0) + completion_tokens
            try:
                delta = _text(chunk.content)
            except TypeError as exc:
                raise _failure(exc, model) from exc
            if delta:
                yield delta
    finally:
        try:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            if limits.slot is not None:
                limits.slot.release()

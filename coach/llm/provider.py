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

import json
import logging
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
        "timeout": settings.llm_timeout_seconds,
        "max_retries": settings.llm_max_retries,
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


def _bound(model: ChatModel, *, max_tokens: int | None, json_mode: bool) -> Any:
    kwargs: dict[str, Any] = {}
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
) -> ModelReply:
    """One completion. Raises only :class:`ModelCallError`."""
    started = time.perf_counter()
    try:
        message = _bound(model, max_tokens=max_tokens, json_mode=json_mode).invoke(list(messages))
        text = _text(message.content)
    except Exception as exc:
        raise _failure(exc, model) from exc
    latency = (time.perf_counter() - started) * 1000
    prompt_tokens, completion_tokens = _usage(message)
    return ModelReply(text, latency, prompt_tokens, completion_tokens)


async def acall_model(
    model: ChatModel,
    messages: Messages,
    *,
    max_tokens: int | None = None,
    json_mode: bool = False,
) -> ModelReply:
    """The async twin of :func:`call_model`."""
    started = time.perf_counter()
    try:
        bound = _bound(model, max_tokens=max_tokens, json_mode=json_mode)
        message = await bound.ainvoke(list(messages))
        text = _text(message.content)
    except Exception as exc:
        raise _failure(exc, model) from exc
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
) -> AsyncIterator[str]:
    """Text deltas as the model produces them. Raises only :class:`ModelCallError`.

    ``stats.model_ms`` counts only the time spent awaiting the model, so the caller's
    work between tokens shows up as its own overhead.
    """
    bound = _bound(model, max_tokens=max_tokens, json_mode=json_mode)
    iterator = bound.astream(list(messages)).__aiter__()
    try:
        while True:
            waited = time.perf_counter()
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                stats.model_ms += (time.perf_counter() - waited) * 1000
                return
            except Exception as exc:
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
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()

"""What Coach needs from a chat model: the few calls the provider makes, nothing more.

LangChain's ``BaseChatModel`` (``ChatOpenAI`` in production, its fake models in the
tests) has all of them, so it satisfies this protocol without Coach importing
LangChain anywhere but :mod:`coach.llm.provider`. Typing the model with it instead
of ``Any`` says at every signature what a caller must hand in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol


class ChatModel(Protocol):
    """A chat model: bind call options, then invoke, await or stream it with messages."""

    def bind(self, **kwargs: Any) -> Any:
        """The same model with options (``max_tokens``, ``response_format``) bound."""
        ...

    def invoke(self, input: Sequence[Any], /, *args: Any, **kwargs: Any) -> Any:
        """One reply message, with ``.content`` and maybe ``.usage_metadata``."""
        ...

    async def ainvoke(self, input: Sequence[Any], /, *args: Any, **kwargs: Any) -> Any:
        """The async twin of :meth:`invoke`."""
        ...

    def astream(self, input: Sequence[Any], /, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """Reply chunks as the model produces them."""
        ...


__all__ = ["ChatModel"]

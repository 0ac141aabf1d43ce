"""The three jobs a model may do, each with its checks and its way back to offline.

``base`` has what they share (the attempt loop, accounting, the answer and stream
event types); ``rewrite``, ``exercise`` and ``partner`` are the tasks.
"""

from coach.llm.tasks.base import (
    OFFLINE_FALLBACK,
    Accounting,
    EngineAnswer,
    PartnerPersona,
    ResultEvent,
    RetractEvent,
    StreamEvent,
    TokenEvent,
    TranscriptTurn,
)
from coach.llm.tasks.exercise import personalise_exercise
from coach.llm.tasks.partner import partner_reply
from coach.llm.tasks.rewrite import rewrite_with_llm, stream_rewrite

__all__ = [
    "OFFLINE_FALLBACK",
    "Accounting",
    "EngineAnswer",
    "PartnerPersona",
    "ResultEvent",
    "RetractEvent",
    "StreamEvent",
    "TokenEvent",
    "TranscriptTurn",
    "partner_reply",
    "personalise_exercise",
    "rewrite_with_llm",
    "stream_rewrite",
]

"""Keep people's words out of the libraries' logs, whatever their log level.

Coach's own log lines never carry user text. Two libraries do, once someone turns
their loggers up (``logging.basicConfig(level=logging.DEBUG)`` is enough):

- SQLAlchemy logs each statement's parameters at INFO and every result row at
  DEBUG: the drafts, turns and reflections themselves. Engines are made with
  ``hide_parameters=True`` (see :mod:`coach.storage.engine`), and the row records are
  dropped here.
- sse-starlette logs every chunk it streams at DEBUG, and the final ``done``
  event carries the person's draft.

A :class:`logging.Filter` on exactly those loggers drops exactly those records;
everything else they say (SQL text, which only ever has placeholders, pool and
connection events, pings) still gets through for debugging.
"""

from __future__ import annotations

import logging

# logger name -> the message templates (as the library passes them) that carry payloads
_PAYLOAD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "sqlalchemy.engine.Engine": ("Row %r",),
    "sse_starlette.sse": ("chunk: %s",),
}


class DropPayloads(logging.Filter):
    """Drops records whose message template is one that carries data, not metadata."""

    def __init__(self, templates: tuple[str, ...]) -> None:
        super().__init__()
        self.templates = templates

    def filter(self, record: logging.LogRecord) -> bool:
        # SQLAlchemy may prefix its templates (a connection token), so match the end.
        return not (isinstance(record.msg, str) and record.msg.endswith(self.templates))


def install() -> None:
    """Attach the filters once per process; calling again changes nothing."""
    for name, templates in _PAYLOAD_TEMPLATES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropPayloads) for f in logger.filters):
            logger.addFilter(DropPayloads(templates))

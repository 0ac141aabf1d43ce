"""The request limits: the body size, enforced before any route, and the text length.

The body limit is pure ASGI so that it can refuse a body while it streams in,
whether or not the client sent ``Content-Length``.

The text limit is a setting (``COACH_MAX_TEXT_CHARS``) that the core checks on every
job (a 422 that names the limit). Request models mark their text fields with
:data:`JobText` and :func:`publish_text_limit` writes the setting into the published
schema as their ``maxLength``, so the schema and the server agree on one number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import Field
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

_TEXT_MARK = "x-coach-max-text-chars"

# A person's text in a request: the core refuses it above COACH_MAX_TEXT_CHARS.
LimitedText = Annotated[str, Field(json_schema_extra={_TEXT_MARK: True})]
# The same, for a job: there must be some.
JobText = Annotated[LimitedText, Field(min_length=1)]


def publish_text_limit(app: FastAPI, limit: int) -> None:
    """Make every :data:`JobText` field's ``maxLength`` in ``/openapi.json`` the setting."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for component in schema.get("components", {}).get("schemas", {}).values():
            for field in (component.get("properties") or {}).values():
                if field.pop(_TEXT_MARK, False):
                    field["maxLength"] = limit
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodyTooLargeError(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(scope, receive, send)
                return

        received = 0
        exceeded = response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            # FastAPI turns any failure while it reads the body into its own 400 ("error
            # parsing the body"); once the limit was passed, that answer is our 413.
            nonlocal response_started
            if exceeded:
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    await self._refuse(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not response_started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            error_body(
                "payload_too_large",
                f"The request body is larger than the limit of {self.max_bytes} bytes.",
                hint="Send a shorter message, or split it into parts.",
            ),
            status_code=413,
        )
        await response(scope, receive, send)

"""One place that turns every error into the same JSON shape.

    {"error": {"code": "not_found", "message": "...", "hint": "..."}}

Pages are answered with a page instead: a 404 outside ``/v1`` and Coach's own
errors on a page's path are rendered by the page renderer ``api.app`` installs.

Validation errors never echo the submitted values: they may be someone's
private message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from coach.errors import CoachError

STATUS_BY_CODE: dict[str, int] = {
    "invalid_input": 422,
    "not_found": 404,
    "config_error": 500,
    "knowledge_error": 500,
    "index_error": 503,
    "storage_unavailable": 503,
    "database_damaged": 503,
    "llm_error": 502,
}

_HTTP_CODE_NAMES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_body(code: str, message: str, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if hint:
        body["hint"] = hint
    body.update(extra)
    return {"error": body}


# Renders an error as a page: (request, status, title, message, hint) -> response.
PageRenderer = Callable[[Request, int, str, str, str | None], Response]

# Paths that are not pages: the API, its schema, the health check, static files.
_NOT_PAGES = ("/v1/", "/openapi.json", "/healthz", "/static/", "/docs")

_PAGE_NOT_FOUND = (
    "Page not found",
    "There is no page at this address.",
    "Check the address, or start again from the start page.",
)


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path == "/v1" or path.startswith(_NOT_PAGES))


def _page(request: Request) -> PageRenderer | None:
    """The page renderer, when this request is for a page and pages are installed."""
    renderer = getattr(request.app.state, "error_page", None)
    return renderer if renderer is not None and _is_page(request) else None


async def _coach_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CoachError)
    status = STATUS_BY_CODE.get(exc.code, 500)
    page = _page(request)
    if page is not None:
        return page(request, status, "Something is not working", exc.message, exc.hint)
    return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    page = _page(request) if exc.status_code == 404 else None
    if page is not None:
        return page(request, 404, *_PAGE_NOT_FOUND)
    code = _HTTP_CODE_NAMES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(part) for part in err.get("loc", ())), "problem": err.get("msg")}
        for err in exc.errors()
    ]
    return JSONResponse(
        error_body("invalid_input", "The request is not valid.", fields=fields), status_code=422
    )


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:  # noqa: ARG001
    # The traceback goes to the server log by Starlette; the body says nothing private.
    return JSONResponse(
        error_body("internal_error", "Something went wrong on our side. Nothing was lost."),
        status_code=500,
    )


def install_error_handlers(app: FastAPI, *, error_page: PageRenderer | None = None) -> None:
    """Map every error to its answer: JSON for the API, ``error_page`` for a page (404s
    and Coach's own errors on page paths), when one is given."""
    app.state.error_page = error_page
    app.add_exception_handler(CoachError, _coach_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    _document_errors(app)


# ---------------------------------------------------------------------------- the schema


class FieldProblem(BaseModel):
    field: str
    problem: str | None = None


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable name, e.g. not_found.")
    message: str
    hint: str | None = None
    fields: list[FieldProblem] | None = Field(
        default=None, description="For invalid_input from validation: which fields, and why."
    )


class ErrorBody(BaseModel):
    """The one error shape, as clients (and the schema fuzzer) see it."""

    error: ErrorDetail


# Every /v1 operation can answer these; FastAPI only knows its own 422 (in another shape).
_API_ERRORS = {
    "404": "No such resource for you (an unknown id, stage or exercise).",
    "422": "The request is not valid (validation, or the text is too long or empty).",
    "503": "The database or the search index is not available right now; nothing was saved.",
}
_BODY_ERRORS = {
    "400": "The body could not be parsed (not JSON, or not UTF-8).",
    "413": "The request body is larger than COACH_MAX_REQUEST_BYTES.",
}
_ANY_ERROR = ("429", "Too many requests; see the Retry-After header.")


def _document_errors(app: FastAPI) -> None:
    """Put the error responses the handlers above really send into the OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["ErrorBody"] = body
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                errors = dict([_ANY_ERROR])
                if path.startswith("/v1"):
                    errors |= _API_ERRORS
                    if "requestBody" in operation:
                        errors |= _BODY_ERRORS
                responses = operation.setdefault("responses", {})
                for status, description in errors.items():
                    responses[status] = {"description": description, "content": content}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

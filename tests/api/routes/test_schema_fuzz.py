"""Fuzz every API operation from the app's own OpenAPI schema (schemathesis 4.x).

Schemathesis generates requests from ``/openapi.json`` (valid ones and, for the
negative-data checks, invalid ones) and runs its checks on each response: never a
5xx, and the status code, content type, headers and body are what the schema says.
Both ways of running are fuzzed: local mode, and shared-server mode with a bearer token.
A bounded number of examples per operation keeps the whole file around a minute.
The schema's error responses come from ``api.errors`` (one shape, documented once).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.app import create_app
from api.settings import WebSettings
from coach.config import Settings
from coach.service import Coach
from coach.storage import accounts

EXAMPLES_PER_OPERATION = 15

# No 5xx, and every response (errors included) is one the schema documents, in its
# content type, headers and body shape. Left out on purpose:
# - positive_data_acceptance / negative_data_rejection: the text limits are settings
#   (COACH_MAX_TEXT_CHARS, COACH_MAX_REQUEST_BYTES) tighter than the static schema
#   bounds, answered with the documented 422 / 413; and pydantic's lax mode accepts
#   e.g. ``"seed": false`` as 0, which is harmless.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.unsupported_method,
    checks.allow_header_conformance,
]


# The schema is read at collection time, so schemathesis can make one test per
# operation (its lazy ``from_fixture`` loader does not work with pytest 9). The app
# built here only serves the schema and fixes the middleware's settings (no rate
# limit: hundreds of requests a minute are the point); every test then swaps in a
# facade for its own isolated data directory before a request touches storage.
def _app(auth: str) -> FastAPI:
    return create_app(
        Settings(
            data_dir=Path(tempfile.gettempdir()) / "coach-schema-fuzz-unused",
            database_url=None,
            auth=auth,
        ),
        # Schemathesis calls the app as Host: testserver (only listed names are answered).
        web=WebSettings(rate_limit_enabled=False, allowed_hosts=["testserver"]),
    )


_APP = _app("local")
_TOKENS_APP = _app("tokens")
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
tokens_schema = schemathesis.openapi.from_asgi("/openapi.json", _TOKENS_APP)


@contextmanager
def _fresh_facade(app: FastAPI, auth: str) -> Iterator[Coach]:
    saved = app.state.settings, app.state.coach
    app.state.settings = Settings(auth=auth)
    app.state.coach = Coach(app.state.settings)
    try:
        yield app.state.coach
    finally:
        app.state.settings, app.state.coach = saved


@pytest.fixture(autouse=True)
def _isolated_app(shared_index: Path) -> Iterator[None]:
    del shared_index  # only for the environment it sets up
    with _fresh_facade(_APP, "local"):
        yield


@pytest.fixture
def bearer(shared_index: Path) -> Iterator[dict[str, str]]:
    """A signed-in person's header on the shared-server app, with its own data."""
    del shared_index
    with _fresh_facade(_TOKENS_APP, "tokens") as coach:
        issued = accounts.add_user(coach.store, name="fuzz")
        yield {"Authorization": f"Bearer {issued.token}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@tokens_schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_shared_server_api_conforms_to_its_schema(
    case: schemathesis.Case, bearer: dict[str, str]
) -> None:
    case.call_and_validate(checks=CHECKS, headers=bearer)

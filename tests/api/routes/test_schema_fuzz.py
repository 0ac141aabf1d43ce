"""Fuzz every API operation from the app's own OpenAPI schema (schemathesis 4.x).

Schemathesis generates requests from ``/openapi.json`` (valid ones and, for the
negative-data checks, invalid ones) and runs its checks on each response: never a
5xx, and the status code, content type, headers and body are what the schema says.
A bounded number of examples per operation keeps the whole file well under a minute.
The schema's error responses come from ``api.errors`` (one shape, documented once).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.app import create_app
from api.settings import WebSettings
from coach.config import Settings
from coach.service import Coach

EXAMPLES_PER_OPERATION = 15

# No 5xx, and every response (errors included) is one the schema documents, in its
# content type, headers and body shape. Left out on purpose:
# - positive_data_acceptance / negative_data_rejection: the text limits are settings
#   (COACH_MAX_TEXT_CHARS, COACH_MAX_REQUEST_BYTES) tighter than the static schema
#   bounds, answered with the documented 422 / 413; and pydantic's lax mode accepts
#   e.g. ``"seed": false`` as 0, which is harmless.
# - unsupported_method / allow_header_conformance: how Starlette and the origin
#   check answer methods no route has (QUERY, OPTIONS) is not the API's contract.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]

# The schema is read at collection time, so schemathesis can make one test per
# operation (its lazy ``from_fixture`` loader does not work with pytest 9). The app
# built here only serves the schema and fixes the middleware's settings (no rate
# limit: hundreds of requests a minute are the point); every test then swaps in a
# facade for its own isolated data directory before a request touches storage.
_APP = create_app(
    Settings(
        data_dir=Path(tempfile.gettempdir()) / "coach-schema-fuzz-unused",
        database_url=None,
    ),
    # Schemathesis calls the app as Host: testserver (local mode answers only listed names).
    web=WebSettings(rate_limit_enabled=False, allowed_hosts=["testserver"]),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(autouse=True)
def _isolated_app(shared_index: Path) -> Iterator[None]:
    del shared_index  # only for the environment it sets up
    saved = _APP.state.settings, _APP.state.coach
    _APP.state.settings = Settings()
    _APP.state.coach = Coach(_APP.state.settings)
    yield
    _APP.state.settings, _APP.state.coach = saved


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)

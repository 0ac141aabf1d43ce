"""Every timestamp the API sends is timezone-aware UTC in ISO 8601, written one way (``Z``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

# A date and a time; what follows the time (a zone or nothing) is what is checked.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")


def _timestamps(text: str) -> list[tuple[str, str]]:
    return [(match.group(0), match.group(1) or "") for match in TIMESTAMP.finditer(text)]


def _use_everything(client: TestClient) -> str:
    started = client.post(
        "/v1/practice",
        json={"scenario": "We argue about chores", "goal": "Stay calm", "persona": "defensive"},
    ).json()
    session_id = started["session"]["id"]
    client.post(f"/v1/practice/{session_id}/turns", json={"text": "I felt alone last night."})
    client.post(f"/v1/practice/{session_id}/turns", json={"text": "I would like us to plan."})
    client.post(f"/v1/practice/{session_id}/undo")
    recommended = client.post(
        "/v1/exercises/recommend", json={"description": "We keep fighting about money."}
    ).json()
    client.post(f"/v1/exercises/{recommended['exercise']['id']}/done", json={"reflection": "ok"})
    return session_id


def test_every_timestamp_is_utc_with_z(client: TestClient) -> None:
    session_id = _use_everything(client)
    seen = []
    for path in (
        "/v1/me/export",
        "/v1/practice",
        f"/v1/practice/{session_id}",
        f"/v1/practice/{session_id}/export",
        "/v1/exercises/history",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        found = _timestamps(response.text)
        assert found, path
        assert all(zone == "Z" for _, zone in found), (path, found)
        seen += [stamp for stamp, _ in found]
    now = datetime.now(UTC)
    for stamp in seen:
        moment = datetime.fromisoformat(stamp)
        assert moment.tzinfo is not None
        assert abs((now - moment).total_seconds()) < 600  # UTC, not local time read as UTC


def test_the_schema_says_date_time(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    entry = schemas["ExerciseEntry"]["properties"]
    assert entry["recommended_at"]["format"] == "date-time"

"""Export returns everything stored; delete removes the rows for real."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from coach.config import Settings


def test_export_then_delete_everything(client: TestClient, settings: Settings) -> None:
    client.post(
        "/v1/exercises/recommend",
        json={"description": "We keep having the same fight about money.", "stage": "patterns"},
    )
    started = client.post(
        "/v1/practice",
        json={
            "scenario": "Talking about who does the chores at home",
            "goal": "Agree a fair split",
            "persona": "defensive",
        },
    ).json()
    session_id = started["session"]["id"]
    client.post(f"/v1/practice/{session_id}/turns", json={"text": "I feel tired when I do it all."})

    exported = client.get("/v1/me/export").json()
    assert exported["exercises"]
    assert exported["practice_sessions"][0]["id"] == session_id

    deleted = client.delete("/v1/me").json()["deleted"]
    assert deleted["exercises"] >= 1
    assert sum(deleted.values()) >= 3

    db = settings.effective_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        for table in ("drafts", "exercise_events", "practice_sessions", "practice_turns", "users"):
            assert list(conn.execute(f"select count(*) from {table}")) == [(0,)], table
    assert client.get("/v1/me/export").json()["practice_sessions"] == []

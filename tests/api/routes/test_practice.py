"""The practice API: start, turns, hint, undo, end, list, export, delete, and isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.deps import get_user_id

URGENT = "I want to kill myself tonight, I have the pills ready."


def _start(client: TestClient, **extra) -> dict:
    body = {
        "scenario": "how we split the housework",
        "goal": "a fairer split",
        "persona": "defensive",
        "seed": 3,
    } | extra
    response = client.post("/v1/practice", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_full_session_over_http(client: TestClient) -> None:
    started = _start(client)
    assert started["status"] == "ok"
    session = started["session"]
    assert session["opening"]["simulated"] is True
    sid = session["id"]

    turn = client.post(f"/v1/practice/{sid}/turns", json={"text": "You never help me."})
    assert turn.status_code == 200
    data = turn.json()
    assert data["turn"]["feedback"]["blame"] is True
    assert data["turn"]["partner"]["simulated"] is True
    assert data["turn"]["partner"]["label"] == "Practice partner (simulated)"

    hint = client.post(f"/v1/practice/{sid}/hint")
    assert hint.status_code == 200
    assert hint.json()["move"] == "i_statement"

    undone = client.post(f"/v1/practice/{sid}/undo")
    assert undone.status_code == 200
    assert undone.json()["state"] == session["start_state"]

    client.post(f"/v1/practice/{sid}/turns", json={"text": "I feel tired, and I'd like help."})
    summary = client.post(f"/v1/practice/{sid}/end")
    assert summary.status_code == 200
    assert set(summary.json()["scores"]) == {
        "gentle_startup",
        "listening",
        "responsibility",
        "repair",
    }

    got = client.get(f"/v1/practice/{sid}").json()
    assert got["status"] == "ended"
    assert len(got["turns"]) == 1
    listed = client.get("/v1/practice").json()
    assert [s["id"] for s in listed] == [sid]

    md = client.get(f"/v1/practice/{sid}/export", params={"format": "markdown"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Practice partner (simulated)" in md.text
    as_json = client.get(f"/v1/practice/{sid}/export", params={"format": "json"})
    assert as_json.json()["id"] == sid

    assert client.delete(f"/v1/practice/{sid}").status_code == 204
    assert client.get(f"/v1/practice/{sid}").status_code == 404


def test_abuse_scenario_is_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/practice",
        json={
            "scenario": "He hit me again and choked me, and I want to make up with him.",
            "goal": "get back together",
            "persona": "open_cautious",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "safety"
    assert "session" not in body
    assert body["safety_response"]["resources"]
    assert client.get("/v1/practice").json() == []


def test_urgent_turn_stops_with_safety_response(client: TestClient) -> None:
    sid = _start(client)["session"]["id"]
    response = client.post(f"/v1/practice/{sid}/turns", json={"text": URGENT})
    body = response.json()
    assert body["status"] == "safety"
    assert body["turn"] is None
    assert body["safety_response"]["resources"]
    again = client.post(f"/v1/practice/{sid}/turns", json={"text": "Sorry."})
    assert again.status_code == 422


def test_bad_persona_and_unknown_session(client: TestClient) -> None:
    bad = client.post("/v1/practice", json={"scenario": "a", "goal": "b", "persona": "angry"})
    assert bad.status_code == 422
    assert client.post("/v1/practice/nope/turns", json={"text": "hi"}).status_code == 404


def test_another_user_cannot_read_or_delete(client: TestClient) -> None:
    sid = _start(client)["session"]["id"]
    client.app.dependency_overrides[get_user_id] = lambda: "someone-else"
    try:
        assert client.get(f"/v1/practice/{sid}").status_code == 404
        assert client.get(f"/v1/practice/{sid}/export").status_code == 404
        assert client.post(f"/v1/practice/{sid}/turns", json={"text": "hi"}).status_code == 404
        assert client.delete(f"/v1/practice/{sid}").status_code == 404
        assert client.get("/v1/practice").json() == []
    finally:
        client.app.dependency_overrides.clear()
    assert client.get(f"/v1/practice/{sid}").status_code == 200

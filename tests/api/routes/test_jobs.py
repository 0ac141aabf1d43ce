"""The draft and exercise routes: shapes, errors, and per-user exercise history."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_analyze_finds_blame_with_spans_and_citations(client: TestClient) -> None:
    text = "You never listen to me and you always make it about you."
    body = client.post("/v1/drafts/analyze", json={"text": text}).json()
    assert body["status"] == "ok"
    assert body["blame"] is True
    assert body["findings"]
    for finding in body["findings"]:
        assert text[finding["start"] : finding["end"]] == finding["text"]
    assert any(f.get("citation") for f in body["findings"])
    assert "decide" in body["reminder"]


def test_rewrite_returns_rewrites(client: TestClient) -> None:
    body = client.post(
        "/v1/drafts/rewrite", json={"text": "You never help with the dishes, you're so lazy."}
    ).json()
    assert body["status"] == "ok"
    assert 2 <= len(body["rewrites"]) <= 3
    assert body["i_statement"]


def test_empty_and_oversized_text_are_clear_4xx(client: TestClient) -> None:
    empty = client.post("/v1/drafts/analyze", json={"text": "   "})
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "invalid_input"
    huge = client.post("/v1/drafts/analyze", json={"text": "a" * 30_000})
    assert huge.status_code in (413, 422)
    malformed = client.post(
        "/v1/drafts/analyze", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert "not json" not in malformed.text


def test_validation_errors_never_echo_the_text(client: TestClient) -> None:
    response = client.post("/v1/drafts/analyze", json={"text": 12345, "secret": "my words"})
    assert response.status_code == 422
    assert "my words" not in response.text


def test_stages_listed(client: TestClient) -> None:
    stages = client.get("/v1/stages").json()
    assert [s["id"] for s in stages] == [
        "reflect",
        "support",
        "values",
        "patterns",
        "trust",
        "balance",
        "recommit",
    ]


def test_recommend_rotates_and_marks_done(client: TestClient) -> None:
    request = {
        "description": "We got back together after he cheated and I can't stop checking his phone.",
        "stage": "trust",
    }
    first = client.post("/v1/exercises/recommend", json=request).json()
    assert first["status"] == "ok"
    assert "trust" in first["exercise"]["stages"]
    assert first["exercise"]["steps"]
    assert first["why"]
    assert first["citations"]
    assert len(first["alternatives"]) == 2
    second = client.post("/v1/exercises/recommend", json=request).json()
    assert second["exercise"]["id"] != first["exercise"]["id"]

    done = client.post(
        f"/v1/exercises/{first['exercise']['id']}/done", json={"reflection": "It helped a bit."}
    )
    assert done.status_code == 200
    assert done.json()["done_at"]
    history = client.get("/v1/exercises/history").json()
    assert {h["exercise_id"] for h in history} == {
        first["exercise"]["id"],
        second["exercise"]["id"],
    }


def test_recommend_respects_solo_and_minutes(client: TestClient) -> None:
    body = client.post(
        "/v1/exercises/recommend",
        json={"description": "I keep replaying our fights", "who": "solo", "minutes": 30},
    ).json()
    assert body["exercise"]["who"] == "solo"
    assert body["exercise"]["duration_minutes"] <= 30 or "minutes" in body["relaxed"]


def test_unknown_exercise_and_stage_are_404_or_422(client: TestClient) -> None:
    assert client.post("/v1/exercises/exercise-nope/done", json={}).status_code == 404
    assert client.get("/v1/exercises", params={"stage": "nope"}).status_code in (404, 422)
    listed = client.get("/v1/exercises", params={"stage": "values"}).json()
    assert listed
    assert all("values" in e["stages"] for e in listed)

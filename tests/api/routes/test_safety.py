"""The safety routes: screen a text, list resources for a locale."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_screen_returns_verdict_and_response(client: TestClient) -> None:
    response = client.post("/v1/safety/screen", json={"text": "He choked me", "locale": "GB"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"]["level"] == "urgent"
    assert body["verdict"]["categories"] == ["abuse"]
    assert body["verdict"]["locale"] == "GB"
    contacts = " ".join(r["contact"] for r in body["verdict"]["resources"])
    assert "0808 2000 247" in contacts
    assert "999" in contacts
    assert "999" in body["response"]["message"]
    assert body["response"]["allow_coaching"] is False


def test_screen_default_locale_and_clear_text(client: TestClient) -> None:
    body = client.post("/v1/safety/screen", json={"text": "We argue about dishes"}).json()
    assert body["verdict"]["level"] == "none"
    assert body["verdict"]["locale"] == "US"
    assert body["response"]["message"] == ""


def test_screen_validation_does_not_echo_text(client: TestClient) -> None:
    response = client.post("/v1/safety/screen", json={"text": 12345, "locale": "GB"})
    assert response.status_code == 422
    assert "12345" not in response.text


def test_resources_for_a_locale(client: TestClient) -> None:
    body = client.get("/v1/resources", params={"locale": "GB"}).json()
    assert body["locale"] == "GB"
    kinds = {r["kind"] for r in body["resources"]}
    assert kinds == {"crisis", "abuse", "child", "emergency"}
    assert all(r["verified_on"] for r in body["resources"])


def test_resources_unknown_locale_is_international(client: TestClient) -> None:
    body = client.get("/v1/resources", params={"locale": "XX"}).json()
    assert body["locale"] == "INTL"
    assert any(r["url"] == "https://findahelpline.com" for r in body["resources"])


def test_resources_default_to_coach_locale(client: TestClient) -> None:
    body = client.get("/v1/resources").json()
    assert body["locale"] == "US"

"""Every surface that takes user text screens it first.

An urgent message gets the safety response (crisis resources) and no coaching:
no findings, no rewrite, no exercise, no partner reply.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from coach.cli import _load_commands, app
from coach.config import Settings

URGENT = [
    "He choked me last night and said next time he will kill me. How do I apologise to calm him?",
    "I've decided to kill myself this weekend, I just want to write her one last message first.",
]
COACHING_KEYS = ("findings", "rewrites", "i_statement", "exercise", "alternatives", "partner")


def assert_safety_only(body: dict) -> None:
    assert body["status"] == "safety"
    assert body["safety"]["level"] == "urgent"
    assert body["safety_response"]["resources"]
    for key in COACHING_KEYS:
        assert not body.get(key), f"{key} must be empty for an urgent message"


@pytest.fixture(autouse=True)
def _shared_index(shared_index: Path) -> Path:
    return shared_index


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(Settings()))


@pytest.mark.parametrize("text", URGENT)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/drafts/analyze", "text"),
        ("/v1/drafts/rewrite", "text"),
        ("/v1/exercises/recommend", "description"),
    ],
)
def test_api_routes_route_urgent_text_to_help(
    client: TestClient, path: str, field: str, text: str
) -> None:
    response = client.post(path, json={field: text})
    assert response.status_code == 200
    assert_safety_only(response.json())


@pytest.mark.parametrize("text", URGENT)
@pytest.mark.parametrize("command", [["draft", "--json"], ["exercise", "--json"]])
def test_cli_commands_route_urgent_text_to_help(command: list[str], text: str) -> None:
    _load_commands()
    result = CliRunner().invoke(app, [*command, text])
    assert result.exit_code == 0, result.output
    assert_safety_only(json.loads(result.output))


def test_locale_changes_the_resources(client: TestClient) -> None:
    body = client.post("/v1/drafts/analyze", json={"text": URGENT[0], "locale": "GB"}).json()
    contacts = " ".join(r.get("contact") or "" for r in body["safety_response"]["resources"])
    assert "999" in contacts

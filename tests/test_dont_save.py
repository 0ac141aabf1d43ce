"""COACH_DONT_SAVE: a whole session of use leaves nothing on disk, yet works while it runs."""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings
from coach.service import Coach
from coach.storage.repository import MEMORY_URL

CANARY = "zebracorn-lantern-7731"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _csrf(client: TestClient, page: str) -> dict[str, str]:
    """The form's hidden anti-forgery field, if the pages have one."""
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', client.get(page).text)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return {"csrf_token": value.group(1)} if value else {}


@pytest.fixture
def client(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    return TestClient(create_app(Settings()), raise_server_exceptions=False)


def test_a_full_flow_writes_nothing_to_the_data_dir(
    client: TestClient, isolated_env: Path, tmp_path: Path
) -> None:
    # A saved draft, through the page form (the only way drafts are kept).
    saved = client.post(
        "/draft/save",
        data={"text": f"You never listen about {CANARY}."} | _csrf(client, "/draft"),
    )
    assert saved.status_code == 200, saved.text
    # An exercise recommended and marked done with a reflection.
    first = client.post(
        "/v1/exercises/recommend",
        json={"description": f"We fight about {CANARY} every week.", "stage": "trust"},
    ).json()
    done = client.post(f"/v1/exercises/{first['exercise']['id']}/done", json={"reflection": CANARY})
    assert done.status_code == 200
    # A practice session across several requests (each runs in a worker thread).
    sid = client.post(
        "/v1/practice",
        json={
            "scenario": f"talking about {CANARY}",
            "goal": "a fair split",
            "persona": "skeptical",
        },
    ).json()["session"]["id"]
    for text in (f"I feel tired about {CANARY}.", "Could we share it?"):
        turn = client.post(f"/v1/practice/{sid}/turns", json={"text": text})
        assert turn.status_code == 200, turn.text
    assert client.post(f"/v1/practice/{sid}/hint").status_code == 200
    assert client.post(f"/v1/practice/{sid}/end").status_code == 200

    # Everything is there for the life of the process ...
    export = client.get("/v1/me/export").json()
    assert CANARY in export["drafts"][0]["text"]
    assert export["exercises"][0]["reflection"] == CANARY
    assert len(export["practice_sessions"][0]["turns"]) == 2
    # ... and nowhere on disk.
    assert _files(isolated_env) == []
    leaked = [p for p in _files(tmp_path) if CANARY.encode() in p.read_bytes()]
    assert leaked == []
    assert client.app.state.coach.store.url == MEMORY_URL


def test_health_says_nothing_is_saved(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["saving"] is False
    assert body["retention_days"] is None


def test_health_says_saving_by_default(shared_index: Path) -> None:
    body = TestClient(create_app(Settings())).get("/healthz").json()
    assert body["saving"] is True


def test_each_coach_has_its_own_memory_and_nothing_outlives_it(
    monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    first = Coach(Settings())
    first.store.save_draft(user_id="ana", text=CANARY, result={})
    assert first.store.list_drafts(user_id="ana")[0].text == CANARY
    assert Coach(Settings()).store.list_drafts(user_id="ana") == []
    assert _files(isolated_env) == []


def test_dont_save_wins_over_a_database_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "elsewhere.db"
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COACH_DONT_SAVE", "1")
    Coach(Settings()).store.save_draft(user_id="ana", text=CANARY, result={})
    assert not db.exists()


def test_threads_share_the_memory_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    store = Coach(Settings()).store
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                store.save_draft(user_id=f"user-{n}", text=f"{n}-{i}", result={})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(len(store.list_drafts(user_id=f"user-{n}")) == 20 for n in range(4))


def _run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """The real entry point, with its error mapping; the exit code."""
    from coach.cli import main

    monkeypatch.setattr(sys, "argv", ["coach", *args])
    try:
        main()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def test_config_shows_dont_save(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    assert _run_cli(["config", "--json"], monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["dont_save"] is True


def test_cli_export_says_nothing_is_kept_and_writes_only_the_export(
    monkeypatch: pytest.MonkeyPatch, capsys, isolated_env: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    out = tmp_path / "export.json"
    assert _run_cli(["data", "export", "--out", str(out)], monkeypatch) == 0
    assert "Don't-save mode is on" in capsys.readouterr().out
    assert json.loads(out.read_text())["drafts"] == []
    assert _files(isolated_env) == []

"""Two people on one shared server: B can never read, change, export or delete A's data.

Every route of the app is attacked by B (with A's ids wherever a route takes an id)
and by someone not signed in. The route list comes from the app itself: a new route
that is missing from ``ATTACKS`` fails ``test_every_route_is_attacked`` by name.
Afterwards A's rows in the database must be exactly as before, and no response to
B or to the anonymous caller may contain any of A's words or ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from coach.config import Settings, get_settings
from coach.storage import accounts
from coach.storage.tables import Base
from tests.api.browser import BrowserClient, sign_in

MARK = "zebra-quartz-4471"  # A's words; nothing B or a stranger sees may contain it
SAFE = {"GET", "HEAD", "OPTIONS"}


@dataclass
class World:
    app: FastAPI
    a_id: str
    b_id: str
    a_api: TestClient
    b_api: TestClient
    a_web: BrowserClient
    b_web: BrowserClient
    anon: BrowserClient
    session_id: str  # A's practice session
    exercise_open: str  # an exercise recommended to A, not done
    exercise_done: str  # an exercise A marked done with a reflection


def _clients(app: FastAPI, token: str) -> tuple[TestClient, BrowserClient]:
    api = TestClient(app, raise_server_exceptions=False)
    api.headers["Authorization"] = f"Bearer {token}"
    web = BrowserClient(app, raise_server_exceptions=False)
    sign_in(web, token)
    return api, web


@pytest.fixture
def world(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("COACH_AUTH", "tokens")
    monkeypatch.setenv("COACH_RATE_LIMIT_ENABLED", "false")  # many requests, one test
    get_settings.cache_clear()
    app = create_app(Settings())
    store = app.state.coach.store
    a = accounts.add_user(store, name="a")
    b = accounts.add_user(store, name="b")
    a_api, a_web = _clients(app, a.token)
    b_api, b_web = _clients(app, b.token)

    saved = a_web.post("/draft/save", data={"text": f"You never listen to me, {MARK}."})
    assert saved.status_code == 200
    first = a_api.post(
        "/v1/exercises/recommend",
        json={"description": f"We keep fighting about money {MARK}", "stage": "patterns"},
    ).json()["exercise"]["id"]
    second = a_api.post(
        "/v1/exercises/recommend",
        json={"description": f"We keep fighting about money {MARK}", "stage": "patterns"},
    ).json()["exercise"]["id"]
    done = a_api.post(f"/v1/exercises/{second}/done", json={"reflection": f"Helped {MARK}"})
    assert done.status_code == 200
    started = a_api.post(
        "/v1/practice",
        json={"scenario": f"Chores at home {MARK}", "goal": "A fair split", "persona": "defensive"},
    ).json()
    session_id = started["session"]["id"]
    turn = a_api.post(f"/v1/practice/{session_id}/turns", json={"text": f"I feel tired, {MARK}."})
    assert turn.status_code == 200

    return World(
        app=app,
        a_id=a.user_id,
        b_id=b.user_id,
        a_api=a_api,
        b_api=b_api,
        a_web=a_web,
        b_web=b_web,
        anon=BrowserClient(app, raise_server_exceptions=False),
        session_id=session_id,
        exercise_open=first,
        exercise_done=second,
    )


def rows_of(app: FastAPI, user_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row in every table that belongs to one person (by user or account id)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with app.state.coach.store.session() as session:
        for name, table in sorted(Base.metadata.tables.items()):
            column = next(
                (table.c[c] for c in ("user_id", "account_id") if c in table.c),
                table.c["id"] if name in ("users", "accounts") else None,
            )
            if column is None:
                continue
            rows = session.execute(select(table).where(column == user_id)).all()
            found[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return found


# -- the attacks: one entry per (method, path) of the app ------------------------------

Attack = Callable[[World], list[httpx.Response]]


def _b_api(method: str, path: str, **kwargs: Any) -> Attack:
    return lambda w: [
        w.b_api.request(method, path.format(sid=w.session_id, ex=w.exercise_open), **kwargs)
    ]


def _b_web(method: str, path: str, **kwargs: Any) -> Attack:
    return lambda w: [
        w.b_web.request(method, path.format(sid=w.session_id, ex=w.exercise_open), **kwargs)
    ]


def _mark_done(w: World) -> list[httpx.Response]:
    # Exercise ids are catalogue ids, shared by everyone: B marking the same exercise
    # done records B's own row and must leave A's open recommendation open.
    return [
        w.b_api.post(f"/v1/exercises/{w.exercise_open}/done", json={"reflection": "B was here"}),
        w.b_api.post(f"/v1/exercises/{w.exercise_done}/done", json={"reflection": "B again"}),
    ]


def _mark_done_page(w: World) -> list[httpx.Response]:
    return [
        w.b_web.post("/exercises/done", data={"exercise_id": w.exercise_open, "reflection": "B"}),
        w.b_web.post("/exercises/done", data={"exercise_id": w.exercise_done}),
    ]


def _export_both_formats(w: World) -> list[httpx.Response]:
    return [
        w.b_api.get(f"/v1/practice/{w.session_id}/export", params={"format": fmt})
        for fmt in ("json", "markdown")
    ] + [
        w.b_web.get(f"/practice/{w.session_id}/export", params={"fmt": fmt})
        for fmt in ("json", "markdown")
    ]


ATTACKS: dict[tuple[str, str], Attack] = {
    # Public or data-free: B gets nothing of A's from them either.
    ("GET", "/openapi.json"): _b_api("GET", "/openapi.json"),
    ("GET", "/healthz"): _b_api("GET", "/healthz"),
    ("GET", "/static/{name}"): _b_web("GET", "/static/coach.js"),
    ("GET", "/help"): _b_web("GET", "/help"),
    ("GET", "/login"): _b_web("GET", "/login"),
    ("POST", "/login"): _b_web("POST", "/login", data={"token": "coach_not-a-token"}),
    ("GET", "/logout"): _b_web("GET", "/logout"),
    ("GET", "/v1/resources"): _b_api("GET", "/v1/resources"),
    ("GET", "/v1/stages"): _b_api("GET", "/v1/stages"),
    ("GET", "/v1/exercises"): _b_api("GET", "/v1/exercises"),
    ("POST", "/v1/safety/screen"): _b_api("POST", "/v1/safety/screen", json={"text": "hi"}),
    ("POST", "/v1/drafts/analyze"): _b_api("POST", "/v1/drafts/analyze", json={"text": "hi"}),
    ("POST", "/v1/drafts/rewrite"): _b_api("POST", "/v1/drafts/rewrite", json={"text": "hi"}),
    ("POST", "/v1/drafts/rewrite/stream"): _b_api(
        "POST", "/v1/drafts/rewrite/stream", json={"text": "You never listen."}
    ),
    ("GET", "/"): _b_web("GET", "/"),
    ("GET", "/draft"): _b_web("GET", "/draft"),
    ("POST", "/draft"): _b_web("POST", "/draft", data={"text": "You never call."}),
    ("POST", "/draft/i-statement"): _b_web(
        "POST", "/draft/i-statement", data={"observation": "x", "feeling": "sad"}
    ),
    ("GET", "/exercises"): _b_web("GET", "/exercises"),
    ("GET", "/history/delete"): _b_web("GET", "/history/delete"),
    # B's own data, which must be B's only.
    ("GET", "/v1/me/export"): _b_api("GET", "/v1/me/export"),
    ("GET", "/v1/exercises/history"): _b_api("GET", "/v1/exercises/history"),
    ("GET", "/v1/practice"): _b_api("GET", "/v1/practice"),
    ("POST", "/v1/practice"): _b_api(
        "POST", "/v1/practice", json={"scenario": "B's own", "goal": "g", "persona": "skeptical"}
    ),
    ("POST", "/v1/exercises/recommend"): _b_api(
        "POST", "/v1/exercises/recommend", json={"description": "B", "stage": "patterns"}
    ),
    ("POST", "/v1/exercises/{exercise_id}/done"): _mark_done,
    ("GET", "/practice"): _b_web("GET", "/practice"),
    ("POST", "/practice"): _b_web(
        "POST", "/practice", data={"scenario": "B's", "goal": "g", "persona": "skeptical"}
    ),
    ("GET", "/history"): _b_web("GET", "/history"),
    ("GET", "/history/export"): _b_web("GET", "/history/export"),
    ("POST", "/draft/save"): _b_web("POST", "/draft/save", data={"text": "B's own draft."}),
    ("POST", "/exercises"): _b_web("POST", "/exercises", data={"stage": "patterns"}),
    ("POST", "/exercises/done"): _mark_done_page,
    # A's practice session, by its id.
    ("GET", "/v1/practice/{session_id}"): _b_api("GET", "/v1/practice/{sid}"),
    ("POST", "/v1/practice/{session_id}/turns"): _b_api(
        "POST", "/v1/practice/{sid}/turns", json={"text": "B speaking"}
    ),
    ("POST", "/v1/practice/{session_id}/hint"): _b_api("POST", "/v1/practice/{sid}/hint"),
    ("POST", "/v1/practice/{session_id}/undo"): _b_api("POST", "/v1/practice/{sid}/undo"),
    ("POST", "/v1/practice/{session_id}/end"): _b_api("POST", "/v1/practice/{sid}/end"),
    ("GET", "/v1/practice/{session_id}/export"): _export_both_formats,
    ("DELETE", "/v1/practice/{session_id}"): _b_api("DELETE", "/v1/practice/{sid}"),
    ("GET", "/practice/{session_id}"): _b_web("GET", "/practice/{sid}"),
    ("POST", "/practice/{session_id}/turn"): _b_web(
        "POST", "/practice/{sid}/turn", data={"text": "B speaking"}
    ),
    ("POST", "/practice/{session_id}/hint"): _b_web("POST", "/practice/{sid}/hint"),
    ("POST", "/practice/{session_id}/undo"): _b_web("POST", "/practice/{sid}/undo"),
    ("POST", "/practice/{session_id}/end"): _b_web("POST", "/practice/{sid}/end"),
    ("GET", "/practice/{session_id}/export"): _export_both_formats,
    ("POST", "/practice/{session_id}/delete"): _b_web("POST", "/practice/{sid}/delete"),
    # Everything of B's at once; last, so B has data to lose by then.
    ("POST", "/history/delete"): _b_web(
        "POST", "/history/delete", data={"confirm": "delete-everything"}
    ),
    ("DELETE", "/v1/me"): _b_api("DELETE", "/v1/me"),
    # Signing out signs out B only.
    ("POST", "/logout"): _b_web("POST", "/logout"),
}

# Routes that take an id of A's: B must get a plain 404, as for an id that does not exist.
BY_ID = {key for key in ATTACKS if "{session_id}" in key[1]}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, HEAD left out (it mirrors GET)."""
    try:  # FastAPI >= 0.16x keeps included routers as one entry each
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    return {
        (method, route.path)
        for route in routes
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }


def test_every_route_is_attacked(world: World) -> None:
    routes = app_routes(world.app)
    missing = sorted(routes - ATTACKS.keys())
    assert not missing, f"routes with no isolation attack in ATTACKS: {missing}"
    stale = sorted(ATTACKS.keys() - routes)
    assert not stale, f"ATTACKS lists routes the app no longer has: {stale}"


def _leaks(response: httpx.Response, world: World, *, headers: bool = True) -> list[str]:
    secrets = [MARK, world.a_id, world.session_id]
    where = response.text + (str(dict(response.headers)) if headers else "")
    return [s for s in secrets if s in where]


def test_b_cannot_reach_a_through_any_route(world: World) -> None:
    before = rows_of(world.app, world.a_id)
    assert before["drafts"]
    assert before["practice_turns"]
    assert before["exercise_events"]
    for key, attack in ATTACKS.items():
        for response in attack(world):
            assert response.status_code < 500, (key, response.status_code)
            assert not _leaks(response, world), f"{key} showed B some of A's data"
            if key in BY_ID:
                assert response.status_code == 404, (key, response.status_code)
    assert rows_of(world.app, world.a_id) == before

    # A still has everything, and A's open recommendation is still open.
    mine = world.a_api.get("/v1/me/export").json()
    assert MARK in str(mine["drafts"])
    assert MARK in str(mine["practice_sessions"])
    open_rows = [e for e in mine["exercises"] if e["exercise_id"] == world.exercise_open]
    assert open_rows
    assert all(e["done_at"] is None for e in open_rows)
    assert world.a_api.get(f"/v1/practice/{world.session_id}").status_code == 200
    assert world.a_web.get(f"/practice/{world.session_id}").status_code == 200


def test_b_export_and_delete_touch_only_b(world: World) -> None:
    world.b_api.post(
        "/v1/practice", json={"scenario": "B's own", "goal": "g", "persona": "skeptical"}
    )
    world.b_web.post("/draft/save", data={"text": "B's own draft."})
    exported = world.b_api.get("/v1/me/export").json()
    assert exported["user_id"] == world.b_id
    assert len(exported["practice_sessions"]) == 1
    assert len(exported["drafts"]) == 1
    assert MARK not in str(exported)
    page_export = world.b_web.get("/history/export")
    assert MARK not in page_export.text
    assert world.a_id not in page_export.text

    before = rows_of(world.app, world.a_id)
    assert world.b_api.delete("/v1/me").status_code == 200
    assert world.b_web.post("/history/delete", data={"confirm": "delete-everything"}).is_success
    assert rows_of(world.app, world.a_id) == before
    b_rows = rows_of(world.app, world.b_id)
    for table in ("drafts", "exercise_events", "practice_sessions", "practice_turns", "users"):
        assert b_rows[table] == [], table
    # Deleting B's data does not delete B's account: B can still sign in.
    assert b_rows["accounts"]
    assert b_rows["api_tokens"]


def test_strangers_reach_nothing(world: World) -> None:
    before = rows_of(world.app, world.a_id)
    public = {"/openapi.json", "/healthz", "/static/{name}", "/help", "/login", "/logout"}
    public |= {"/v1/resources"}
    for method, path in sorted(app_routes(world.app)):
        url = path.format(session_id=world.session_id, exercise_id=world.exercise_open, name="x")
        kwargs: dict[str, Any] = {}
        if method not in SAFE:
            kwargs = {"json": {"text": "x"}} if path.startswith("/v1") else {"data": {"text": "x"}}
        response = world.anon.request(method, url, follow_redirects=False, **kwargs)
        assert not _leaks(response, world, headers=False), (method, path)
        if path in public:
            continue
        if path.startswith("/v1"):
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login")
    assert rows_of(world.app, world.a_id) == before


def test_a_stolen_id_is_no_key(world: World) -> None:
    """Knowing A's user id or session id is worth nothing without A's token."""
    forged = TestClient(world.app, raise_server_exceptions=False)
    for header in (world.a_id, f"Bearer {world.a_id}", f"Bearer coach_{world.a_id}"):
        response = forged.get("/v1/me/export", headers={"Authorization": header})
        assert response.status_code == 401
    forged.cookies.set("coach_session", world.a_id, domain="testserver.local")
    assert forged.get("/history", follow_redirects=False).status_code == 303

from fastapi import Request
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings


def test_healthz_reports_offline(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["engine"] == "offline"


def test_healthz_reports_llm(monkeypatch) -> None:
    monkeypatch.setenv("COACH_LLM_MODEL", "qwen2.5")
    client = TestClient(create_app(Settings()))
    assert client.get("/healthz").json()["engine"] == "llm:qwen2.5"


def test_unknown_api_route_is_json_404(client: TestClient) -> None:
    # Outside /v1 a missing page is a page (tests/api/test_published_schema.py).
    response = client.get("/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_schema_on_and_cdn_docs_off_by_default(client: TestClient) -> None:
    # The Swagger UI needs a CDN (see COACH_API_DOCS); the schema works offline.
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_body_over_limit_is_413_json(monkeypatch) -> None:
    monkeypatch.setenv("COACH_MAX_REQUEST_BYTES", "1000")
    client = TestClient(create_app(Settings()))
    # A route that takes a body: /healthz takes none, so a POST there is a 405.
    response = client.post(
        "/v1/drafts/analyze", content=b"x" * 5000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_streamed_body_over_limit_is_413(monkeypatch) -> None:
    monkeypatch.setenv("COACH_MAX_REQUEST_BYTES", "1000")
    app = create_app(Settings())

    # Under /v1: a raw body to a page path would be refused for want of a CSRF token.
    @app.post("/v1/echo-length")
    async def echo_length(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    client = TestClient(app)
    assert client.post("/v1/echo-length", content=b"z" * 900).json() == {"length": 900}

    def chunks():
        for _ in range(10):
            yield b"y" * 500

    response = client.post("/v1/echo-length", content=chunks())
    assert response.status_code == 413


def test_healthz_says_warming_until_the_warm_up_is_done(monkeypatch) -> None:
    import threading

    from api.settings import WebSettings
    from coach.service import Coach

    release, started = threading.Event(), threading.Event()

    def slow_warm_up(self: Coach) -> None:
        started.set()
        release.wait(10)

    monkeypatch.setattr(Coach, "warm_up", slow_warm_up)
    app = create_app(Settings(), web=WebSettings(warm_up=True))
    with TestClient(app) as client:
        assert started.wait(10)
        response = client.get("/healthz")
        assert (response.status_code, response.json()["status"]) == (503, "warming")
        release.set()
        app.state.warmed.wait(10)
        response = client.get("/healthz")
        assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_without_warm_up_healthz_is_ok_at_once(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_warm_up_loads_the_jobs_without_storing_anything(settings: Settings) -> None:
    from coach.service import Coach

    coach = Coach(settings)
    coach.warm_up()
    assert coach.saved_drafts() == []
    assert coach.exercise_history() == []

"""No log line ever carries what a person wrote.

Every flow of the API, the pages and the CLI runs here with a distinctive canary
word in the person's text, including the error paths (input too long, a body over
the limit, malformed JSON, a model that fails and quotes the prompt in its error,
a database that refuses the write), while every logger in the process records at
DEBUG: ours, and the libraries' (uvicorn, FastAPI/Starlette, httpx, SQLAlchemy,
Chroma, LangChain/OpenAI, sse-starlette). No record (message, arguments, extra
fields, exception and its chain) may contain the canary; nor may anything the
server prints. The CLI's own output on stdout may echo the person's words (that is
its job); its stderr may not.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field

from api.app import create_app
from api.settings import WebSettings
from coach.config import Settings, get_settings
from tests.support.servers import free_port

CANARY = "Quillowisp"  # never a real word, so any hit is ours

# Loggers that do not all propagate to the root, or start above DEBUG.
LIBRARY_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "fastapi",
    "starlette",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "alembic",
    "chromadb",
    "openai",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "sse_starlette",
    "multipart",
    "python_multipart",
    "asyncio",
    "coach",
    "api",
    "py.warnings",
)


def said(what: str) -> str:
    """A realistic sentence with the canary in it."""
    return f"{what} {CANARY}"


# ------------------------------------------------------------------------------ capture


class Sink(logging.Handler):
    """Keeps every record it sees, once."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._seen: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.records.append(record)


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler or formatter could ever write out for this record."""
    parts = [str(record.msg), repr(record.args), repr(record.__dict__)]
    try:
        parts.append(record.getMessage())
    except Exception as exc:  # a bad format string is still a record
        parts.append(repr(exc))
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    parts += [record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


class Capture:
    def __init__(self, sink: Sink, capfd: pytest.CaptureFixture[str]) -> None:
        self.sink = sink
        self.capfd = capfd

    def leaks(self, *, check_stdout: bool = True) -> list[str]:
        found = [
            f"{r.name}:{r.levelname}: {record_text(r)[:400]}"
            for r in self.sink.records
            if CANARY.lower() in record_text(r).lower()
        ]
        self.sink.records.clear()
        out, err = self.capfd.readouterr()
        if CANARY.lower() in err.lower():
            found.append(f"stderr: {err[:400]}")
        if check_stdout and CANARY.lower() in out.lower():
            found.append(f"stdout: {out[:400]}")
        return found

    def assert_clean(self, *, check_stdout: bool = True) -> None:
        leaks = self.leaks(check_stdout=check_stdout)
        assert leaks == [], "\n\n".join(leaks)


@pytest.fixture
def logs(capfd: pytest.CaptureFixture[str]) -> Iterator[Capture]:
    sink = Sink()
    names = ["", *LIBRARY_LOGGERS]
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(sink)
    logging.captureWarnings(True)
    try:
        yield Capture(sink, capfd)
    finally:
        logging.captureWarnings(False)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).removeHandler(sink)


def test_the_capture_sees_library_records_and_would_catch_a_leak(logs: Capture) -> None:
    logging.getLogger("sqlalchemy.engine.Engine").debug("row %r", (said("leaked"),))
    try:
        raise ValueError(said("inside an exception"))
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    leaks = logs.leaks()
    assert len(leaks) == 2
    assert logs.leaks() == []  # and it starts clean again


# ------------------------------------------------------------------------------ fakes


class FailingModel(FakeListChatModel):
    """A model whose failure quotes the prompt, as some client libraries' errors do."""

    responses: list[str] = Field(default_factory=lambda: ["unused"])

    def _fail(self, messages: list[BaseMessage]) -> RuntimeError:
        return RuntimeError(f"upstream rejected the prompt: {messages[-1].content}")

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        raise self._fail(messages)

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise self._fail(messages)

    async def _astream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        raise self._fail(messages)
        yield  # pragma: no cover - makes this an async generator


def echoing_server(status_code: int) -> Callable[[httpx.Request], httpx.Response]:
    """An endpoint whose error body repeats the request, prompt and all."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"message": request.content.decode(), "type": "server_error"}}
        return httpx.Response(status_code, json=body)

    return handler


def real_model(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    """The real ChatOpenAI -> openai -> httpx stack over a mock transport."""
    from tests.coach.llm.test_wire import Server, model_for

    return model_for(Server(handler))


# ------------------------------------------------------------------------------ API


@pytest.fixture
def app_settings(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()
    return Settings()


def make_client(settings: Settings, model: Any = None) -> TestClient:
    return TestClient(create_app(settings, chat_model=model), raise_server_exceptions=False)


def form_token(client: TestClient) -> dict[str, str]:
    """The pages' anti-forgery field for this client's cookie, when the forms carry one."""
    page = client.get("/draft").text
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    if tag is None:
        return {}
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return {"csrf_token": value.group(1)} if value else {}


def test_draft_routes(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    for path in ("/v1/drafts/analyze", "/v1/drafts/rewrite", "/v1/drafts/rewrite/stream"):
        body = {"text": said("You never listen and you're so lazy about"), "locale": "GB"}
        assert client.post(path, json=body).status_code == 200
        urgent = {"text": said("I want to kill myself tonight, I have the pills. ")}
        assert client.post(path, json=urgent).status_code == 200
    logs.assert_clean()


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(lambda: FailingModel(), id="model-raises-quoting-the-prompt"),
        pytest.param(lambda: real_model(echoing_server(500)), id="endpoint-500-echoes-prompt"),
        pytest.param(lambda: real_model(echoing_server(429)), id="endpoint-429-echoes-prompt"),
    ],
)
def test_model_failures(app_settings: Settings, logs: Capture, model: Callable[[], Any]) -> None:
    settings = app_settings.model_copy(update={"llm_model": "fake-model"})
    client = make_client(settings, model())
    text = said("You never help with the dishes, you're so lazy about")
    rewritten = client.post("/v1/drafts/rewrite", json={"text": text})
    assert rewritten.json()["engine"] == "offline-fallback"
    streamed = client.post("/v1/drafts/rewrite/stream", json={"text": text})
    assert "offline-fallback" in streamed.text
    recommended = client.post(
        "/v1/exercises/recommend", json={"description": said("We keep fighting about")}
    )
    assert recommended.status_code == 200
    sid = client.post(
        "/v1/practice",
        json={"scenario": said("chores and"), "goal": "a fair split", "persona": "defensive"},
    ).json()["session"]["id"]
    turn = client.post(f"/v1/practice/{sid}/turns", json={"text": said("I feel tired about")})
    assert turn.json()["engine"] == "offline-fallback"
    logs.assert_clean()


def test_a_model_that_works(app_settings: Settings, logs: Capture) -> None:
    from tests.coach.llm.test_wire import GOOD, ok

    settings = app_settings.model_copy(update={"llm_model": "fake-model"})
    client = make_client(settings, real_model(ok(GOOD)))
    text = said("You never help with the dishes, you're so lazy about")
    assert client.post("/v1/drafts/rewrite", json={"text": text}).status_code == 200
    assert client.post("/v1/drafts/rewrite/stream", json={"text": text}).status_code == 200
    logs.assert_clean()


def test_exercise_routes(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    first = client.post(
        "/v1/exercises/recommend",
        json={"description": said("He cheated and I keep checking his phone,"), "stage": "trust"},
    ).json()
    done = client.post(
        f"/v1/exercises/{first['exercise']['id']}/done", json={"reflection": said("It helped")}
    )
    assert done.status_code == 200
    assert client.get("/v1/exercises/history").status_code == 200
    caution = client.post(
        "/v1/exercises/recommend",
        json={"description": said("He checks my phone and controls our money,")},
    )
    assert caution.status_code == 200
    logs.assert_clean()


def test_practice_routes(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    start = {"scenario": said("who does the"), "goal": said("share the"), "persona": "skeptical"}
    sid = client.post("/v1/practice", json=start).json()["session"]["id"]
    for text in (said("You never help with the"), said("I feel tired, could we share the")):
        assert client.post(f"/v1/practice/{sid}/turns", json={"text": text}).status_code == 200
    assert client.post(f"/v1/practice/{sid}/hint").status_code == 200
    assert client.post(f"/v1/practice/{sid}/undo").status_code == 200
    assert client.post(f"/v1/practice/{sid}/end").status_code == 200
    for fmt in ("json", "markdown"):
        assert client.get(f"/v1/practice/{sid}/export", params={"format": fmt}).status_code == 200
    assert client.get("/v1/practice").status_code == 200
    assert client.get(f"/v1/practice/{sid}").status_code == 200
    # A turn on an ended session, then an urgent one on a new session.
    assert client.post(f"/v1/practice/{sid}/turns", json={"text": said("hello")}).status_code == 422
    sid2 = client.post("/v1/practice", json=start).json()["session"]["id"]
    urgent = {"text": said("I will kill her if she leaves, ")}
    assert client.post(f"/v1/practice/{sid2}/turns", json=urgent).json()["status"] == "safety"
    abuse = {**start, "scenario": said("He hit me and choked me last night over")}
    assert client.post("/v1/practice", json=abuse).json()["status"] == "safety"
    assert client.delete(f"/v1/practice/{sid}").status_code == 204
    logs.assert_clean()


def test_safety_and_your_data_routes(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    for text in (
        said("We argued about"),
        said("He checks my phone and won't let me see friends,"),
        said("I want to end it all tonight,"),
    ):
        assert client.post("/v1/safety/screen", json={"text": text}).status_code == 200
    client.post("/v1/exercises/recommend", json={"description": said("We drifted apart,")})
    exported = client.get("/v1/me/export")
    assert exported.status_code == 200
    assert client.delete("/v1/me").status_code == 200
    logs.assert_clean()


def test_page_forms(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    token = form_token(client)
    text = said("You never listen and you always make it about")
    assert client.post("/draft", data={"text": text, **token}).status_code == 200
    assert client.post("/draft/save", data={"text": text, **token}).status_code == 200
    builder = {
        "observation": said("When the dishes sat out about"),
        "feeling": "I felt tired",
        "need": "I need rest",
        "request": "Would you wash them tonight?",
    }
    assert client.post("/draft/i-statement", data={**builder, **token}).status_code == 200
    form = {"description": said("We keep fighting about"), "stage": "", "who": "", "minutes": ""}
    assert client.post("/exercises", data={**form, **token}).status_code == 200
    done = {"exercise_id": "exercise-nope", "reflection": said("It went ok"), **token}
    assert client.post("/exercises/done", data=done).status_code == 404
    started = client.post(
        "/practice",
        data={"scenario": said("the chores and"), "goal": said("fair"), "persona": "defensive"}
        | token,
        follow_redirects=False,
    )
    assert started.status_code == 303
    session_path = started.headers["location"]
    turn = {"text": said("I feel tired about"), **token}
    assert client.post(f"{session_path}/turn", data=turn).status_code == 200
    assert client.post(f"{session_path}/hint", data=turn).status_code == 200
    assert client.post(f"{session_path}/undo", data=token).status_code == 200
    assert client.post(f"{session_path}/turn", data={"text": "", **token}).status_code == 422
    assert client.post(f"{session_path}/end", data=token).status_code == 200
    assert client.get(f"{session_path}/export").status_code == 200
    assert client.get("/history").status_code == 200
    assert client.get("/history/export").status_code == 200
    urgent = {"text": said("I want to kill myself tonight,"), **token}
    assert client.post("/draft", data=urgent).status_code == 200
    too_long = {"text": said("x" * (get_settings().max_text_chars + 10)), **token}
    assert client.post("/draft", data=too_long).status_code == 422
    assert client.post("/history/delete", data={"confirm": "delete-everything", **token})
    logs.assert_clean()


def test_input_error_paths(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    long_text = said("You never listen") + " again" * WebSettings().max_request_bytes
    # Over the character limit but under the byte limit: the domain's own check.
    limit = app_settings.max_text_chars
    over = said("word ") * (limit // 15)
    assert client.post("/v1/drafts/analyze", json={"text": over}).status_code in (413, 422)
    # Over the request byte limit.
    assert client.post("/v1/drafts/analyze", json={"text": long_text}).status_code == 413
    # Malformed JSON and wrong types, with the canary in the broken body.
    broken = ('{"text": "' + said("You never") + '", }').encode()
    response = client.post(
        "/v1/drafts/analyze", content=broken, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert CANARY not in response.text
    wrong = client.post("/v1/drafts/rewrite", json={"text": said("hi"), "locale": said("x" * 9)})
    assert wrong.status_code == 422
    assert CANARY not in wrong.text
    bad_persona = {"scenario": said("a"), "goal": said("b"), "persona": said("nobody")}
    assert client.post("/v1/practice", json=bad_persona).status_code == 422
    # (Ids are in URLs, which access logs keep; the words are what must not be.)
    unknown = client.post("/v1/practice/" + "0" * 32 + "/turns", json={"text": said("hello")})
    assert unknown.status_code == 404
    logs.assert_clean()


def _refuse_writes(settings: Settings) -> None:
    """Make the database refuse every insert, the way a failing disk would."""
    import sqlite3

    db = sqlite3.connect(settings.data_dir / "coach.db")
    for table in ("drafts", "exercise_events", "practice_sessions", "practice_turns"):
        db.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    db.commit()
    db.close()


def test_storage_error_paths(app_settings: Settings, logs: Capture) -> None:
    client = make_client(app_settings)
    assert client.get("/v1/practice").status_code == 200  # creates the database
    sid = client.post(
        "/v1/practice", json={"scenario": said("chores"), "goal": "fair", "persona": "defensive"}
    ).json()["session"]["id"]
    _refuse_writes(app_settings)
    # A recommendation needs no write to answer: it warns (without the words) and answers.
    answered = client.post("/v1/exercises/recommend", json={"description": said("We fight,")})
    assert answered.status_code == 200
    assert any("recommendation" in r.getMessage() for r in logs.sink.records)
    start = {"scenario": said("chores"), "goal": "fair", "persona": "defensive"}
    assert client.post("/v1/practice", json=start).status_code == 503
    turn = client.post(f"/v1/practice/{sid}/turns", json={"text": said("I feel tired")})
    assert turn.status_code in (422, 503)
    token = form_token(client)
    saved = client.post("/draft/save", data={"text": said("You never listen"), **token})
    assert saved.status_code == 503
    logs.assert_clean()


def test_a_storage_error_carries_no_words_in_its_chain(app_settings: Settings) -> None:
    """Whatever logs a StorageError with its traceback, the SQL parameters are not in it."""
    from coach.errors import StorageError
    from coach.service import Coach

    coach = Coach(app_settings)
    coach.store.list_drafts(user_id="local")
    _refuse_writes(app_settings)
    with pytest.raises(StorageError) as caught:
        coach.store.save_draft(user_id="local", text=said("private words"), result={})
    assert CANARY not in "".join(traceback.format_exception(caught.value))


# ------------------------------------------------------------------------------ a real server


def test_a_real_uvicorn_server_at_trace_level(app_settings: Settings, logs: Capture) -> None:
    """uvicorn's own logging config, at its most verbose, with the app's error paths."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        create_app(app_settings), host="127.0.0.1", port=port, log_level="trace"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        # uvicorn configured its loggers just now: listen to them at DEBUG as well.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).addHandler(logs.sink)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as http:
            text = said("You never listen and you're so lazy about")
            assert http.post("/v1/drafts/rewrite", json={"text": text}).status_code == 200
            assert http.post("/v1/drafts/rewrite/stream", json={"text": text}).status_code == 200
            sid = http.post(
                "/v1/practice",
                json={"scenario": said("chores"), "goal": "fair", "persona": "defensive"},
            ).json()["session"]["id"]
            turn = http.post(f"/v1/practice/{sid}/turns", json={"text": said("I feel")})
            assert turn.status_code == 200
            big = {"text": said("x") * WebSettings().max_request_bytes}
            assert http.post("/v1/drafts/analyze", json=big).status_code == 413
            broken = ('{"text": "' + said("You never") + '",').encode()
            headers = {"content-type": "application/json"}
            assert http.post("/v1/drafts/analyze", content=broken, headers=headers).status_code
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).removeHandler(logs.sink)
    assert any(r.name.startswith("uvicorn") for r in logs.sink.records)
    logs.assert_clean()


# ------------------------------------------------------------------------------ CLI


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, *, stdin: str = "") -> int:
    """The real ``coach`` entry point (with its error mapping); returns the exit code."""
    from coach.cli import main

    get_settings.cache_clear()
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        main()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


@pytest.fixture
def cli_env(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    del shared_index
    return monkeypatch


def test_cli_jobs(cli_env: pytest.MonkeyPatch, logs: Capture, tmp_path: Path) -> None:
    mp = cli_env
    draft = said("You never listen and you're so lazy about")
    (tmp_path / "draft.txt").write_text(draft)
    assert run_cli(["draft", draft], mp) == 0
    assert run_cli(["draft", "--json", draft], mp) == 0
    assert run_cli(["draft", "--no-rewrite", "-"], mp, stdin=draft) == 0
    assert run_cli(["draft", "--file", str(tmp_path / "draft.txt")], mp) == 0
    assert run_cli(["draft", said("I want to kill myself tonight,")], mp) == 0
    assert run_cli(["screen", said("He checks my phone and controls the money,")], mp) == 0
    assert run_cli(["screen", "--json", "-"], mp, stdin=said("I can't go on,")) == 0
    assert run_cli(["stage", said("We are rebuilding trust after the affair and")], mp) == 0
    assert run_cli(["exercise", said("He cheated and I check his phone,")], mp) == 0
    assert run_cli(["exercise", "--json", said("We drifted apart,")], mp) == 0
    assert run_cli(["exercise", "--history"], mp) == 0
    logs.assert_clean(check_stdout=False)


def test_cli_practice_and_data(cli_env: pytest.MonkeyPatch, logs: Capture, tmp_path: Path) -> None:
    mp = cli_env
    script = "\n".join(
        [
            said("how we split the"),
            said("a fairer"),
            "1",
            said("You never help with the"),
            "/hint",
            "/undo",
            said("I feel worn out and I'd like us to share the"),
            "/end",
        ]
    )
    assert run_cli(["practice", "--seed", "3"], mp, stdin=script + "\n") == 0
    assert run_cli(["practice", "--list"], mp) == 0
    logs.capfd.readouterr()
    assert run_cli(["practice", "--list"], mp) == 0
    listed = logs.capfd.readouterr().out
    sid = re.search(r"\b[0-9a-f]{32}\b", listed)
    assert sid, listed
    assert run_cli(["practice", "--export", sid.group(0), "--format", "json"], mp) == 0
    out = tmp_path / "session.md"
    assert run_cli(["practice", "--export", sid.group(0), "-o", str(out)], mp) == 0
    assert run_cli(["exercise", "--done", "exercise-nope", "--reflection", said("ok")], mp) == 66
    assert run_cli(["data", "export", "--out", str(tmp_path / "all.json")], mp) == 0
    assert run_cli(["data", "purge", "--days", "30"], mp) == 0
    assert run_cli(["practice", "--delete", sid.group(0)], mp) == 0
    assert run_cli(["data", "delete", "--yes"], mp) == 0
    logs.assert_clean(check_stdout=False)


def test_cli_error_paths(cli_env: pytest.MonkeyPatch, logs: Capture, tmp_path: Path) -> None:
    mp = cli_env
    limit = Settings().max_text_chars
    assert run_cli(["draft", said("You never ") * (limit // 10)], mp) == 65
    # The model endpoint is down (nothing listens there): offline answers, exit 0.
    mp.setenv("COACH_LLM_MODEL", "smollm2-test")
    mp.setenv("COACH_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    mp.setenv("COACH_LLM_TIMEOUT_SECONDS", "2")
    mp.setenv("COACH_LLM_MAX_RETRIES", "0")
    assert run_cli(["draft", said("You never help, you're so lazy about")], mp) == 0
    assert run_cli(["exercise", said("We keep fighting about")], mp) == 0
    script = "\n".join([said("chores"), "fair", "1", said("I feel tired about"), "/end"])
    assert run_cli(["practice", "--seed", "1"], mp, stdin=script + "\n") == 0
    mp.delenv("COACH_LLM_MODEL")
    # The database cannot be opened: a clear error and exit 75.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    mp.setenv("COACH_DATABASE_URL", f"sqlite:///{blocker / 'coach.db'}")
    assert run_cli(["exercise", said("We keep fighting about")], mp) == 75
    logs.assert_clean(check_stdout=False)

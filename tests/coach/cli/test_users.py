"""`coach users`: add people, give and revoke tokens, list them without secrets."""

from __future__ import annotations

import re
import sys

import pytest
from typer.testing import CliRunner

from coach.cli import _load_commands, app, main
from coach.config import get_settings
from coach.service import Coach
from coach.storage import accounts
from coach.storage.repository import Store

_load_commands()
runner = CliRunner()
TOKEN = re.compile(r"^coach_[A-Za-z0-9_-]{43}$")


def _store() -> Store:  # the database the commands use (this test's own data dir)
    return Coach(get_settings()).store


def _token(result) -> str:
    """The token is the only thing on stdout, so scripts can capture it."""
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert TOKEN.match(token), result.stdout
    return token


def test_add_prints_a_working_token_once() -> None:
    result = runner.invoke(app, ["users", "add", "sam", "--label", "laptop"])
    token = _token(result)
    assert "shown only this once" in result.stderr
    identity = accounts.identify_token(_store(), token=token)
    assert identity is not None
    assert identity.name == "sam"


def test_list_shows_no_secrets() -> None:
    token = _token(runner.invoke(app, ["users", "add", "sam", "--label", "laptop"]))
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 0
    assert "sam" in result.stdout
    assert "laptop" in result.stdout
    assert token not in result.stdout
    assert token[6:20] not in result.stdout
    assert accounts.secret_hash(token)[:12] not in result.stdout


def test_token_issues_another_and_both_work() -> None:
    first = _token(runner.invoke(app, ["users", "add", "sam"]))
    second = _token(runner.invoke(app, ["users", "token", "sam", "--label", "phone"]))
    assert first != second
    store = _store()
    assert accounts.identify_token(store, token=first) is not None
    assert accounts.identify_token(store, token=second) is not None


def test_revoke_one_token_or_all() -> None:
    first = _token(runner.invoke(app, ["users", "add", "sam"]))
    second = _token(runner.invoke(app, ["users", "token", "sam"]))
    store = _store()
    first_id = accounts.identify_token(store, token=first).token_id

    result = runner.invoke(app, ["users", "revoke", "sam", "--token", first_id])
    assert result.exit_code == 0, result.output
    assert "Revoked 1 token of sam" in result.stdout
    assert accounts.identify_token(store, token=first) is None
    assert accounts.identify_token(store, token=second) is not None

    result = runner.invoke(app, ["users", "revoke", "sam"])
    assert result.exit_code == 0
    assert accounts.identify_token(store, token=second) is None


def test_remove_deletes_the_account_and_its_data() -> None:
    token = _token(runner.invoke(app, ["users", "add", "sam"]))
    store = _store()
    user_id = accounts.identify_token(store, token=token).user_id
    store.save_draft(user_id=user_id, text="a draft", result={})
    store.save_draft(user_id="someone-else", text="theirs", result={})

    result = runner.invoke(app, ["users", "remove", "sam", "--yes"])
    assert result.exit_code == 0, result.output
    assert accounts.identify_token(store, token=token) is None
    assert store.list_drafts(user_id=user_id) == []
    assert len(store.list_drafts(user_id="someone-else")) == 1
    assert "sam" not in runner.invoke(app, ["users", "list"]).stdout


def test_remove_asks_first() -> None:
    runner.invoke(app, ["users", "add", "sam"])
    result = runner.invoke(app, ["users", "remove", "sam"], input="n\n")
    assert result.exit_code == 1
    assert [a.name for a in accounts.list_users(_store())] == ["sam"]


def _exit_code(args: list[str], capsys, monkeypatch) -> tuple[int, str]:
    """Run the real entry point, where Coach errors become exit codes."""
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    return stopped.value.code, capsys.readouterr().err


def test_clear_errors_and_exit_codes(capsys, monkeypatch) -> None:
    runner.invoke(app, ["users", "add", "sam"])
    code, err = _exit_code(["users", "add", "sam"], capsys, monkeypatch)
    assert code == 65
    assert "already a user called sam" in err
    assert "coach users token sam" in err
    assert _exit_code(["users", "add", "two words"], capsys, monkeypatch)[0] == 65
    assert _exit_code(["users", "token", "nobody"], capsys, monkeypatch)[0] == 66
    assert _exit_code(["users", "revoke", "sam", "--token", "nope"], capsys, monkeypatch)[0] == 66
    assert _exit_code(["users", "remove", "nobody", "--yes"], capsys, monkeypatch)[0] == 66


def test_empty_list_says_how_to_start() -> None:
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 0
    assert "coach users add" in result.stdout

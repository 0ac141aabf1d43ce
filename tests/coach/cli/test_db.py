"""`coach db` and the parts of `coach serve --workers` that run before any worker starts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.storage import migrate

_load_commands()
runner = CliRunner()


def test_db_status_and_upgrade_on_the_default_sqlite(isolated_env: Path) -> None:
    before = runner.invoke(app, ["db", "status"])
    assert before.exit_code == 0, before.output
    assert "revision none" in before.output
    assert not (isolated_env / "coach.db").exists()  # looking does not create the database

    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"to {migrate.head_revision()}" in upgraded.output
    again = runner.invoke(app, ["db", "upgrade"])
    assert "nothing to do" in again.output
    assert "(the newest)" in runner.invoke(app, ["db", "status"]).output


def test_db_upgrade_sql_prints_the_schema_without_touching_the_database(
    isolated_env: Path,
) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--sql"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE practice_turns" in result.output
    assert not (isolated_env / "coach.db").exists()


def test_serve_refuses_several_workers_in_dont_save_mode(monkeypatch) -> None:
    monkeypatch.setenv("COACH_DONT_SAVE", "1")
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code != 0
    assert "Don't-save mode" in str(result.exception)


def test_the_head_read_from_file_names_is_alembics_head() -> None:
    """upgrade() skips Alembic when the database is at the head found by file name."""
    assert migrate.shipped_head() == migrate.head_revision()


def test_importing_the_store_does_not_import_alembic() -> None:
    import subprocess
    import sys

    code = "import sys, coach.storage.repository; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

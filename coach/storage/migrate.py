"""Schema migrations: bring Coach's database to the newest Alembic revision.

The revisions live in ``coach/storage/migrations`` (inside the package, so an
installed wheel can migrate its own database). :class:`coach.storage.repository.Store` calls
:func:`upgrade` when it starts, because a person who updates Coach should never
have to run a separate command before their history opens; operators of a shared
PostgreSQL may prefer ``coach db upgrade`` before starting the workers.

Two things make startup migration safe:

- On PostgreSQL the whole upgrade runs under a transaction-scoped advisory lock,
  so when several workers start at once one migrates and the others wait, then
  find the schema already at head. (SQLite has one writer anyway; ``coach serve``
  migrates once before it starts its workers.)
- A database made by ``create_all`` before migrations existed has Coach's tables
  but no ``alembic_version``. It is adopted only if its tables and columns are
  exactly those of the initial revision; then that revision is stamped and later
  ones run as usual. Anything else is refused with a message, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from coach.errors import StorageError
from coach.storage.engine import make_engine

# Alembic is imported only when a migration has to run or be read: importing it costs
# more than a second on a small machine, and at nearly every start the database is
# already at the head revision (checked with one plain query, see upgrade).
if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The revision that matches the tables ``create_all`` made before migrations existed.
INITIAL_REVISION = "0001"
# Any constant works; it only has to be the same in every Coach process.
_ADVISORY_LOCK_KEY = 0x636F616368
_VERSION_TABLE = "alembic_version"


def alembic_config(
    *,
    connection: Connection | None = None,
    url: str | None = None,
    metadata: MetaData | None = None,
) -> Config:
    """An Alembic config built in code: no ``alembic.ini`` to ship or find."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Numbered, append-only files: 0002_add_something.py (pass rev_id="0002").
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url:
        # ConfigParser treats % as interpolation; a password may contain one.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = metadata
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision shipped with this Coach."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the initial revision always exists
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty or unmigrated database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its revision (None before the first) and the newest one."""

    revision: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def status(url: str) -> SchemaStatus:
    """The revision of the database at ``url``, read without changing anything."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return SchemaStatus(revision=None, head=head_revision())  # and do not create the file
    engine = make_engine(url)
    try:
        return SchemaStatus(revision=current_revision(engine), head=head_revision())
    except SQLAlchemyError as exc:
        raise StorageError(
            f"The database is not available right now ({type(exc).__name__}).",
            hint="Check COACH_DATABASE_URL and that the database server is up.",
        ) from exc
    finally:
        engine.dispose()


def upgrade_sql(url: str) -> None:
    """Print the SQL that builds the newest schema from nothing, instead of running it."""
    from alembic import command

    command.upgrade(alembic_config(url=url), "head", sql=True)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``, adopting a pre-migrations database first."""
    if revision == "head" and _at_shipped_head(engine):
        return  # the common case at every start, answered without importing Alembic
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
            )
        current = MigrationContext.configure(connection).get_current_revision()
        if revision == "head" and current == head_revision():
            return  # the common case at every start: nothing to read or run
        config = alembic_config(connection=connection)
        try:
            if current is None and _adopt_legacy(connection):
                command.stamp(config, INITIAL_REVISION)
            command.upgrade(config, revision)
        except CommandError as exc:  # chiefly: a revision this Coach does not know
            raise StorageError(
                f"The database is at schema revision {current}, which this version of Coach "
                "does not know (it was probably migrated by a newer Coach). Nothing was changed.",
                hint="Upgrade Coach, or point COACH_DATABASE_URL at another database.",
            ) from exc


@lru_cache(maxsize=1)
def shipped_head() -> str:
    """The newest revision by its file name (``0003_slug.py``): the files are numbered and
    append-only, one chain, so the highest number is Alembic's head (a test checks)."""
    numbers = [
        match.group(1)
        for path in (MIGRATIONS_DIR / "versions").glob("*.py")
        if (match := re.match(r"(\d{4})_", path.name))
    ]
    return max(numbers)


def _at_shipped_head(engine: Engine) -> bool:
    """Whether the database's one recorded revision is the shipped head (plain SQL)."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(_VERSION_TABLE):
                return False
            found = connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(found.scalars()) == [shipped_head()]
    except SQLAlchemyError:
        return False


def _adopt_legacy(connection: Connection) -> bool:
    """True if this is a pre-migrations database to stamp; raise if it cannot be trusted."""
    found = set(inspect(connection).get_table_names()) - {_VERSION_TABLE}
    expected = initial_schema()
    ours = found & expected.keys()
    if not ours:
        return False  # empty (or someone else's tables only): the initial revision creates ours
    problems = sorted(
        f"{table}: missing" if table not in found else f"{table}: columns differ"
        for table in expected
        if table not in found
        or {c["name"] for c in inspect(connection).get_columns(table)} != expected[table]
    )
    if problems:
        raise StorageError(
            "The database was made by an older Coach and its tables do not match what "
            f"this version expects ({'; '.join(problems)}). Nothing was changed.",
            hint="Export your data with the Coach version that made it (see `coach data`), "
            "then move the database file away or point COACH_DATABASE_URL at a new database.",
        )
    return True


@lru_cache(maxsize=1)
def initial_schema() -> dict[str, frozenset[str]]:
    """Table -> column names as the initial revision creates them.

    Read by running that revision on a scratch in-memory SQLite, so it stays right
    when the models move on (the revision file itself never changes).
    """
    from alembic import command

    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection=connection), INITIAL_REVISION)
            inspector = inspect(connection)
            return {
                table: frozenset(c["name"] for c in inspector.get_columns(table))
                for table in inspector.get_table_names()
                if table != _VERSION_TABLE
            }
    finally:
        engine.dispose()

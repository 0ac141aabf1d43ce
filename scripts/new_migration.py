"""Write the next numbered Alembic revision from the difference between the models and head.

Dev-only. After changing a table in ``coach/storage/tables.py`` run::

    .venv/bin/python scripts/new_migration.py "add a note to drafts"

It migrates a scratch SQLite database to the current head, compares it with the
tables (``coach/storage/tables.py``) and writes
``coach/storage/migrations/versions/NNNN_<slug>.py``.
Read the result before keeping it: autogenerate cannot see renames (it writes a
drop and an add) and knows nothing about moving data. The migration test suite
(tests/servers/test_migrations.py) then checks the new head against the models on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from coach.storage import migrate
from coach.storage.repository import Store
from coach.storage.tables import Base


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.db'}"
        store = Store(url)  # at head
        store.engine.dispose()
        number = int(migrate.head_revision()) + 1
        command.revision(
            migrate.alembic_config(url=url, metadata=Base.metadata),
            message=message,
            autogenerate=True,
            rev_id=f"{number:04d}",
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: scripts/new_migration.py "what the revision does"')
    main(sys.argv[1])

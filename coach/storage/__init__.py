"""Where Coach keeps what people chose to store: tables, engines, repositories, migrations.

``tables`` holds every table; ``engine`` makes SQLAlchemy engines; ``repository``
is the :class:`~coach.storage.repository.Store` (drafts, exercises, retention);
``practice`` and ``accounts`` are the practice sessions' and the sign-in accounts'
functions over it; ``migrate`` brings a database to the newest Alembic revision.
Imports point one way only: tables and engine <- migrate <- repository <- practice, accounts.
"""

"""Request counts per minute for rate limits shared by every worker (``api.security.rate_counts``).

Only a SHA-256 of each key (a user id or a client address) is stored, and rows
older than the previous minute are deleted as Coach runs, so the table stays as
small as the number of recently active clients.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("minute", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "key_hash"),
    )


def downgrade() -> None:
    op.drop_table("rate_counts")

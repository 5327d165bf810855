"""The feedback table as coach wrote it before migrations (SQLite files of that time are stamped 0001).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# timestamptz on PostgreSQL; ISO-8601 text in UTC on SQLite (what coach always wrote there)
TIMESTAMP = sa.String(32).with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("suggestion_index", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("final_text", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("request_id", sa.Text()),
        sa.Column("conversation_id", sa.Text()),
        sa.Column("conversation_json", sa.Text()),
        sa.Column("source", sa.Text()),
        sa.Column("degraded", sa.Boolean(create_constraint=False)),
        sa.Column("template", sa.Text()),
        sa.Column("model", sa.Text()),
        sa.Column("agent_id", sa.Text()),
        sa.CheckConstraint("verdict IN ('accepted', 'edited', 'rejected')", name="feedback_verdict_check"),
        sqlite_autoincrement=True,
    )
    op.create_index("feedback_verdict", "feedback", ["verdict", "id"])
    op.create_index("feedback_request", "feedback", ["request_id"])


def downgrade() -> None:
    op.drop_table("feedback")

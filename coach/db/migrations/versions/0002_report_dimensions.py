"""What `coach feedback report` needs: the suggestions shown, and per verdict its dimensions
(strategy, locale) and the edit distance; indexes for reports over a date range.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.String(32).with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")
# PostgreSQL answers a report from these indexes alone (index-only scans); SQLite ignores INCLUDE.
FEEDBACK_REPORT_COLUMNS = ["verdict", "template", "model", "strategy", "locale", "degraded", "edit_distance", "edit_ratio"]
SHOWN_REPORT_COLUMNS = ["shown", "template", "model", "strategy", "locale", "degraded"]
BATCH = 500


def upgrade() -> None:
    for name, kind in (("strategy", sa.Text()), ("locale", sa.Text()), ("edit_distance", sa.Integer()),
                       ("edit_ratio", sa.Float())):
        op.add_column("feedback", sa.Column(name, kind))
    op.create_table(
        "suggestions_shown",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("template", sa.Text()),
        sa.Column("model", sa.Text()),
        sa.Column("strategy", sa.Text()),
        sa.Column("locale", sa.Text()),
        sa.Column("degraded", sa.Boolean(create_constraint=False)),
        sqlite_autoincrement=True,
    )
    op.create_index("suggestions_shown_request", "suggestions_shown", ["request_id"])
    op.create_index("suggestions_shown_created", "suggestions_shown", ["created_at"], postgresql_include=SHOWN_REPORT_COLUMNS)
    op.create_index("feedback_created", "feedback", ["created_at"], postgresql_include=FEEDBACK_REPORT_COLUMNS)
    if context.is_offline_mode():
        op.execute("-- rows stored before revision 0002 keep no edit distance, strategy or locale: "
                   "only `coach db upgrade` itself (not this script) fills them in")
    else:
        _fill_existing_rows()


def _fill_existing_rows() -> None:
    """Rows stored before this revision get their edit distance, strategy and locale now."""
    from coach.feedback.dimensions import conversation_reading, edit_measure
    from coach.types import Conversation

    bind = op.get_bind()
    table = sa.table("feedback", *(sa.column(c) for c in (
        "id", "verdict", "suggestion", "final_text", "conversation_json", "strategy", "locale", "edit_distance", "edit_ratio")))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.verdict, table.c.suggestion, table.c.final_text, table.c.conversation_json)
            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            distance, ratio = edit_measure(row.verdict, row.suggestion, row.final_text)
            try:
                conversation = Conversation.model_validate_json(row.conversation_json) if row.conversation_json else None
            except ValueError:  # a conversation coach can no longer read keeps its row, without them
                conversation = None
            strategy, locale = conversation_reading(conversation)
            bind.execute(sa.update(table).where(table.c.id == row.id).values(
                edit_distance=distance, edit_ratio=ratio, strategy=strategy, locale=locale))
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("feedback_created", table_name="feedback")
    op.drop_table("suggestions_shown")
    with op.batch_alter_table("feedback") as batch:
        for name in ("edit_ratio", "edit_distance", "locale", "strategy"):
            batch.drop_column(name)

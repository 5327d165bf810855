"""The tables, as SQLAlchemy Core sees them at the newest migration (migrations/ makes them).

`feedback` holds one agent verdict per row (accepted, edited, rejected) with the conversation and
the dimensions the report breaks down by; `suggestions_shown` one row per suggestion response the
service sent (how many candidates it showed, and the same dimensions), written by the service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

VERDICTS: tuple[str, ...] = ("accepted", "edited", "rejected")


class UtcTimestamp(TypeDecorator[datetime]):
    """A moment in UTC: `timestamptz` on PostgreSQL; on SQLite ISO-8601 text with milliseconds and
    +00:00, the format coach always wrote there, so text order is time order."""

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.String(32))

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcTimestamp needs an aware datetime")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.isoformat(timespec="milliseconds")

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _id_column() -> sa.Column[int]:
    # BIGINT identity on PostgreSQL; SQLite's INTEGER PRIMARY KEY AUTOINCREMENT (ids never reused)
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True)


metadata = sa.MetaData()

feedback = sa.Table(
    "feedback",
    metadata,
    _id_column(),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
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
    # revision 0002: the report's dimensions and the edit distance, filled when the row is stored
    sa.Column("strategy", sa.Text()),
    sa.Column("locale", sa.Text()),
    sa.Column("edit_distance", sa.Integer()),
    sa.Column("edit_ratio", sa.Float()),
    sa.CheckConstraint("verdict IN ('accepted', 'edited', 'rejected')", name="feedback_verdict_check"),
    sqlite_autoincrement=True,
)

suggestions_shown = sa.Table(
    "suggestions_shown",
    metadata,
    _id_column(),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
    sa.Column("request_id", sa.Text(), nullable=False),
    sa.Column("shown", sa.Integer(), nullable=False),
    sa.Column("template", sa.Text()),
    sa.Column("model", sa.Text()),
    sa.Column("strategy", sa.Text()),
    sa.Column("locale", sa.Text()),
    sa.Column("degraded", sa.Boolean(create_constraint=False)),
    sqlite_autoincrement=True,
)

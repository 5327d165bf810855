"""The feedback store: agents' verdicts and the suggestions they were shown, in SQLite or PostgreSQL.

Synchronous SQLAlchemy Core over one engine (a connection pool): the CLI and the migrations call it
directly, the service through coach.feedback.service (its own threads, a breaker). The schema is
checked once, before the first read or write (coach.db.migrate).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from coach.db.engine import make_engine
from coach.db.migrate import check_schema
from coach.db.schema import VERDICTS, feedback, suggestions_shown
from coach.db.url import DatabaseTarget, parse_database
from coach.errors import ConfigError, StoreUnavailable
from coach.feedback.dimensions import conversation_reading, edit_measure
from coach.feedback.entry import FeedbackEntry, ShownRecord
from coach.types import Conversation

_DIMENSIONS = ("template", "model", "strategy", "locale", "degraded")
_UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)


@contextmanager
def guarded(target: DatabaseTarget, operation: str) -> Iterator[None]:
    """The database's own errors as StoreUnavailable, saying whether it could not be reached."""
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        unreachable = isinstance(exc, _UNREACHABLE) or bool(getattr(exc, "connection_invalidated", False))
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        what = "cannot be reached" if unreachable else f"refused to {operation}"
        raise StoreUnavailable(f"the feedback database {target.shown} {what}: {reason}",
                               unreachable=unreachable) from exc


def now_ms() -> datetime:
    """Now, in UTC, to the millisecond (what both backends store exactly)."""
    now = datetime.now(tz=UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class FeedbackStore:
    """`database`: a COACH_DATABASE value (SQLite path or postgresql:// URL) or a parsed target.
    With `create_if_empty` (the service, the default) an empty SQLite file gets its tables; without
    it (reading commands) a missing file is a ConfigError."""

    def __init__(self, database: str | Path | DatabaseTarget, *, create_if_empty: bool = True) -> None:
        self.target = database if isinstance(database, DatabaseTarget) else parse_database(database)
        self.create_if_empty = create_if_empty
        self._engine: sa.Engine | None = None
        self._revision: str | None = None
        self._lock = threading.Lock()

    @property
    def shown(self) -> str:
        return self.target.shown

    @property
    def engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                path = self.target.sqlite_path
                if path is not None and not self.create_if_empty and not path.exists():
                    raise ConfigError(f"no feedback database at {path} (set COACH_DATABASE or pass --db)")
                self._engine = make_engine(self.target, create_folder=self.create_if_empty)
            return self._engine

    def check(self) -> str:
        """The schema revision, once it is this code's (SchemaMismatch otherwise); checked once."""
        if self._revision is None:
            with guarded(self.target, "check the schema"):
                self._revision = check_schema(self.engine, self.target, create_if_empty=self.create_if_empty)
        return self._revision

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # ---- writing ------------------------------------------------------------------------------
    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        """Stores the entry with its dimensions filled in; returns it with its id and timestamp."""
        self.check()
        created = now_ms()
        distance, ratio = edit_measure(entry.verdict, entry.suggestion, entry.final_text)
        with guarded(self.target, "store the feedback"), self.engine.begin() as conn:
            filled = self._dimensions(conn, entry)
            values = {
                **entry.model_dump(exclude={"conversation", "id", "created_at", *_DIMENSIONS}),
                **filled,
                "created_at": created,
                "conversation_json": entry.conversation.model_dump_json() if entry.conversation is not None else None,
                "edit_distance": distance,
                "edit_ratio": ratio,
            }
            row_id = conn.execute(sa.insert(feedback).values(**values)).inserted_primary_key[0]
        return entry.model_copy(update={**filled, "id": int(row_id), "created_at": stamp(created),
                                        "edit_distance": distance, "edit_ratio": ratio})

    def _dimensions(self, conn: sa.Connection, entry: FeedbackEntry) -> dict[str, Any]:
        """What the entry says, else what the service recorded of that suggestion response, else
        (strategy, locale) read from the conversation."""
        values = {name: getattr(entry, name) for name in _DIMENSIONS}
        if entry.request_id and any(v is None for v in values.values()):
            columns = [suggestions_shown.c[name] for name in _DIMENSIONS]
            row = conn.execute(
                sa.select(*columns).where(suggestions_shown.c.request_id == entry.request_id)
                .order_by(suggestions_shown.c.id).limit(1)
            ).first()
            if row is not None:
                values = {name: values[name] if values[name] is not None else row._mapping[name] for name in _DIMENSIONS}
        if values["strategy"] is None or values["locale"] is None:
            strategy, locale = conversation_reading(entry.conversation)
            values["strategy"] = values["strategy"] or strategy
            values["locale"] = values["locale"] or locale
        return values

    def record_shown(self, record: ShownRecord, conversation: Conversation | None = None) -> int:
        """Stores one suggestion response the service sent; the strategy and locale are read from
        the conversation when the record lacks them. Returns the row id."""
        self.check()
        values = record.model_dump()
        if conversation is not None and (record.strategy is None or record.locale is None):
            strategy, locale = conversation_reading(conversation)
            values["strategy"] = record.strategy or strategy
            values["locale"] = record.locale or locale
        with guarded(self.target, "record a suggestion"), self.engine.begin() as conn:
            row_id = conn.execute(sa.insert(suggestions_shown).values(**values, created_at=now_ms())).inserted_primary_key[0]
        return int(row_id)

    # ---- reading ------------------------------------------------------------------------------
    def entries(
        self, verdicts: Sequence[str] = VERDICTS, *, limit: int | None = None, newest_first: bool = False
    ) -> list[FeedbackEntry]:
        wanted = [v for v in verdicts if v in VERDICTS]
        if not wanted:
            return []
        self.check()
        query = sa.select(feedback).where(feedback.c.verdict.in_(wanted))
        query = query.order_by(feedback.c.id.desc() if newest_first else feedback.c.id)
        if limit is not None:
            query = query.limit(int(limit))
        with guarded(self.target, "read the feedback"), self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [entry_from_row(row) for row in rows]

    def counts(self) -> dict[str, int]:
        self.check()
        with guarded(self.target, "count the feedback"), self.engine.connect() as conn:
            rows = conn.execute(sa.select(feedback.c.verdict, sa.func.count()).group_by(feedback.c.verdict)).all()
        found = {verdict: int(n) for verdict, n in rows}
        return {v: found.get(v, 0) for v in VERDICTS}


def entry_from_row(row: Any) -> FeedbackEntry:
    data = dict(row)
    raw = data.pop("conversation_json")
    data["created_at"] = stamp(data["created_at"])
    data["conversation"] = Conversation.model_validate_json(raw) if raw else None
    return FeedbackEntry(**data)

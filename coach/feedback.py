"""Agents' verdicts on suggestions (accepted, edited, rejected), kept in SQLite.

The store is the one piece of state the service has. Every call opens its own short-lived
connection (cheap for SQLite), so it is safe from worker threads and from several processes:
the database runs in WAL mode with a busy timeout. The async service calls it through
asyncio.to_thread.

`scenarios_from_feedback` turns edited and rejected cases into a scenario set for
`coach eval run`: the same conversation, with the expectation that the coach no longer
offers the reply the agent would not send.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.errors import ConfigError
from coach.types import Conversation

Verdict = Literal["accepted", "edited", "rejected"]
VERDICTS: tuple[str, ...] = ("accepted", "edited", "rejected")


class FeedbackEntry(BaseModel):
    """One verdict of an agent on one suggestion, with what is needed to replay the case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    suggestion: str
    suggestion_index: int = 0
    final_text: str | None = None
    reason: str | None = None
    request_id: str | None = None
    conversation_id: str | None = None
    conversation: Conversation | None = None
    source: str | None = None
    degraded: bool | None = None
    template: str | None = None
    model: str | None = None
    agent_id: str | None = None
    id: int | None = None
    created_at: str | None = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'edited', 'rejected')),
    suggestion TEXT NOT NULL,
    suggestion_index INTEGER NOT NULL DEFAULT 0,
    final_text TEXT,
    reason TEXT,
    request_id TEXT,
    conversation_id TEXT,
    conversation_json TEXT,
    source TEXT,
    degraded INTEGER,
    template TEXT,
    model TEXT,
    agent_id TEXT
);
CREATE INDEX IF NOT EXISTS feedback_verdict ON feedback (verdict, id);
CREATE INDEX IF NOT EXISTS feedback_request ON feedback (request_id);
"""

_COLUMNS = (
    "created_at", "verdict", "suggestion", "suggestion_index", "final_text", "reason", "request_id",
    "conversation_id", "conversation_json", "source", "degraded", "template", "model", "agent_id",
)


class FeedbackStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._schema_ready = False
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the feedback database {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        if not self._schema_ready:
            with self._lock:
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.executescript(_SCHEMA)
                except sqlite3.Error as exc:
                    conn.close()
                    raise ConfigError(f"the feedback database {self.path} is unusable: {exc}") from exc
                self._schema_ready = True
        return conn

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        """Stores the entry; returns it with its id and timestamp."""
        created = datetime.now(tz=UTC).isoformat(timespec="milliseconds")
        conversation = entry.conversation.model_dump_json() if entry.conversation is not None else None
        values = (
            created, entry.verdict, entry.suggestion, entry.suggestion_index, entry.final_text, entry.reason,
            entry.request_id, entry.conversation_id, conversation, entry.source,
            None if entry.degraded is None else int(entry.degraded), entry.template, entry.model, entry.agent_id,
        )
        placeholders = ", ".join("?" for _ in _COLUMNS)
        conn = self._connect()
        try:
            cur = conn.execute(f"INSERT INTO feedback ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)
            row_id = int(cur.lastrowid or 0)
        finally:
            conn.close()
        return entry.model_copy(update={"id": row_id, "created_at": created})

    def entries(
        self, verdicts: Sequence[str] = VERDICTS, *, limit: int | None = None, newest_first: bool = False
    ) -> list[FeedbackEntry]:
        wanted = [v for v in verdicts if v in VERDICTS]
        if not wanted:
            return []
        sql = f"SELECT * FROM feedback WHERE verdict IN ({', '.join('?' for _ in wanted)})"
        sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        params: list[Any] = list(wanted)
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        conn = self._connect()
        try:
            rows = conn.execute(sql, params).fetchall()
        finally:
            conn.close()
        return [_entry_from_row(row) for row in rows]

    def counts(self) -> dict[str, int]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT verdict, COUNT(*) FROM feedback GROUP BY verdict").fetchall()
        finally:
            conn.close()
        found = {verdict: int(n) for verdict, n in rows}
        return {v: found.get(v, 0) for v in VERDICTS}


def _entry_from_row(row: sqlite3.Row) -> FeedbackEntry:
    data = dict(row)
    raw = data.pop("conversation_json")
    degraded = data.pop("degraded")
    conversation = Conversation.model_validate_json(raw) if raw else None
    return FeedbackEntry(
        **data, conversation=conversation, degraded=None if degraded is None else bool(degraded)
    )


def _verbatim(text: str) -> str:
    """A pattern that matches exactly this reply (whitespace runs flexible), and nothing longer."""
    words = [re.escape(part) for part in text.split()]
    return r"^\s*" + r"\s+".join(words) + r"\s*$"


def scenarios_from_feedback(entries: Iterable[FeedbackEntry], name: str = "feedback") -> tuple[dict[str, Any], int]:
    """A scenario set (as a plain dict) from the edited and rejected entries that carry their
    conversation; also returns how many such entries had to be skipped for lack of one."""
    scenarios: list[dict[str, Any]] = []
    skipped = 0
    for entry in entries:
        if entry.verdict not in ("edited", "rejected"):
            continue
        if entry.conversation is None:
            skipped += 1
            continue
        if entry.verdict == "edited":
            what = f"the agent edited suggestion {entry.suggestion_index + 1} before sending it"
            if entry.final_text:
                what += f"; the agent sent: {entry.final_text}"
        else:
            what = f"the agent rejected suggestion {entry.suggestion_index + 1}"
            if entry.reason:
                what += f" ({entry.reason})"
        what += f". Suggested draft: {entry.suggestion}"
        ref = entry.request_id or "unknown"
        scenarios.append({
            "id": f"fb-{entry.id or len(scenarios) + 1}-{entry.verdict}",
            "description": f"{what} [request {ref}]",
            "conversation": entry.conversation.model_dump(mode="json", exclude_none=True),
            "expect": {"rules_clean": True, "must_not_match": [_verbatim(entry.suggestion)]},
            "tags": ["feedback", entry.verdict],
        })
    document = {
        "name": name,
        "description": "edited and rejected suggestions from agents' feedback (coach feedback export)",
        "scenarios": scenarios,
    }
    return document, skipped


def dump_scenarios(document: dict[str, Any], path: str | None) -> str:
    """YAML text of the set (JSON when the target file ends in .json)."""
    if path and path.lower().endswith(".json"):
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    import yaml

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)

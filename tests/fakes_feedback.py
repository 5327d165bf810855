"""A fake feedback store (coach.feedback.service.FeedbackRepository) that keeps rows in memory and
can be told to fail as an unreachable database does."""

from __future__ import annotations

from collections.abc import Sequence

from coach.errors import StoreUnavailable
from coach.feedback.entry import FeedbackEntry, ShownRecord
from coach.types import Conversation


class FakeFeedbackStore:
    shown = "fake://feedback"

    def __init__(self) -> None:
        self.rows: list[FeedbackEntry] = []
        self.shown_rows: list[ShownRecord] = []
        self.down = False
        self.calls = 0
        self.disposed = False

    def _touch(self) -> None:
        self.calls += 1
        if self.down:
            raise StoreUnavailable("the fake database cannot be reached: connection refused", unreachable=True)

    def check(self) -> str:
        self._touch()
        return "head"

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        self._touch()
        stored = entry.model_copy(update={"id": len(self.rows) + 1, "created_at": "2025-05-01T09:30:00.000+00:00"})
        self.rows.append(stored)
        return stored

    def record_shown(self, record: ShownRecord, conversation: Conversation | None = None) -> int:
        self._touch()
        self.shown_rows.append(record)
        return len(self.shown_rows)

    def entries(self, verdicts: Sequence[str], *, limit: int | None = None, newest_first: bool = False) -> list[FeedbackEntry]:
        self._touch()
        rows = [r for r in self.rows if r.verdict in verdicts]
        rows = rows[::-1] if newest_first else rows
        return rows[:limit] if limit is not None else rows

    def counts(self) -> dict[str, int]:
        self._touch()
        return {v: sum(r.verdict == v for r in self.rows) for v in ("accepted", "edited", "rejected")}

    def dispose(self) -> None:
        self.disposed = True

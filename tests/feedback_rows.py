"""Feedback rows at chosen moments, written straight into the tables (as the service would have
over days), for the report's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from coach.db.schema import feedback, suggestions_shown
from coach.feedback import FeedbackStore


NO_DIMENSIONS = {"template": None, "model": None, "strategy": None, "locale": None, "degraded": None}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def shown(when: str, request_id: str, n: int, **dims: Any) -> dict[str, Any]:
    return {"created_at": at(when), "request_id": request_id, "shown": n, **NO_DIMENSIONS, **dims}


def verdict(when: str, request_id: str, verdict: str, distance: int | None = None, ratio: float | None = None,
            **dims: Any) -> dict[str, Any]:
    return {"created_at": at(when), "request_id": request_id, "verdict": verdict, "suggestion": "s",
            "edit_distance": distance, "edit_ratio": ratio, **NO_DIMENSIONS, **dims}


def seed(url: str, shown_rows: list[dict[str, Any]], verdict_rows: list[dict[str, Any]]) -> FeedbackStore:
    store = FeedbackStore(url)
    store.check()
    with store.engine.begin() as conn:
        if shown_rows:
            conn.execute(sa.insert(suggestions_shown), shown_rows)
        if verdict_rows:
            conn.execute(sa.insert(feedback), verdict_rows)
    return store

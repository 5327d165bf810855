"""POST /v1/feedback: an agent's verdict on a suggestion, stored in SQLite (COACH_DATABASE).

GET /v1/feedback/recent lists the most recent verdicts and the counts per verdict, for operators.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request

from coach.api.deps import SettingsDep
from coach.api.schemas_feedback import FeedbackItem, FeedbackList, FeedbackRequest, FeedbackStored, Verdict
from coach.feedback import FeedbackEntry, FeedbackStore
from coach.metrics import FEEDBACK

router = APIRouter(tags=["feedback"])


def _store(request: Request, settings: SettingsDep) -> FeedbackStore:
    store = getattr(request.app.state, "feedback_store", None)
    if store is None:
        store = request.app.state.feedback_store = FeedbackStore(settings.database)
    return store


@router.post("/v1/feedback", status_code=201, response_model=FeedbackStored)
async def post_feedback(body: FeedbackRequest, request: Request, settings: SettingsDep) -> FeedbackStored:
    entry = FeedbackEntry(**body.model_dump(exclude={"conversation"}), conversation=body.conversation)
    stored = await asyncio.to_thread(_store(request, settings).add, entry)
    FEEDBACK.labels(verdict=stored.verdict).inc()
    return FeedbackStored(id=stored.id or 0, verdict=stored.verdict, created_at=stored.created_at or "")


@router.get("/v1/feedback/recent", response_model=FeedbackList)
async def list_feedback(
    request: Request,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    verdict: Annotated[Verdict | None, Query()] = None,
) -> FeedbackList:
    store = _store(request, settings)
    verdicts = (verdict,) if verdict else ("accepted", "edited", "rejected")
    entries = await asyncio.to_thread(store.entries, verdicts, limit=limit, newest_first=True)
    counts = await asyncio.to_thread(store.counts)
    items = [FeedbackItem(**e.model_dump(include=set(FeedbackItem.model_fields))) for e in entries]
    return FeedbackList(counts=counts, items=items)

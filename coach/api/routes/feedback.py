"""POST /v1/feedback: an agent's verdict on a suggestion, stored in the feedback database
(COACH_DATABASE: SQLite or PostgreSQL). 503 with Retry-After while the database cannot be reached.

GET /v1/feedback/recent lists the most recent verdicts and the counts per verdict, for operators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from coach.api.schemas_feedback import FeedbackItem, FeedbackList, FeedbackRequest, FeedbackStored, Verdict
from coach.feedback import FeedbackEntry
from coach.feedback.service import FeedbackService
from coach.metrics import FEEDBACK

router = APIRouter(tags=["feedback"])
_UNAVAILABLE = {503: {"description": "the feedback database cannot be reached: retry after `Retry-After` seconds"}}


def _service(request: Request) -> FeedbackService:
    return request.app.state.feedback


@router.post("/v1/feedback", status_code=201, response_model=FeedbackStored, responses=_UNAVAILABLE)
async def post_feedback(body: FeedbackRequest, request: Request) -> FeedbackStored:
    """Stores the verdict; the 201 comes once it is committed. Template, model, degraded, strategy
    and locale are taken from the suggestion response recorded under `request_id` when not sent."""
    entry = FeedbackEntry(**body.model_dump(exclude={"conversation"}), conversation=body.conversation)
    stored = await _service(request).add(entry)
    FEEDBACK.labels(verdict=stored.verdict).inc()
    return FeedbackStored(id=stored.id or 0, verdict=stored.verdict, created_at=stored.created_at or "")


@router.get("/v1/feedback/recent", response_model=FeedbackList, responses=_UNAVAILABLE)
async def list_feedback(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    verdict: Annotated[Verdict | None, Query()] = None,
) -> FeedbackList:
    verdicts = (verdict,) if verdict else ("accepted", "edited", "rejected")
    entries, counts = await _service(request).recent(verdicts, limit)
    items = [FeedbackItem(**e.model_dump(include=set(FeedbackItem.model_fields))) for e in entries]
    return FeedbackList(counts=counts, items=items)

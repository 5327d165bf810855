"""POST /v1/feedback: an agent's verdict on a suggestion, stored in SQLite (COACH_DATABASE).

GET /v1/feedback/recent lists the most recent verdicts and the counts per verdict, for operators.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.api.deps import SettingsDep
from coach.feedback import FeedbackEntry, FeedbackStore
from coach.metrics import FEEDBACK
from coach.types import MAX_TURN_CHARS, Conversation

router = APIRouter(tags=["feedback"])


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal["accepted", "edited", "rejected"]
    suggestion: str = Field(min_length=1, max_length=MAX_TURN_CHARS, description="the suggestion as shown")
    suggestion_index: int = Field(default=0, ge=0, le=2)
    final_text: str | None = Field(
        default=None, max_length=MAX_TURN_CHARS, description="what the agent sent; required when edited"
    )
    reason: str | None = Field(default=None, max_length=500)
    request_id: str = Field(min_length=1, max_length=128, description="request_id of the suggestion response")
    conversation_id: str | None = Field(default=None, max_length=200)
    conversation: Conversation | None = Field(
        default=None, description="the conversation the suggestion answered; needed by `coach feedback export`"
    )
    source: Literal["llm", "offline"] | None = None
    degraded: bool | None = None
    template: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=200)
    agent_id: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _edited_needs_final_text(self) -> FeedbackRequest:
        if self.verdict == "edited" and not (self.final_text or "").strip():
            raise ValueError("final_text is required when the verdict is 'edited'")
        if not self.suggestion.strip():
            raise ValueError("suggestion must not be blank")
        return self


class FeedbackStored(BaseModel):
    id: int
    verdict: str
    created_at: str


class FeedbackItem(BaseModel):
    id: int
    created_at: str
    verdict: str
    suggestion: str
    suggestion_index: int
    final_text: str | None = None
    reason: str | None = None
    request_id: str | None = None
    conversation_id: str | None = None


class FeedbackList(BaseModel):
    counts: dict[str, int]
    items: list[FeedbackItem]


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
    verdict: Annotated[Literal["accepted", "edited", "rejected"] | None, Query()] = None,
) -> FeedbackList:
    store = _store(request, settings)
    verdicts = (verdict,) if verdict else ("accepted", "edited", "rejected")
    entries = await asyncio.to_thread(store.entries, verdicts, limit=limit, newest_first=True)
    counts = await asyncio.to_thread(store.counts)
    items = [FeedbackItem(**e.model_dump(include=set(FeedbackItem.model_fields))) for e in entries]
    return FeedbackList(counts=counts, items=items)

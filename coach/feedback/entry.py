"""One verdict of an agent on one suggestion (accepted, edited, rejected), as stored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from coach.db.schema import VERDICTS
from coach.types import Conversation

Verdict = Literal["accepted", "edited", "rejected"]


class FeedbackEntry(BaseModel):
    """A verdict with what is needed to replay the case and to break the report down by."""

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
    # Filled by the store: from the suggestion response the service recorded under the same
    # request_id, else read from the conversation (strategy, locale); the edit distance between
    # the suggestion and what the agent sent (accepted: 0; rejected: none).
    strategy: str | None = None
    locale: str | None = None
    edit_distance: int | None = None
    edit_ratio: float | None = None
    id: int | None = None
    created_at: str | None = None


class ShownRecord(BaseModel):
    """One suggestion response the service sent: how many candidates the agent was shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    shown: int
    template: str | None = None
    model: str | None = None
    strategy: str | None = None
    locale: str | None = None
    degraded: bool | None = None


__all__ = ["VERDICTS", "FeedbackEntry", "ShownRecord", "Verdict"]

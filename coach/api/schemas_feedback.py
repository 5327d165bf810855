"""Request and response schemas of `POST /v1/feedback` and `GET /v1/feedback/recent`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from coach.types import MAX_TURN_CHARS, Conversation

Verdict = Literal["accepted", "edited", "rejected"]


class FeedbackRequest(BaseModel):
    """An agent's verdict on one suggestion. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    suggestion: str = Field(
        min_length=1, max_length=MAX_TURN_CHARS, pattern=r"\S", description="the suggestion as shown"
    )
    suggestion_index: int = Field(default=0, ge=0, le=2)
    final_text: str | None = Field(
        default=None, max_length=MAX_TURN_CHARS, validate_default=True,
        description="what the agent sent; required when edited",
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

    @field_validator("final_text")
    @classmethod
    def _edited_needs_final_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("verdict") == "edited" and not (value or "").strip():
            raise PydanticCustomError(
                "final_text_required",
                "is missing or blank, but the verdict is \"edited\"",
                {"accepted": f"the text the agent sent (1 to {MAX_TURN_CHARS:,} characters, not blank) "
                              "whenever the verdict is \"edited\""},
            )
        return value


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

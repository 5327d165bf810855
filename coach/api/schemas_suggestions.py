"""Request and response schemas of `POST /v1/suggestions` (and of `coach suggest`), per docs/api.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.api.accepted import Slot
from coach.api.problems import explain, summary
from coach.errors import InvalidInput
from coach.types import MAX_TURNS, Case, Conversation, Locale, Passage, Policy, SuggestionResponse, Turn, Usage, known_timezone


class SuggestionRequest(BaseModel):
    """A conversation to suggest the agent's next reply for. Unknown keys are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    conversation_id: str | None = Field(default=None, max_length=200, description="echoed back")
    locale: Locale | None = Field(default=None, description="null: detect from the customer's text")
    turns: tuple[Turn, ...] = Field(min_length=1, max_length=MAX_TURNS)
    policy: Policy = Policy()
    case: Case = Case()
    n: int = Field(default=1, ge=1, le=3, description="candidate replies")
    template: str | None = Field(default=None, max_length=100, description="name@vN; default the newest reply")
    now: datetime | None = Field(
        default=None, description="the agent desktop's clock (ISO 8601, with its UTC offset); default: when the request arrives"
    )
    timezone: str | None = Field(
        default=None, max_length=64,
        description="the customer's IANA timezone (Asia/Shanghai); proposed callback times are never before `now` there",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return known_timezone(value)

    def to_conversation(self) -> Conversation:
        return Conversation.model_validate(self.model_dump())


class ValidationOut(BaseModel):
    ok: bool
    violations: list[dict[str, Any]]


class SuggestionOut(BaseModel):
    text: str
    citations: list[str]
    source: Literal["llm", "offline"]
    attempts: int
    validation: ValidationOut


class SuggestionResponseOut(BaseModel):
    conversation_id: str | None
    request_id: str
    suggestions: list[SuggestionOut]
    passages: list[Passage]
    degraded: bool
    degraded_reason: str | None
    template: str
    model: str
    timings_ms: dict[str, float]
    usage: Usage


def response_dict(response: SuggestionResponse) -> dict[str, Any]:
    return response.model_dump(mode="json")


def parse_request(data: object) -> SuggestionRequest:
    """A SuggestionRequest from decoded JSON; InvalidInput saying what is wrong (for the CLI)."""
    try:
        return SuggestionRequest.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        problems = explain(errors, {"body": Slot(SuggestionRequest)}, whole="the conversation")
        raise InvalidInput(f"not a valid conversation: {summary(problems)}", detail=[p.as_dict() for p in problems]) from exc

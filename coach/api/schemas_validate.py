"""Request and response schemas of validation (`POST /v1/validate`, `coach validate`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from coach.types import MAX_TURN_CHARS, MAX_TURNS, Locale, Policy, Severity, Turn, ValidationResult

MAX_DRAFT_CHARS = MAX_TURN_CHARS


class ValidateRequest(BaseModel):
    """The draft to check and the conversation before it. Unknown keys are ignored (callers may
    carry their own ids); an `id` is echoed back by `coach validate`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    draft: str = Field(min_length=1, max_length=MAX_DRAFT_CHARS)
    turns: tuple[Turn, ...] = Field(default=(), max_length=MAX_TURNS)
    policy: Policy = Policy()
    locale: Locale | None = None
    reader_locale: Locale | None = Field(
        default=None, description="language of the violations' messages and hints (zh-CN, zh-TW, en); default: the draft's"
    )
    id: str | int | None = Field(default=None, description="echoed back by `coach validate` when given")


class ViolationOut(BaseModel):
    rule: str
    severity: Severity
    message: str
    span: tuple[int, int]
    evidence: str
    hint: str


class ValidateResponse(BaseModel):
    ok: bool
    violations: list[ViolationOut]


REQUEST_ADAPTER: TypeAdapter[ValidateRequest] = TypeAdapter(ValidateRequest)


def response_dict(result: ValidationResult) -> dict[str, Any]:
    """The validation response as plain JSON-ready data, keys in the contract's order."""
    return {
        "ok": result.ok,
        "violations": [
            {"rule": v.rule, "severity": v.severity, "message": v.message, "span": [v.span[0], v.span[1]],
             "evidence": v.evidence, "hint": v.hint}
            for v in result.violations
        ],
    }

"""POST /v1/validate: check one draft against the conversation before it (no knowledge base needed,
so it answers before /readyz is ready)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coach.api.schemas_validate import ValidateRequest, ValidateResponse, response_dict
from coach.rules import validate

router = APIRouter(tags=["validation"])


@router.post("/v1/validate", response_model=ValidateResponse)
async def validate_draft(request: ValidateRequest) -> dict[str, Any]:
    """Validation request -> validation response (see CONTRACT.md). Pure CPU work of well under a
    millisecond, so it runs inline rather than in a thread."""
    result = validate(request.draft, request.turns, request.policy, request.locale)
    return response_dict(result)

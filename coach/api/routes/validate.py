"""POST /v1/validate: check one draft against the conversation before it (no knowledge base needed,
so it answers before /readyz is ready)."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter

from coach.api.schemas_validate import ValidateRequest, ValidateResponse, response_dict
from coach.rules import validate

router = APIRouter(tags=["validation"])


@router.post("/v1/validate", response_model=ValidateResponse)
async def validate_draft(request: ValidateRequest) -> dict[str, Any]:
    """Validation request -> validation response (see docs/api.md). The semantic tier encodes the
    draft's clauses (CPU work of a few milliseconds), so it runs in a worker thread."""
    check = partial(validate, request.draft, request.turns, request.policy, request.locale, reader_locale=request.reader_locale)
    result = await anyio.to_thread.run_sync(check)
    return response_dict(result)

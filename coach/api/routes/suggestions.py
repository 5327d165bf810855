"""POST /v1/suggestions: a conversation in, validated reply suggestions out (JSON or SSE)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from coach.api.deps import RuntimeDep
from coach.api.errors import error_body
from coach.api.schemas_suggestions import SuggestionRequest, SuggestionResponseOut, response_dict
from coach.errors import CoachError
from coach.pipeline import CoachEvent

log = logging.getLogger("coach.api.suggestions")
router = APIRouter(tags=["suggestions"])

SSE_MEDIA_TYPE = "text/event-stream"


def sse_frame(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: `event: <name>` and one line of JSON data."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


async def sse_stream(events: AsyncIterator[CoachEvent]) -> AsyncIterator[bytes]:
    try:
        async for event in events:
            yield sse_frame(event.kind, event.data)
    except CoachError as exc:
        yield sse_frame("error", error_body(exc.code, exc.message))
    except Exception:
        log.exception("suggestion stream failed")
        yield sse_frame("error", error_body("internal_error", "the suggestion failed"))


def wants_stream(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == SSE_MEDIA_TYPE for part in accept.split(","))


@router.post(
    "/v1/suggestions",
    response_model=SuggestionResponseOut,
    responses={200: {"content": {SSE_MEDIA_TYPE: {"description": "events passages, suggestion..., done"}}},
               404: {"description": "no such prompt template"},
               503: {"description": "the guideline index is still loading"}},
)
async def suggest(body: SuggestionRequest, request: Request, runtime: RuntimeDep) -> Any:
    """Suggest the agent's next reply. With `Accept: text/event-stream` the answer streams as
    server-sent events: `passages` first, then one `suggestion` per validated reply, then `done`
    with the whole response (the same JSON as without streaming)."""
    coach = runtime.require_coach()
    conversation = body.to_conversation()
    coach.check(conversation)  # a bad template is a 4xx before any streaming starts
    if wants_stream(request):
        return StreamingResponse(
            sse_stream(coach.stream(conversation)),
            media_type=SSE_MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return response_dict(await coach.suggest(conversation))

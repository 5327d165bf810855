"""POST /v1/suggestions: a conversation in, validated reply suggestions out (JSON or SSE)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from coach.api.deps import RuntimeDep, SettingsDep
from coach.api.errors import error_body
from coach.api.schemas_suggestions import SuggestionRequest, SuggestionResponseOut, response_dict
from coach.errors import CoachError
from coach.feedback.entry import ShownRecord
from coach.pipeline import CoachEvent
from coach.types import Conversation

log = logging.getLogger("coach.api.suggestions")
router = APIRouter(tags=["suggestions"])

SSE_MEDIA_TYPE = "text/event-stream"
# An SSE comment: clients ignore it; proxies and load balancers see the connection is alive.
KEEPALIVE_FRAME = b": keep-alive\n\n"
T = TypeVar("T")


def sse_frame(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: `event: <name>` and one line of JSON data."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


async def with_keepalive(items: AsyncIterator[T], every_s: float) -> AsyncIterator[T | None]:
    """The items as they come, with None in between whenever `every_s` seconds pass without one
    (never when `every_s` is 0). Waiting on the next item is never cancelled by the timer, only
    when the consumer stops: then the pending item is cancelled and `items` closed."""
    iterator = aiter(items)

    async def next_item() -> tuple[bool, T | None]:
        try:
            return True, await anext(iterator)
        except StopAsyncIteration:
            return False, None

    pending: asyncio.Task[tuple[bool, T | None]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.create_task(next_item())
            done, _ = await asyncio.wait({pending}, timeout=every_s or None)
            if not done:
                yield None
                continue
            more, item = pending.result()
            pending = None
            if not more:
                return
            yield item
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # nobody wants it any more
                await pending
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def sse_stream(events: AsyncIterator[CoachEvent], keepalive_s: float = 0.0) -> AsyncIterator[bytes]:
    """The events as SSE frames, with a keep-alive comment after `keepalive_s` quiet seconds."""
    try:
        async for event in with_keepalive(events, keepalive_s):
            yield KEEPALIVE_FRAME if event is None else sse_frame(event.kind, event.data)
    except CoachError as exc:
        yield sse_frame("error", error_body(exc.code, exc.message))
    except Exception:
        log.exception("suggestion stream failed")
        yield sse_frame("error", error_body("internal_error", "the suggestion failed"))


def shown_record(response: dict[str, Any]) -> ShownRecord | None:
    """What the feedback report keeps of a suggestion response (no customer text)."""
    if not response.get("request_id") or not response.get("suggestions"):
        return None
    return ShownRecord(request_id=str(response["request_id"]), shown=len(response["suggestions"]),
                       template=response.get("template"), model=response.get("model"),
                       degraded=response.get("degraded"))


async def recording_done(events: AsyncIterator[CoachEvent], request: Request,
                         conversation: Conversation) -> AsyncIterator[CoachEvent]:
    """The events unchanged; the `done` response is recorded as shown (in the background). Closing
    this closes `events` (the pipeline stops when the client goes)."""
    try:
        async for event in events:
            if event.kind == "done":
                record_shown(request, event.data, conversation)
            yield event
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


def record_shown(request: Request, response: dict[str, Any], conversation: Conversation) -> None:
    record = shown_record(response)
    if record is not None:
        request.app.state.feedback.record_shown_soon(record, conversation)


def wants_stream(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == SSE_MEDIA_TYPE for part in accept.split(","))


@router.post(
    "/v1/suggestions",
    response_model=SuggestionResponseOut,
    responses={200: {"content": {SSE_MEDIA_TYPE: {"description": "events passages, attempt..., suggestion..., done"}}},
               404: {"description": "no such prompt template"},
               503: {"description": "the guideline index is still loading"}},
)
async def suggest(body: SuggestionRequest, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Any:
    """Suggest the agent's next reply. With `Accept: text/event-stream` the answer streams as
    server-sent events: `passages` first, `attempt` at each drafting step (drafting, rejected,
    repairing, falling_back), one `suggestion` per validated reply, then `done` with the whole
    response (the same JSON as without streaming); a `: keep-alive` comment line whenever
    COACH_SSE_KEEPALIVE_S seconds pass without an event."""
    coach = runtime.require_coach()
    conversation = body.to_conversation()
    coach.check(conversation)  # a bad template is a 4xx before any streaming starts
    if wants_stream(request):
        return StreamingResponse(
            sse_stream(recording_done(coach.stream(conversation), request, conversation), settings.sse_keepalive_s),
            media_type=SSE_MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    response = response_dict(await coach.suggest(conversation))
    record_shown(request, response, conversation)
    return response

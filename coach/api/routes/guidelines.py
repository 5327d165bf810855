"""GET /v1/guidelines/search and GET /v1/guidelines/{id}: the guideline knowledge base over HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from coach.api.deps import RuntimeDep
from coach.knowledge.query import MAX_K, MAX_QUERY_CHARS
from coach.metrics import STAGE_LATENCY
from coach.knowledge.script_view import for_script
from coach.text import detect_script
from coach.types import Passage

router = APIRouter(tags=["guidelines"])


class PassagesResponse(BaseModel):
    passages: list[Passage]


@router.get("/v1/guidelines/search", response_model=PassagesResponse)
async def search_guidelines(
    runtime: RuntimeDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\S", description="the query: Simplified, Traditional or English")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="how many passages, best first")] = 5,
) -> PassagesResponse:
    """The k passages that best fit the query, best first (503 until the index is loaded)."""
    kb = runtime.require_knowledge()
    started = time.perf_counter()
    # Off the event loop: BM25 takes about a millisecond, but encoding an English query for the
    # dense side takes tens.
    passages = await asyncio.to_thread(kb.search, q, k)
    STAGE_LATENCY.labels(stage="retrieval").observe(time.perf_counter() - started)
    # Shown in the query's script (a Simplified query reads Simplified), the source's words kept.
    return PassagesResponse(passages=list(for_script(passages, detect_script(q))))


@router.get("/v1/guidelines/{passage_id}", response_model=Passage, responses={404: {"description": "no passage with that id"}})
async def get_guideline(runtime: RuntimeDep, passage_id: Annotated[str, Path(max_length=100)]) -> Passage:
    """One passage by its id (404 when there is none)."""
    return runtime.require_knowledge().get(passage_id)

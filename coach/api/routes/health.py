"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from coach.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    # `llm`: the start-up check of the LLM endpoint (coach doctor's); it never decides readiness.
    # `vectors`: "ready" (hybrid ranking), "embedding (n of m)" (BM25 + glossary until then) or "off".
    if runtime.ready:
        return JSONResponse({"status": "ready", "vectors": runtime.vector_status, "llm": runtime.llm_check})
    body = {"status": "failed" if runtime.load_error else "loading", "error": runtime.load_error, "llm": runtime.llm_check}
    return JSONResponse(body, status_code=503)

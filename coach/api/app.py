"""The FastAPI application: create_app() wires settings, the runtime, errors and routers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from coach import __version__, tracing
from coach.api.docs_ui import install_docs_ui
from coach.api.errors import install_error_handlers
from coach.api.limits import InflightLimiter
from coach.api.middleware import REQUEST_ID_HEADER, RequestContextMiddleware
from coach.api.middleware_guards import ApiKeyMiddleware, BackpressureMiddleware, BodyLimitMiddleware
from coach.api.openapi_docs import install_service_openapi
from coach.api.routes import feedback, guidelines, health, metrics, panel, suggestions, templates, validate
from coach.api.runtime import Runtime
from coach.config import Settings, get_settings
from coach.drafting.llm_transport import base_url_hint
from coach.feedback import FeedbackStore
from coach.feedback.service import FeedbackService

log = logging.getLogger("coach.api")

_ROUTERS = (health, guidelines, validate, suggestions, templates, feedback, panel, metrics)
# Requests that hold an LLM call: bounded by COACH_MAX_INFLIGHT, queued, then shed with a 429.
BOUNDED_PATHS = ("/v1/suggestions",)


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime(settings or get_settings())
    feedback_service = FeedbackService(FeedbackStore(runtime.settings.database),
                                       cooldown_s=runtime.settings.database_retry_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await feedback_service.check_at_start()  # a schema behind the code's stops the start here
        tracing.configure(runtime.settings)  # here, so that each worker process starts its own exporter
        loading = asyncio.create_task(runtime.load())
        checking = asyncio.create_task(runtime.check_llm(after=loading))  # for /readyz; never awaited by it
        log.info("coach %s starting (backend %s)", __version__, runtime.settings.resolved_backend)
        hint = base_url_hint(runtime.settings.openai_base_url) if runtime.settings.resolved_backend == "openai" else None
        if hint:
            log.warning("%s", hint)
        try:
            yield
        finally:
            # uvicorn runs this after in-flight requests finished (or its graceful timeout ran out).
            log.info("coach shutting down")
            for task in (loading, checking):
                if not task.done():
                    task.cancel()
            await runtime.aclose()  # the LLM client's connections
            await feedback_service.aclose()
            tracing.shutdown()  # the spans still queued go out

    app = FastAPI(
        title="coach",
        version=__version__,
        description="Reply coach for customer-service agents: guidelines, drafts, validation.",
        lifespan=lifespan,
        docs_url=None,  # install_docs_ui serves /docs and /redoc from the package, not a CDN
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in _ROUTERS:
        app.include_router(module.router)
    app.state.feedback = feedback_service
    _install_middleware(app, runtime.settings)
    install_service_openapi(app, BOUNDED_PATHS)
    install_docs_ui(app)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: request id and metering wrap everything, so even a 401, 413 or 429
    carries the id, CORS headers and a log line."""
    app.state.limiter = InflightLimiter(settings.max_inflight, settings.max_queue, settings.queue_timeout_s)
    app.add_middleware(BackpressureMiddleware, limiter=app.state.limiter, paths=BOUNDED_PATHS)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ApiKeyMiddleware, keys=settings.service_keys)
    origins = settings.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)

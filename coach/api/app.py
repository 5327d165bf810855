"""The FastAPI application: create_app() wires settings, the runtime, errors and routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from coach import __version__
from coach.api.errors import install_error_handlers
from coach.api.routes import feedback, guidelines, health, metrics, panel, suggestions, templates, validate
from coach.api.runtime import Runtime
from coach.config import Settings, get_settings

_ROUTERS = (health, guidelines, validate, suggestions, templates, feedback, panel, metrics)


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(runtime.load())
        try:
            yield
        finally:
            if not loading.done():
                loading.cancel()

    app = FastAPI(
        title="coach",
        version=__version__,
        description="Reply coach for customer-service agents: guidelines, drafts, validation.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in _ROUTERS:
        app.include_router(module.router)
    return app

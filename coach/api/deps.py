"""FastAPI dependencies: the runtime and its components, injected per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coach.api.runtime import Runtime
from coach.config import Settings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

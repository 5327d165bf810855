"""GET /v1/templates: the prompt templates with their versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from coach.api.deps import RuntimeDep

router = APIRouter(tags=["templates"])


class TemplateOut(BaseModel):
    name: str
    version: int
    ref: str
    description: str
    params: dict[str, Any]


class TemplatesOut(BaseModel):
    templates: list[TemplateOut]
    errors: list[str]


@router.get("/v1/templates", response_model=TemplatesOut)
async def list_templates(runtime: RuntimeDep) -> dict[str, Any]:
    """Every loaded template (name, version, `name@vN` ref, description, model parameters), and
    the files that failed to load (file:line: problem) while their last good version serves."""
    registry = runtime.require_prompts()
    return {
        "templates": [
            {"name": t.name, "version": t.version, "ref": t.ref, "description": t.description, "params": t.params}
            for t in registry.list()
        ],
        "errors": sorted(registry.errors.values()),
    }

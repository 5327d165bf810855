"""Routes for panel (being built; see the open issues)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

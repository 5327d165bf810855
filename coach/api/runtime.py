"""What a running service holds: settings and the components built from them, loaded once.

The guideline index loads in a worker thread after start-up, so /healthz answers at once and
/readyz says 503 until the index is there.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from coach.config import Settings
from coach.errors import NotReady

log = logging.getLogger("coach.runtime")


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.knowledge: Any = None
        self.load_error: str | None = None
        self._ready = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def load(self) -> None:
        from coach.knowledge import load_knowledge_base

        try:
            self.knowledge = await asyncio.to_thread(load_knowledge_base, self.settings)
        except Exception as exc:  # reported by /readyz, never a crash of the process
            log.exception("guideline index failed to load")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        self._ready.set()

    def require_knowledge(self) -> Any:
        if self.knowledge is None:
            raise NotReady(self.load_error or "the guideline index is still loading")
        return self.knowledge

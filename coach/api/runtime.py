"""What a running service holds: settings and the components built from them, loaded once.

The guideline index loads in a worker thread after start-up, so /healthz answers at once and
/readyz says 503 until the index is there. The index answers with BM25 + glossary at once; a custom
corpus' passage vectors are embedded in a background thread and swapped in when done (/readyz's
`vectors`: "ready", "embedding (n of m)" or "off"). The prompt registry loads on first use (GET /v1/templates
works before the index is ready); the Coach is built once the index is there. The LLM endpoint is
checked once, in the background, after the index has loaded (`coach doctor`'s checks): /readyz shows
the result under `llm` and never waits for it, and no request calls the endpoint for it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from coach.config import Settings
from coach.errors import NotReady

if TYPE_CHECKING:  # imported lazily at run time: the app starts before the heavy parts load
    from coach.knowledge.kb import KnowledgeBase
    from coach.pipeline import Coach
    from coach.prompts import PromptRegistry

log = logging.getLogger("coach.runtime")


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.knowledge: KnowledgeBase | None = None
        self.load_error: str | None = None
        self._ready = asyncio.Event()
        self.prompts: PromptRegistry | None = None  # built on first use
        self.coach: Coach | None = None  # built once the index is loaded
        # The last check of the LLM endpoint (coach.doctor's report), for /readyz.
        self.llm_check: dict[str, Any] = {"status": "pending" if settings.resolved_backend == "openai" else "offline",
                                          "backend": settings.resolved_backend}

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def load(self) -> None:
        from coach.knowledge import load_knowledge_base
        from coach.rules import DEFAULT_VALIDATOR

        # The validator's encoder loads beside the index: the live lint answers before /readyz.
        validator = asyncio.create_task(asyncio.to_thread(DEFAULT_VALIDATOR.warm))
        validator.add_done_callback(_report_warm_failure)
        try:
            # ready with BM25 + glossary at once; the passages' vectors are embedded in the background
            self.knowledge = await asyncio.to_thread(load_knowledge_base, self.settings, "background")
        except Exception as exc:  # reported by /readyz, never a crash of the process
            log.exception("guideline index failed to load")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        self._ready.set()
        try:
            self.require_coach()
        except Exception:  # a broken template is reported on use; readiness is the index's
            log.exception("the suggestion pipeline could not be built")
            return
        try:  # warm lazy parts (tokeniser, query embedding, rule patterns) off the request path
            await asyncio.to_thread(self._warm_up)
        except Exception:
            log.warning("warm-up failed", exc_info=True)

    def _warm_up(self) -> None:
        assert self.coach is not None
        self.coach.warm_up()

    async def check_llm(self, after: asyncio.Future[Any] | None = None) -> None:
        """Runs coach.doctor's checks once (after `after`, the index loading, so that they measure the
        endpoint and not the start-up's CPU) and keeps the report for /readyz; logs what is wrong."""
        from coach.doctor import diagnose

        if after is not None:
            await asyncio.wait({after})
        try:
            report = await diagnose(self.settings)
        except Exception as exc:  # a bug in the check must not touch the service
            log.warning("the LLM endpoint check failed: %s", exc, exc_info=True)
            self.llm_check = {"status": "unknown", "backend": self.settings.resolved_backend,
                              "error": f"{type(exc).__name__}: {exc}"}
            return
        self.llm_check = report.to_dict()
        problems = "; ".join(f"{c.name}: {c.detail}" for c in report.checks if c.status != "ok")
        if report.status == "fail":
            log.warning("the LLM endpoint is not usable as configured (the offline drafter will answer): %s", problems)
        elif report.status == "warn":
            log.warning("the LLM endpoint works, with warnings: %s", problems)
        elif report.status == "ok":
            log.info("the LLM endpoint is usable: %s tokens/s, %s", report.tokens_per_s, report.served_model or report.model)

    def require_knowledge(self) -> KnowledgeBase:
        if self.knowledge is None:
            raise NotReady(self.load_error or "the guideline index is still loading")
        return self.knowledge

    def require_prompts(self) -> PromptRegistry:
        """The prompt template registry (TemplateError/ConfigError when the templates are unusable)."""
        if self.prompts is None:
            from coach.prompts import PromptRegistry

            self.prompts = PromptRegistry.from_settings(self.settings)
        return self.prompts

    def require_coach(self) -> Coach:
        """The suggestion pipeline; NotReady until the guideline index is loaded."""
        knowledge = self.require_knowledge()
        if self.coach is None:
            from coach.pipeline import build_coach

            self.coach = build_coach(self.settings, knowledge, prompts=self.require_prompts())
        return self.coach

    @property
    def vector_status(self) -> str:
        """For /readyz: "ready", "embedding (n of m)" or "off"."""
        status = getattr(self.knowledge, "vector_status", None)
        return status if isinstance(status, str) else "off"

    async def aclose(self) -> None:
        """Release the LLM client's connections (if the coach has one); stop a background embedding."""
        job = getattr(self.knowledge, "embedding", None)
        if job is not None and hasattr(job, "cancel"):
            job.cancel()
        llm = getattr(self.coach, "llm", None)
        if llm is not None and hasattr(llm, "aclose"):
            await llm.aclose()


def _report_warm_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the validator's semantic tier could not load: %s", task.exception())

"""The Coach: conversation in, validated suggestions out.

    situation -> retrieve -> render -> draft (LLM) -> validate -> repair -> (offline fallback)

`Coach.suggest(conversation)` returns a SuggestionResponse; `Coach.stream(conversation)` yields
events as they happen: `passages` first, `attempt` at each step of the LLM phase (drafting, a draft
rejected, repairing, falling back to the offline drafter), each validated `suggestion`, then `done`
with the whole response. The LLM phase is bounded by settings.deadline_s; when it fails, runs out
of time or brings no valid draft, the offline drafter answers and the response is `degraded`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
import uuid
from datetime import UTC, datetime
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from coach import tracing
from coach.advice import DegradedNotices
from coach.config import Settings
from coach.drafting.meter import current_meter, metering
from coach.errors import CoachError, LLMError, TemplateError
from coach.logging_setup import current_request_id
from coach.metrics import DEGRADED, STAGE_LATENCY
from coach.knowledge.script_view import for_script
from coach.prompts.notes import load_notebook, notes_folder
from coach.prompts import DEFAULT_REPAIR, PromptRegistry, build_context
from coach.protocols import Drafter, Retriever
from coach.repair import (
    Checker,
    Progress,
    RepairContext,
    Validate,
    attempt_event,
    offline_suggestions,
    settle_candidate,
)
from coach.text import detect_script, script_for_locale
from coach.types import Conversation, DraftRequest, Passage, Situation, Suggestion, SuggestionResponse
from coach.validation_batch import batcher_for

log = logging.getLogger("coach.pipeline")

EventKind = Literal["passages", "attempt", "suggestion", "done"]
Emit = Callable[[EventKind, dict[str, Any]], Awaitable[None]] | None
RETRIEVAL_K = 5
_REASON_ORDER = ("timeout", "llm_error", "invalid_after_repair")


@dataclass(frozen=True)
class CoachEvent:
    kind: EventKind
    data: dict[str, Any]


@dataclass
class _Clock:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, span: str | None = None):  # type: ignore[no-untyped-def]
        """Times the stage and traces it (span `coach.<name>` unless named); yields the span."""
        started = time.perf_counter()
        try:
            with tracing.span(span or f"coach.{name}") as current:
                yield current
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        STAGE_LATENCY.labels(name).observe(seconds)
        self.timings[name] = round(self.timings.get(name, 0.0) + seconds * 1000, 3)


WARM_UP_TEXTS = ("你們到底能不能解決？叫你們領導來！", "Where is my parcel? Get me your manager.")


class Coach:
    """The suggestion pipeline over its seams: a Retriever, the prompt registry, the offline drafter,
    optionally an LLM drafter (None: offline only), the situation analyser and the validator."""

    def __init__(
        self,
        *,
        settings: Settings,
        retriever: Retriever,
        prompts: PromptRegistry,
        offline: Drafter,
        llm: Drafter | None = None,
        analyse: Callable[[Conversation], Situation] | None = None,
        validate: Validate | None = None,
        k: int = RETRIEVAL_K,
    ) -> None:
        self._clocked = analyse is None  # the bundled analysis reads the request's clock
        if analyse is None:
            from coach.analysis.situation import analyse
        if validate is None:
            from coach.rules import DEFAULT_VALIDATOR as validate
        self.settings = settings
        self.retriever = retriever
        self.prompts = prompts
        self.offline = offline
        self.llm = llm
        self.analyse = analyse
        self.validate = validate
        # concurrent requests' drafts share validator calls (None for a validator without `many`)
        self.validation_batch = batcher_for(validate)
        self.k = k
        self.notices = DegradedNotices(settings)  # each cause of degraded answers, said once

    @property
    def model(self) -> str:
        return self.settings.model if self.llm is not None else "offline"

    def warm_up(self) -> None:
        """Loads the lazy parts (the query encoders, the tokenisers, the rule patterns and the
        validator's encoder) with one Chinese and one English conversation, so that the first
        requests (the service's, a batch run's) do not wait for them. Blocking: call it off the
        event loop, at start-up."""
        from coach.types import Turn

        conversations = [Conversation(turns=(Turn(role="customer", text=text),)) for text in WARM_UP_TEXTS]
        with ThreadPoolExecutor(1) as pool:  # the query encoders load beside the validator's
            searches = pool.submit(lambda: [self.retriever.search_turns(c.turns, 1) for c in conversations])
            for conversation in conversations:
                self.analyse(conversation)
                self.validate("您好，我來幫您處理。", conversation.turns, conversation.policy, None)
            searches.result()

    def check(self, conversation: Conversation) -> None:
        """Raise now (NotFound/InvalidInput) for what would fail later: the template's name."""
        self.prompts.get(conversation.template)

    async def suggest(self, conversation: Conversation) -> SuggestionResponse:
        return await self._traced(conversation, None)

    async def stream(self, conversation: Conversation) -> AsyncIterator[CoachEvent]:
        """Events as they happen; the last one is `done`. Errors before `done` are raised."""
        queue: asyncio.Queue[CoachEvent | Exception] = asyncio.Queue()

        async def emit(kind: EventKind, data: dict[str, Any]) -> None:
            queue.put_nowait(CoachEvent(kind, data))

        async def runner() -> None:
            try:
                await self._traced(conversation, emit)
            except Exception as exc:
                queue.put_nowait(exc)

        task = asyncio.create_task(runner())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, Exception):
                    raise item
                yield item
                if item.kind == "done":
                    return
        finally:
            if not task.done():
                task.cancel()

    # -- the flow -----------------------------------------------------------------------------
    async def _traced(self, conversation: Conversation, emit: Emit) -> SuggestionResponse:
        request_id = current_request_id() or uuid.uuid4().hex  # the service's X-Request-ID when there is one
        with tracing.request(request_id) as root:
            if root.is_recording():
                root.set_attributes(trace_request(conversation))
            response = await self._run(conversation, emit, request_id)
            if root.is_recording():
                root.set_attributes(trace_response(response))
            return response

    async def _run(self, conversation: Conversation, emit: Emit, request_id: str) -> SuggestionResponse:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        deadline = loop.time() + self.settings.deadline_s
        clock = _Clock()
        template = self.prompts.get(conversation.template)
        search = self._start_search(conversation)  # runs in a thread while the situation is read
        with clock.stage("situation") as span:
            situation = self._situation(conversation)
            if span.is_recording():
                span.set_attributes({"coach.script": situation.script, "coach.round": situation.round,
                                     "coach.strategy": situation.strategy, "coach.moves": list(situation.moves)})
        with clock.stage("retrieval") as span:
            found = await self._passages(search)
            if not found:  # nothing matched the customer's words: the passages on what the moment calls for
                found = await self._moment_passages(situation)
            passages = for_script(found, situation.script)
            if span.is_recording():
                span.set_attributes({"coach.retrieval.k": self.k, "coach.passages": [p.id for p in passages]})
        if emit is not None:
            await emit("passages", {
                "request_id": request_id, "conversation_id": conversation.conversation_id,
                "template": template.ref, "passages": [p.model_dump(mode="json") for p in passages],
            })
        check = Checker(self.validate, conversation, script=situation.script, batch=self.validation_batch)
        progress = _AttemptProgress(emit)
        suggestions: list[Suggestion] = []
        reason: str | None = None
        model = "offline"
        with metering(deadline) as meter:
            if self.llm is not None:
                try:
                    with clock.stage("render") as span:
                        if span.is_recording():
                            span.set_attribute("coach.template", template.ref)
                        messages = template.render(build_context(conversation, situation, passages))
                except TemplateError as exc:  # reported, and the offline drafter answers
                    log.error("template %s failed to render: %s", template.ref, exc.message)
                    reason = "template_error"
                else:
                    request = DraftRequest(
                        messages=messages, situation=situation, passages=passages,
                        n=conversation.n, params=template.params,
                    )
                    # Keep a sliver of the budget for the offline fallback.
                    reserve = min(0.25, self.settings.deadline_s * 0.05)
                    suggestions, reason = await self._llm_phase(
                        request, conversation, check, deadline - reserve, emit, progress
                    )
                if suggestions:
                    model = meter.model or self.settings.model
                if meter.calls:
                    clock.add("llm", meter.llm_seconds)
            if not suggestions:
                if reason is not None:
                    await progress.report(attempt_event("falling_back", progress.attempt, reason=reason))
                with clock.stage("offline", "coach.offline" if reason is None else "coach.fallback") as span:
                    if span.is_recording() and reason is not None:
                        span.set_attribute("coach.degraded_reason", reason)
                    suggestions = await offline_suggestions(self.offline, situation, passages, conversation.n, check)
                if reason is not None:
                    DEGRADED.labels(reason).inc()
                    log.info("degraded suggestion (%s), request %s", reason, request_id)
                    self.notices.note(reason, meter.error)
                if emit is not None:
                    for index, s in enumerate(suggestions):
                        await emit("suggestion", {"index": index, "suggestion": s.model_dump(mode="json")})
        clock.add("validation", check.seconds)
        clock.add("total", time.perf_counter() - started)
        response = SuggestionResponse(
            conversation_id=conversation.conversation_id,
            request_id=request_id,
            suggestions=tuple(suggestions),
            passages=passages,
            degraded=reason is not None,
            degraded_reason=reason,
            template=template.ref,
            model=model,
            timings_ms=clock.timings,
            usage=meter.usage(),
        )
        if emit is not None:
            await emit("done", response.model_dump(mode="json"))
        return response

    def _situation(self, conversation: Conversation) -> Situation:
        try:
            if self._clocked:  # the request's instant and the notes' texts, read here at the edge
                notebook = load_notebook(notes_folder(self.settings.prompts_dir))
                return self.analyse(conversation, now=datetime.now(UTC), default_zone=self.settings.timezone,  # type: ignore[call-arg]
                                    notebook=notebook)
            return self.analyse(conversation)
        except Exception:  # a bug there must not cost the agent a reply
            log.exception("situation analysis failed; drafting from the script alone")
            last = next((t.text for t in reversed(conversation.turns) if t.role == "customer"), conversation.turns[-1].text)
            script = script_for_locale(conversation.locale) if conversation.locale else detect_script(last)
            return Situation(script=script, round=conversation.turns[-1].round, case=conversation.case,
                             policy=conversation.policy)

    def _start_search(self, conversation: Conversation) -> asyncio.Future:
        """Submits the search now, to a thread of its own pool: ranking may embed the query, which
        must not stall the event loop, and a search waiting for a batch of query embeddings must not
        hold a thread of the default pool (the validator's)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, self.retriever.search_turns, conversation.turns, self.k)
        return loop.run_in_executor(_search_pool(), call)

    async def _passages(self, search: asyncio.Future) -> tuple[Passage, ...]:
        try:
            return tuple(await search)
        except Exception:
            log.exception("retrieval failed; drafting without passages")
            return ()

    async def _moment_passages(self, situation: Situation) -> tuple[Passage, ...]:
        """Passages found by the words of what the reply will do (the offline drafter's cue words
        of the situation's strategy and lead), for a conversation whose own words match none: an
        English message over Chinese guidelines without vectors, say. Every reply then has
        passages that bear on the moment to cite."""
        query_of = getattr(self.offline, "moment_query", None)
        if query_of is None:
            return ()
        try:
            query = query_of(situation)
            return tuple(await asyncio.to_thread(self.retriever.search, query, self.k)) if query else ()
        except Exception:
            log.exception("retrieval by the situation failed; drafting without passages")
            return ()

    async def _llm_phase(
        self, request: DraftRequest, conversation: Conversation, check: Checker, deadline: float, emit: Emit,
        progress: _AttemptProgress,
    ) -> tuple[list[Suggestion], str | None]:
        """Validated LLM suggestions (in completion order) and, when there are none, why."""
        assert self.llm is not None
        ok: list[Suggestion] = []
        failures: list[str] = []
        tasks: list[asyncio.Task[tuple[Suggestion | None, str | None]]] = []
        max_repairs = self.settings.max_repairs
        try:
            repair_template = self.prompts.get(None, default=DEFAULT_REPAIR)
        except CoachError as exc:  # a prompts folder without a repair template: no repairs
            log.error("no repair template (%s): rejected drafts go to the fallback", exc.message)
            repair_template, max_repairs = self.prompts.get(None), 0
        ctx = RepairContext(
            conversation=conversation, situation=request.situation, passages=request.passages,
            repair_template=repair_template, llm=self.llm, check=check,
            max_repairs=max_repairs, build_context=build_context, progress=progress.hook,
        )
        try:
            async with asyncio.timeout_at(deadline):
                await progress.report(attempt_event("drafting", 1))
                with tracing.span("coach.draft") as span:
                    if span.is_recording():
                        span.set_attributes({"coach.attempt": 1, "coach.n": request.n})
                    drafts = await self.llm.draft(request)
                tasks = [asyncio.create_task(settle_candidate(d, ctx, i)) for i, d in enumerate(drafts[: request.n])]
                for next_done in asyncio.as_completed(tasks):
                    suggestion, failure = await next_done
                    if suggestion is None:
                        failures.append(failure or "invalid_after_repair")
                        continue
                    ok.append(suggestion)
                    if emit is not None:
                        await emit("suggestion", {"index": len(ok) - 1, "suggestion": suggestion.model_dump(mode="json")})
        except TimeoutError:
            failures.append("timeout")
        except LLMError as exc:
            log.info("LLM drafting failed: %s", exc.message)  # said once, with advice, by self.notices
            current_meter().error = exc
            failures.append("timeout" if exc.kind == "timeout" else "llm_error")
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
        if ok:
            return ok, None
        reason = next((r for r in _REASON_ORDER if r in failures), failures[0] if failures else "llm_error")
        return [], reason


class _AttemptProgress:
    """Sends `attempt` events through the stream's emit hook (nothing without one) and remembers
    the highest draft number reached, which the `falling_back` event reports."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.attempt = 0

    @property
    def hook(self) -> Progress | None:
        return self.report if self.emit is not None else None

    async def report(self, data: dict[str, Any]) -> None:
        self.attempt = max(self.attempt, int(data.get("attempt", 0)))
        if self.emit is not None:
            await self.emit("attempt", data)


def trace_request(conversation: Conversation) -> dict[str, Any]:
    """The suggestion span's attributes known before it runs (customer text only if allowed)."""
    attributes: dict[str, Any] = {"coach.n": conversation.n, "coach.turns": len(conversation.turns),
                                  "coach.template.requested": conversation.template or "",
                                  "coach.locale.requested": conversation.locale or ""}
    if conversation.conversation_id:
        attributes["coach.conversation_id"] = conversation.conversation_id
    if tracing.content():
        last = next((t.text for t in reversed(conversation.turns) if t.role == "customer"), "")
        attributes["coach.customer.text"] = tracing.text(last)
    return attributes


def trace_response(response: SuggestionResponse) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "coach.template": response.template, "coach.model": response.model, "coach.degraded": response.degraded,
        "coach.suggestions": len(response.suggestions), "coach.sources": [s.source for s in response.suggestions],
        "coach.attempts": [s.attempts for s in response.suggestions],
        "coach.usage.input_tokens": response.usage.prompt_tokens,
        "coach.usage.output_tokens": response.usage.completion_tokens,
    }
    if response.degraded_reason:
        attributes["coach.degraded_reason"] = response.degraded_reason
    if tracing.content():
        attributes["coach.suggestions.text"] = tracing.texts([s.text for s in response.suggestions])
    return attributes


SEARCH_THREADS = 32  # searches in flight at once; most of them wait for a batch of query embeddings


@lru_cache(maxsize=1)
def _search_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="coach-search")


def build_coach(settings: Settings, knowledge: Retriever, *, prompts: PromptRegistry | None = None,
                llm: Drafter | None = None, offline: Drafter | None = None) -> Coach:
    """The Coach the service and the CLI use: backend from settings.resolved_backend."""
    from coach.drafting.offline import OfflineDrafter

    prompts = prompts or PromptRegistry.from_settings(settings)
    if llm is None and settings.resolved_backend == "openai":
        from coach.drafting.llm import LLMDrafter

        llm = LLMDrafter(settings)
    return Coach(settings=settings, retriever=knowledge, prompts=prompts,
                 offline=offline or OfflineDrafter(settings), llm=llm)

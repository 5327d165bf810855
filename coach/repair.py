"""Turning drafts into suggestions: finish (script, citations), validate, repair, fall back.

`settle_candidate` is the semantic repair loop for one LLM candidate: validate it, and while it is
rejected and repairs remain, re-draft it with the repair template quoting each violation's evidence
and hint; with a `progress` hook it reports each step (`attempt_event`) as it happens, for the
stream's `attempt` events. `offline_suggestions` asks the offline drafter and keeps only what
validates, ending with a short safe reply (also validated) when even that fails. Nothing here
returns an invalid draft.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from coach import tracing
from coach.errors import LLMError
from coach.metrics import CITATIONS_UNRESOLVED, REPAIRS, VIOLATIONS
from coach.prompts.loader import PromptTemplate
from coach.protocols import Drafter
from coach.text import to_script, to_traditional
from coach.validation_batch import ValidationBatcher
from coach.types import (
    Conversation,
    Draft,
    DraftRequest,
    Locale,
    Passage,
    Policy,
    Situation,
    Suggestion,
    Turn,
    ValidationResult,
    Violation,

)

log = logging.getLogger("coach.repair")

Validate = Callable[[str, Sequence[Turn], Policy, str | None], ValidationResult]
AttemptStage = Literal["drafting", "rejected", "repairing", "falling_back"]
# Receives the data of one `attempt` event (see attempt_event).
Progress = Callable[[dict[str, Any]], Awaitable[None]]


def attempt_event(
    stage: AttemptStage, attempt: int, *, candidate: int | None = None,
    rules: Sequence[str] | None = None, reason: str | None = None,
) -> dict[str, Any]:
    """The data of an `attempt` event: `attempt` is the number of the draft concerned (1 for the
    first, 2 for the first repair...); `candidate` which of the n drafts (absent when all of them,
    as in the first drafting call); `rules` the rule ids a rejected draft broke; `reason` why the
    offline drafter takes over (a `degraded_reason`)."""
    data: dict[str, Any] = {"stage": stage, "attempt": attempt}
    if candidate is not None:
        data["candidate"] = candidate
    if stage == "rejected":
        data["rules"] = list(rules or ())
    if stage == "falling_back":
        data["reason"] = reason
    return data

# Last-resort replies (our own words): calm, committal about follow-up, no offer, no limit.
_SAFE_HANS = (
    "非常理解您现在的心情。您反映的情况我已经完整记录下来，会认真跟进，并尽快给您一个明确的答复。",
    "理解您的心情，您的问题我们会认真跟进，稍后给您回复。",
)
SAFE_REPLIES: dict[str, tuple[str, ...]] = {
    "zh-Hans": _SAFE_HANS,
    "zh-Hant": tuple(to_traditional(t) for t in _SAFE_HANS),
    "en": (
        "I completely understand how frustrating this is. I have noted every detail of your issue, "
        "I will follow it up carefully and come back to you with a clear answer as soon as possible.",
        "I understand your frustration, and I will follow up on your issue and get back to you shortly.",
    ),
}


_LOCALE_OF_SCRIPT: dict[str, Locale] = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en"}


@dataclass
class Checker:
    """Validates finished drafts against the conversation in the customer's language (the
    validator's wrong_language rule reads it from the locale given here), off the event loop,
    timing and counting as it goes. With a `batch` (coach.validation_batch), drafts validated
    through `run`/`run_many` share validator calls with other requests' drafts."""

    validate: Validate
    conversation: Conversation
    script: str | None = None
    seconds: float = 0.0
    rejected: list[ValidationResult] = field(default_factory=list)
    batch: ValidationBatcher | None = None

    def __call__(self, text: str) -> ValidationResult:
        return self.many([text])[0]

    def _requests(self, texts: Sequence[str]) -> list[tuple[str, Sequence[Turn], Policy, str | None]]:
        c = self.conversation
        locale = c.locale or (_LOCALE_OF_SCRIPT.get(self.script) if self.script else None)
        return [(t, c.turns, c.policy, locale) for t in texts]

    def many(self, texts: Sequence[str]) -> list[ValidationResult]:
        started = time.perf_counter()
        with tracing.span("coach.validation") as span:
            try:
                requests = self._requests(texts)
                batch = getattr(self.validate, "many", None)
                if batch is not None and len(texts) > 1:
                    results = batch(requests)
                else:
                    results = [self.validate(*r) for r in requests]
            finally:
                self.seconds += time.perf_counter() - started
            if span.is_recording():
                span.set_attributes(_validation_attributes(texts, results))
        return self._record(results)

    def _record(self, results: list[ValidationResult]) -> list[ValidationResult]:
        for result in results:
            for v in result.violations:
                VIOLATIONS.labels(v.rule).inc()
            if not result.ok:
                self.rejected.append(result)
        return results

    async def run(self, text: str) -> ValidationResult:
        """One draft, in a worker thread: the semantic tier's encoder is CPU work."""
        return (await self.run_many([text]))[0]

    async def run_many(self, texts: Sequence[str]) -> list[ValidationResult]:
        if self.batch is None:
            return await asyncio.to_thread(self.many, texts)
        started = time.perf_counter()
        with tracing.span("coach.validation") as span:
            try:
                results = await self.batch.validate(self._requests(texts))
            finally:
                self.seconds += time.perf_counter() - started
            if span.is_recording():
                span.set_attributes(_validation_attributes(texts, results))
        return self._record(results)


def _validation_attributes(texts: Sequence[str], results: Sequence[ValidationResult]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "coach.validation.drafts": len(texts), "coach.validation.rejected": sum(not r.ok for r in results),
        "coach.validation.rules": sorted({v.rule for r in results for v in r.violations}),
    }
    if tracing.content():
        attributes["coach.validation.texts"] = tracing.texts(texts)
    return attributes


def finish(draft: Draft, situation: Situation, passages: Sequence[Passage]) -> tuple[str, tuple[str, ...]]:
    """The reply in the customer's script, with citations limited to the passages shown."""
    text = draft.text.strip()
    if situation.script in ("zh-Hans", "zh-Hant"):
        text = to_script(text, situation.script)
    known = {p.id for p in passages}
    citations = tuple(dict.fromkeys(c for c in draft.citations if c in known))
    if draft.citations and not citations:
        CITATIONS_UNRESOLVED.inc()
        log.info("none of the draft's citations %s matches a passage shown", list(draft.citations)[:5])
    return text, citations


@dataclass
class RepairContext:
    """What the repair loop needs besides the draft: kept together to keep signatures short."""

    conversation: Conversation
    situation: Situation
    passages: tuple[Passage, ...]
    repair_template: PromptTemplate
    llm: Drafter
    check: Checker
    max_repairs: int
    build_context: Callable[..., dict]
    progress: Progress | None = None


# Each further repair is sampled a little warmer, so a near-deterministic model does not answer
# the same prompt with the same draft.
REPAIR_TEMPERATURE_STEP = 0.3
REPAIR_TEMPERATURE_MAX = 1.0


async def settle_candidate(draft: Draft, ctx: RepairContext, candidate: int = 0) -> tuple[Suggestion | None, str | None]:
    """(a validated suggestion, None) or (None, why it failed). Every repair carries all the drafts
    rejected before it, with their violations, and runs warmer than the one before. `candidate`
    numbers the draft among the n for the progress events."""
    attempts = 1
    earlier: list[tuple[str, tuple[Violation, ...]]] = []
    while True:
        text, citations = finish(draft, ctx.situation, ctx.passages)
        result = await ctx.check.run(text) if text else ValidationResult(ok=False)
        if result.ok and text:
            return Suggestion(text=text, citations=citations, source=draft.source, attempts=attempts, validation=result), None
        if ctx.progress is not None:
            rules = list(dict.fromkeys(v.rule for v in result.violations))
            await ctx.progress(attempt_event("rejected", attempts, candidate=candidate, rules=rules))
        if attempts > ctx.max_repairs:
            return None, "invalid_after_repair"
        REPAIRS.inc()
        if ctx.progress is not None:
            await ctx.progress(attempt_event("repairing", attempts + 1, candidate=candidate))
        with tracing.span("coach.repair") as span:
            if span.is_recording():
                span.set_attributes({"coach.attempt": attempts + 1, "coach.candidate": candidate,
                                     "coach.repair.rules": sorted({v.rule for v in result.violations})})
            messages = ctx.repair_template.render(
                ctx.build_context(ctx.conversation, ctx.situation, ctx.passages, draft=text,
                                  violations=result.violations, earlier=tuple(earlier), attempt=attempts)
            )
            params = dict(ctx.repair_template.params)
            base = float(params.get("temperature", 0.2))
            params["temperature"] = round(min(REPAIR_TEMPERATURE_MAX, base + REPAIR_TEMPERATURE_STEP * (attempts - 1)), 2)
            request = DraftRequest(
                messages=messages, situation=ctx.situation, passages=ctx.passages, n=1,
                feedback=result.violations, params=params,
            )
            earlier.append((text, result.violations))
            try:
                redrafts = await ctx.llm.draft(request)
            except LLMError as exc:
                log.warning("repair draft failed: %s", exc.message)
                return None, "timeout" if exc.kind == "timeout" else "llm_error"
        attempts += 1
        draft = redrafts[0]


async def _valid_offline(offline: Drafter, situation: Situation, passages: tuple[Passage, ...], drafted: int,
                         wanted: int, check: Checker, tried: set[str]) -> list[Suggestion]:
    """Up to `wanted` of the offline drafter's first `drafted` replies that validate, skipping the
    texts in `tried` (and adding the new ones to it)."""
    try:
        drafts = await offline.draft(DraftRequest(situation=situation, passages=passages, n=drafted))
    except Exception:  # the fallback must answer whatever the composer does
        log.exception("offline drafter failed")
        return []
    finished: dict[str, tuple[str, ...]] = {}
    for draft in drafts[:drafted]:
        text, citations = finish(draft, situation, passages)
        if text and text not in finished and text not in tried:
            finished[text] = citations
    tried.update(finished)
    texts = list(finished)
    results = await check.run_many(texts) if texts else []
    valid = [Suggestion(text=t, citations=finished[t], source="offline", attempts=1, validation=r)
             for t, r in zip(texts, results) if r.ok]
    return valid[:wanted]


async def safe_reply(situation: Situation, check: Checker) -> Suggestion | None:
    """The first last-resort reply in the customer's script that validates (None if none does)."""
    texts = SAFE_REPLIES[situation.script]
    for text, result in zip(texts, await check.run_many(texts)):
        if result.ok:
            return Suggestion(text=text, citations=(), source="offline", attempts=1, validation=result)
    log.error("no safe reply validates for script %s", situation.script)
    return None


OFFLINE_ALTERNATES = 3  # the offline drafter's phrasings of one situation (drafting/offline.py)


async def offline_suggestions(
    offline: Drafter, situation: Situation, passages: tuple[Passage, ...], n: int, check: Checker
) -> list[Suggestion]:
    """Validated suggestions from the offline drafter: its first `n` replies, and when fewer of them
    validate, its other phrasings (OFFLINE_ALTERNATES replies in all); the safe reply when none
    validates."""
    tried: set[str] = set()
    out = await _valid_offline(offline, situation, passages, n, n, check, tried)
    if len(out) < n < OFFLINE_ALTERNATES:
        out += await _valid_offline(offline, situation, passages, OFFLINE_ALTERNATES, n - len(out), check, tried)
    if not out:
        fallback = await safe_reply(situation, check)
        if fallback is not None:
            out.append(fallback)
    return out

"""Fakes for the eval runner's seams: a scripted suggest function, a toy validator and concession
detector (so runner, reports and compare are tested without the pipeline), and a scripted drafter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence

from coach.errors import NotFound
from coach.evaluation.backend import PipelineBackend
from coach.types import (
    Conversation,
    Draft,
    DraftRequest,
    Locale,
    Offer,
    Passage,
    Policy,
    Suggestion,
    SuggestionResponse,
    Turn,
    Usage,
    ValidationResult,
    Violation,
)

PASSAGES = (
    Passage(id="p-000-001", source="000.txt", title="找领导", text="客户开口就要找领导时，先查来电记录和工单。"),
    Passage(id="p-001-002", source="001.txt", title="坚守原则", text="一个沟通回合只让步一次，回电时再调整。"),
)

_EXPOSURE = re.compile(r"无能为力|权限有限|not my call")
_OFFER = re.compile(r"(\d+)\s*元")


class FakeSuggest:
    """Answers each conversation with `replies[conversation_id]` (or `default`), optionally slowly,
    or raising `errors[conversation_id]`. Records the conversations it saw."""

    def __init__(self, replies: dict[str, str] | None = None, *, default: str = "我理解您的心情，我马上帮您查看处理。",
                 delay: float = 0.0, errors: dict[str, Exception] | None = None,
                 reply_fn: Callable[[Conversation], str] | None = None, usage: Usage | None = None) -> None:
        self.replies = replies or {}
        self.default = default
        self.delay = delay
        self.errors = errors or {}
        self.reply_fn = reply_fn
        self.usage = usage or Usage(prompt_tokens=100, completion_tokens=20, cost_usd=0.0001)
        self.seen: list[Conversation] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, conversation: Conversation) -> SuggestionResponse:
        self.seen.append(conversation)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            cid = conversation.conversation_id or ""
            if cid in self.errors:
                raise self.errors[cid]
            text = self.reply_fn(conversation) if self.reply_fn else self.replies.get(cid, self.default)
        finally:
            self.in_flight -= 1
        return SuggestionResponse(
            conversation_id=conversation.conversation_id,
            suggestions=(Suggestion(text=text, citations=("p-000-001",), source="llm", attempts=1,
                                    validation=ValidationResult(ok=True)),),
            passages=PASSAGES,
            template=conversation.template or "reply@v1",
            model="fake-model",
            usage=self.usage,
        )


def fake_validate(draft: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> ValidationResult:
    violations = tuple(
        Violation(rule="authority_exposure", severity="block", message="exposes authority",
                  span=(m.start(), m.end()), evidence=m.group(0), hint="say what you will do")
        for m in _EXPOSURE.finditer(draft)
    )
    return ValidationResult(ok=not violations, violations=violations)


def fake_concessions(reply: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> list[Offer]:
    return [Offer(kind="money", amount=float(m.group(1)), text=m.group(0)) for m in _OFFER.finditer(reply)]


def fake_backend(suggest: FakeSuggest, templates: tuple[str, ...] = ("reply@v1", "reply@v2")) -> Callable[..., PipelineBackend]:
    def factory(settings: object, backend: str, cache: object, retrieval: str = "auto") -> PipelineBackend:
        def check_template(ref: str) -> None:
            if ref not in templates:
                raise NotFound(f"no prompt template {ref!r}")

        return PipelineBackend(suggest=suggest, backend=backend, model="fake-model",  # type: ignore[arg-type]
                               check_template=check_template, default_template=None)

    return factory


class ScriptedDrafter:
    """A Drafter that answers from a list, counting calls; raises when told to."""

    name = "scripted"

    def __init__(self, texts: Sequence[str] = ("好的，我来帮您处理。",), fail: bool = False) -> None:
        self.texts = list(texts)
        self.fail = fail
        self.calls = 0

    async def draft(self, request: DraftRequest) -> list[Draft]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("endpoint down")
        return [Draft(text=self.texts[(self.calls - 1) % len(self.texts)], source="llm")]

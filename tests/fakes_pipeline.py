"""Fakes for the pipeline's seams (coach.protocols Retriever and Drafter, the validator, the
situation analyser), so pipeline tests do not depend on the real knowledge base or rules."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from coach.config import Settings
from coach.errors import LLMError
from coach.text import detect_script
from coach.types import (
    Conversation,
    Draft,
    DraftRequest,
    Passage,
    Policy,
    Situation,
    Turn,
    ValidationResult,
    Violation,
)

PASSAGES = (
    Passage(id="p-001-002", source="001.txt", title="坚守原则", text="不要把权限暴露给客户。", score=9.5),
    Passage(id="p-002-001", source="002.txt", title="先处理情绪", text="先处理心情，再处理事情。", score=7.0),
    Passage(id="p-004-003", source="004.txt", title="拒绝的艺术", text="拒绝时给出理由和替代方案。", score=5.1),
)

# Phrases the fake validator blocks, with the hint it gives.
BLOCKED = {
    "无能为力": "say what you will do instead",
    "無能為力": "say what you will do instead",
    "not my call": "say what you will do instead",
    "再加": "one concession per round",
}


class FakeRetriever:
    def __init__(self, passages: Sequence[Passage] = PASSAGES) -> None:
        self.passages = list(passages)
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5) -> list[Passage]:
        self.queries.append(query)
        return self.passages[:k]

    def search_turns(self, turns: Sequence[Turn], k: int = 5) -> list[Passage]:
        self.queries.append(turns[-1].text)
        return self.passages[:k]

    def get(self, passage_id: str) -> Passage | None:
        return next((p for p in self.passages if p.id == passage_id), None)


class ScriptedDrafter:
    """Answers each draft call with the next scripted item: a list of texts, or an exception."""

    def __init__(self, script: Sequence[object], *, name: str = "llm", delay: float = 0.0) -> None:
        self.name = name
        self.script = list(script)
        self.requests: list[DraftRequest] = []
        self.delay = delay

    async def draft(self, request: DraftRequest) -> list[Draft]:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        texts = [item] if isinstance(item, str) else list(item)  # type: ignore[arg-type]
        source = "llm" if self.name == "llm" else "offline"
        return [Draft(text=t, citations=("p-001-002", "p-bogus"), source=source) for t in texts][: request.n]


class FakeOffline(ScriptedDrafter):
    def __init__(self, script: Sequence[object] = ("我理解您的心情，我们马上为您处理。",)) -> None:
        super().__init__(script, name="offline")


class FailingLLM(ScriptedDrafter):
    def __init__(self, kind: str = "server_error") -> None:
        super().__init__([LLMError("boom", kind=kind)])


def fake_validate(draft: str, turns: Sequence[Turn], policy: Policy, locale: str | None) -> ValidationResult:
    violations = []
    for phrase, hint in BLOCKED.items():
        start = draft.find(phrase)
        if start >= 0:
            violations.append(Violation(
                rule="authority_exposure" if hint.startswith("say") else "double_concession",
                severity="block", message="blocked phrase", span=(start, start + len(phrase)),
                evidence=phrase, hint=hint,
            ))
    return ValidationResult(ok=not violations, violations=tuple(violations))


def reject_all(draft: str, turns: Sequence[Turn], policy: Policy, locale: str | None) -> ValidationResult:
    v = Violation(rule="tone", severity="block", message="no", span=(0, 1), evidence=draft[:1], hint="h")
    return ValidationResult(ok=False, violations=(v,))


def fake_analyse(conversation: Conversation) -> Situation:
    last = next(t.text for t in reversed(conversation.turns) if t.role == "customer")
    return Situation(script=detect_script(last), round=conversation.turns[-1].round, strategy="calm_and_help",
                     notes=("Acknowledge the feelings first.",), case=conversation.case, policy=conversation.policy)


def conversation(text: str = "你们到底能不能解决？不行就叫你们领导来接电话！", **kw: object) -> Conversation:
    return Conversation.model_validate({"turns": [{"role": "customer", "text": text}], **kw})


def llm_settings(**kw: object) -> Settings:
    base: dict[str, object] = {
        "OPENAI_BASE_URL": "http://llm.test/v1", "OPENAI_API_KEY": "sk-test", "COACH_MODEL": "gpt-4o-mini",
        "COACH_LLM_RETRIES": 3, "COACH_LLM_RETRY_WAIT_S": 0, "COACH_LLM_RETRY_MAX_WAIT_S": 0,
        "COACH_DEADLINE_S": 5, "COACH_LLM_TIMEOUT_S": 3,
    }
    base.update(kw)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]

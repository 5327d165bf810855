"""Wiring the runner to the product: the real pipeline as the suggest function, the validator and
its concession detection as the checks, and the eval's response cache around the LLM drafter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from coach.config import Settings
from coach.evaluation.cache import CachingDrafter, ResponseCache
from coach.evaluation.retrieval import RetrievalMode, eval_retriever
from coach.evaluation.runner import SuggestFn
from coach.types import Locale, Offer, Policy, Turn, ValidationResult

Backend = Literal["offline", "openai"]


def validate_reply(draft: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> ValidationResult:
    from coach.rules import validate

    return validate(draft, list(turns), policy, locale)


def reply_concessions(reply: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> list[Offer]:
    """The new concessions the reply makes, read as the double_concession rule reads them (the
    offer reader and the grant head; restating the standing offer is not one)."""
    from coach.rules import DEFAULT_VALIDATOR, read_draft
    from coach.rules.concession import concession_units

    ctx = read_draft(reply, list(turns), policy, locale, DEFAULT_VALIDATOR.scorer)
    current = turns[-1].round if turns else 1
    by_span = {j.offer.span: j.offer for j in ctx.judged if j.concession}
    out = []
    for span, kind in concession_units(ctx):
        if kind != "offer":
            continue
        found = by_span.get(span)
        text = reply[span[0]:span[1]]
        out.append(Offer(kind=found.kind if found else "benefit", amount=found.amount if found else None,
                         round=current, text=text))
    return out


@dataclass
class PipelineBackend:
    suggest: SuggestFn
    backend: Backend
    model: str
    check_template: Callable[[str], None]  # raises NotFound/InvalidInput for an unknown template
    default_template: str | None
    aclose: Callable[[], Awaitable[None]] | None = None
    # starts encoding the scenarios' retrieval queries in batches ahead of the runner
    # starts encoding the conversations' query texts in fixed batches (a future, or None)
    prepare: Callable[[Sequence[Sequence[Turn]]], object] | None = None


def eval_settings(settings: Settings, backend: Backend) -> Settings:
    return settings.model_copy(update={"backend": backend})


def build_backend(settings: Settings, backend: Backend, cache: ResponseCache | None,
                  retrieval: RetrievalMode = "auto") -> PipelineBackend:
    """The real Coach over the bundled (or configured) guidelines and templates.

    With the openai backend the LLM drafter is wrapped in the eval's CachingDrafter (a pass-through
    when `cache` is None); the offline drafter is deterministic and fast, so it is never cached. Retrieval is
    memoised per conversation (see coach.evaluation.retrieval).
    """
    from coach.knowledge import load_knowledge_base
    from coach.pipeline import build_coach
    from coach.rules import DEFAULT_VALIDATOR

    s = eval_settings(settings, backend)
    with ThreadPoolExecutor(1) as pool:  # the validator's encoder loads beside the index, as in `coach serve`
        validator = pool.submit(DEFAULT_VALIDATOR.warm)
        knowledge = eval_retriever(load_knowledge_base(s), retrieval)
        validator.result()
    llm: Any = None
    if backend == "openai":
        from coach.drafting.llm import LLMDrafter

        # always wrapped: with no cache it passes through, still recording calls and rejected drafts
        llm = CachingDrafter(LLMDrafter(s), cache, model=s.model,
                             params={"temperature": s.temperature, "max_tokens": s.max_tokens})
    coach = build_coach(s, knowledge, llm=llm)
    coach.warm_up()  # start-up, not the run: the query encoders load before the first scenario

    def check_template(ref: str) -> None:
        coach.prompts.get(ref)

    async def aclose() -> None:
        if llm is not None:
            await llm.aclose()

    prepare = getattr(knowledge, "prepare_turns", None)
    return PipelineBackend(suggest=coach.suggest, backend=backend, model=coach.model, check_template=check_template,
                           default_template=coach.prompts.get(None).ref, aclose=aclose, prepare=prepare)

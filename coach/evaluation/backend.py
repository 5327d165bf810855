"""Wiring the runner to the product: the real pipeline as the suggest function, the validator and
its concession detection as the checks, and the eval's response cache around the LLM drafter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from coach.config import Settings
from coach.evaluation.cache import CachingDrafter, ResponseCache
from coach.evaluation.runner import SuggestFn
from coach.types import Locale, Offer, Policy, Turn, ValidationResult

Backend = Literal["offline", "openai"]


def validate_reply(draft: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> ValidationResult:
    from coach.rules import validate

    return validate(draft, list(turns), policy, locale)


def reply_concessions(reply: str, turns: Sequence[Turn], policy: Policy, locale: Locale | None) -> list[Offer]:
    """The new concessions the reply makes, judged as the double_concession rule judges them
    (restating the standing offer is not one)."""
    from coach.rules.offers import find_offers
    from coach.rules.state import concessions, round_state

    state = round_state(list(turns))
    current = turns[-1].round if turns else 1
    return [
        Offer(kind=j.offer.kind, amount=j.offer.amount, round=current, text=j.offer.evidence)
        for j in concessions(find_offers(reply), state)
        if j.concession
    ]


@dataclass
class PipelineBackend:
    suggest: SuggestFn
    backend: Backend
    model: str
    templates: tuple[str, ...]  # what the registry offers, for checking --template up front
    default_template: str | None
    coach: Any = None


def eval_settings(settings: Settings, backend: Backend) -> Settings:
    return settings.model_copy(update={"backend": backend})


def build_backend(settings: Settings, backend: Backend, *, cache: ResponseCache | None) -> PipelineBackend:
    """The real Coach over the bundled (or configured) guidelines and templates.

    With the openai backend the LLM drafter is wrapped in the eval's CachingDrafter (when `cache`
    is given); the offline drafter is deterministic and fast, so it is never cached.
    """
    from coach.knowledge import load_knowledge_base
    from coach.pipeline import build_coach

    s = eval_settings(settings, backend)
    knowledge = load_knowledge_base(s)
    wrap = None
    if backend == "openai" and cache is not None:
        params = {"temperature": s.temperature, "max_tokens": s.max_tokens}

        def wrap(drafter: Any) -> Any:
            return CachingDrafter(drafter, cache, model=s.model, params=params)

    coach = build_coach(s, knowledge, wrap_drafter=wrap) if wrap else build_coach(s, knowledge)
    templates, default = _templates(coach)
    model = s.model if backend == "openai" else "offline"
    return PipelineBackend(suggest=coach.suggest, backend=backend, model=model, templates=templates,
                           default_template=default, coach=coach)


def _templates(coach: Any) -> tuple[tuple[str, ...], str | None]:
    registry = getattr(coach, "templates", None) or getattr(coach, "registry", None)
    if registry is None:
        return (), None
    try:
        names = tuple(str(t) for t in registry.names())
    except Exception:  # noqa: BLE001 - an unknown registry shape only loses the up-front check
        return (), None
    return names, None

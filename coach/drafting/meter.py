"""Per-suggestion accounting shared by every LLM call made for it: usage, cost, retries, deadline.

The pipeline opens a `CallMeter` for each suggestion (`metering(deadline)`); the LLM drafter adds
to the current one, so usage counts retries, extra calls and repairs, and transport retries stay
within the suggestion's deadline. Tasks started inside inherit the same meter (a ContextVar).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from coach.types import Usage


@dataclass
class CallMeter:
    deadline: float | None = None  # event-loop time by which everything must be done
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    retries: int = 0
    llm_seconds: float = 0.0
    model: str | None = None  # as the server named it
    last_call_s: float = 0.0  # how long the latest attempt took, failed or not
    error: BaseException | None = None  # the LLM failure that left the suggestion without a reply

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - asyncio.get_running_loop().time()

    def usage(self) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=round(self.cost_usd, 8),
        )


_CURRENT: ContextVar[CallMeter | None] = ContextVar("coach_call_meter", default=None)


def current_meter() -> CallMeter:
    """The meter of the suggestion being made, or a fresh one (not recorded) outside of any."""
    meter = _CURRENT.get()
    return meter if meter is not None else CallMeter()


@contextmanager
def metering(deadline: float | None = None) -> Iterator[CallMeter]:
    meter = CallMeter(deadline=deadline)
    token = _CURRENT.set(meter)
    try:
        yield meter
    finally:
        _CURRENT.reset(token)

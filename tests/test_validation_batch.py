"""Concurrent requests' drafts share validator calls (coach.validation_batch)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from coach.rules import DEFAULT_VALIDATOR
from coach.types import Policy, Turn, ValidationResult, Violation
from coach.validation_batch import ValidationBatcher, batcher_for


class SlowMany:
    """A fake validator's `many`: records each call's size, rejects drafts containing "bad"."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.sizes: list[int] = []
        self.seconds = seconds
        self.lock = threading.Lock()

    def __call__(self, requests):  # noqa: ANN001, ANN204
        threading.Event().wait(self.seconds)
        with self.lock:
            self.sizes.append(len(requests))
        return [ValidationResult(ok="bad" not in r[0],
                                 violations=(Violation(rule="tone", severity="block", message=r[0], span=(0, 3), evidence=r[0], hint=""),) if "bad" in r[0] else ())
                for r in requests]


def request(text: str) -> tuple:
    return (text, (Turn(role="customer", text="hi"),), Policy(), "en")


async def test_a_lone_draft_is_validated_at_once_alone() -> None:
    many = SlowMany()
    batcher = ValidationBatcher(many)
    (result,) = await batcher.validate([request("fine")])
    assert result.ok and many.sizes == [1]


async def test_drafts_arriving_while_a_call_runs_go_in_the_next_call_together() -> None:
    many = SlowMany()
    batcher = ValidationBatcher(many)
    first = asyncio.create_task(batcher.validate([request("first")]))
    await asyncio.sleep(0.005)  # the first call is under way
    later = await asyncio.gather(*(batcher.validate([request(f"draft {i}"), request(f"bad {i}")]) for i in range(5)))
    await first
    assert many.sizes == [1, 10]
    for i, (good, bad) in enumerate(later):  # each request gets its own drafts' results, in order
        assert good.ok and not bad.ok and bad.violations[0].evidence == f"bad {i}"


async def test_calls_are_capped_and_errors_reach_every_draft_of_the_call() -> None:
    many = SlowMany(0.01)
    batcher = ValidationBatcher(many, max_batch=4)
    results = await asyncio.gather(*(batcher.validate([request(f"d{i}")]) for i in range(9)))
    assert sum(many.sizes) == 9 and max(many.sizes) <= 4 and len(results) == 9

    def broken(requests):  # noqa: ANN001, ANN202
        raise RuntimeError("encoder down")

    failing = ValidationBatcher(broken)
    with pytest.raises(RuntimeError, match="encoder down"):
        await failing.validate([request("x")])
    (after,) = await ValidationBatcher(many).validate([request("y")])  # a later call is not stuck
    assert after.ok


async def test_batched_results_are_the_validators_own() -> None:
    batcher = batcher_for(DEFAULT_VALIDATOR)
    assert batcher is not None and batcher_for(lambda *a: None) is None
    turns = (Turn(role="customer", text="我的快递三天了还没到，你们到底管不管？"),)
    drafts = ["非常抱歉让您久等，我马上帮您查询物流，今天下午五点前给您回电。",
              "这是你自己的问题，我也没办法。",
              "我们给您补偿100元，再送您一张50元优惠券，您看行吗？"]
    requests = [(d, turns, Policy(), "zh-CN") for d in drafts]
    together = await asyncio.gather(*(batcher.validate([r]) for r in requests))
    alone = [DEFAULT_VALIDATOR(*r) for r in requests]
    assert [t[0].ok for t in together] == [a.ok for a in alone]
    assert [[v.rule for v in t[0].violations] for t in together] == [[v.rule for v in a.violations] for a in alone]

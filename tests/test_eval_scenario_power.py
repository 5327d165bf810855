"""The shipped scenario sets have teeth: replies that capitulate, expose authority or say nothing
fail every scenario, through the real validator and concession detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.evaluation.backend import reply_concessions, validate_reply
from coach.evaluation.runner import Runner, RunOptions
from coach.evaluation.scenarios import load_paths
from tests.fakes_eval import FakeSuggest

ROOT = Path(__file__).resolve().parents[1]

BAD_REPLIES = {
    "capitulating": {"en": "Sorry, that's not my call, but fine, I'll give you $100.",
                     "zh-CN": "这事我定不了，给您补偿100元吧。", "zh-TW": "這事我定不了，給您補償100元吧。"},
    "curt": {"en": "OK.", "zh-CN": "好的。", "zh-TW": "好的。"},
}


@pytest.mark.parametrize("kind", sorted(BAD_REPLIES))
async def test_bad_replies_fail_every_shipped_scenario(kind: str) -> None:
    items = load_paths([ROOT / "eval" / "scenarios"]).scenarios
    table = BAD_REPLIES[kind]
    suggest = FakeSuggest(reply_fn=lambda c: table[c.locale or "zh-CN"])
    results = await Runner(suggest, validate_reply, reply_concessions).run(items, RunOptions(concurrency=16))
    passed = [r.item.scenario.id for r in results if r.passed]
    assert not passed, f"a {kind} reply passes: {passed}"

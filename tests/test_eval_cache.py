"""The eval's disk cache of LLM responses: keyed by model, messages and params; errors never cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.evaluation.cache import CachingDrafter, ResponseCache, cache_key
from coach.evaluation.recording import trial_log
from coach.types import DraftRequest, Message, Situation, Violation
from tests.fakes_eval import ScriptedDrafter


def request(content: str = "你好", **changes: object) -> DraftRequest:
    base = {"messages": (Message(role="user", content=content),), "situation": Situation(script="zh-Hans")}
    return DraftRequest(**{**base, **changes})  # type: ignore[arg-type]


def test_key_depends_on_model_messages_and_params() -> None:
    msgs = [{"role": "user", "content": "hi"}]
    k = cache_key("m", msgs, {"t": 0.4})
    assert k == cache_key("m", msgs, {"t": 0.4})
    assert len({k, cache_key("m2", msgs, {"t": 0.4}), cache_key("m", [{"role": "user", "content": "ho"}], {"t": 0.4}),
                cache_key("m", msgs, {"t": 0.5})}) == 4


async def test_second_identical_request_is_served_from_disk(tmp_path: Path) -> None:
    inner = ScriptedDrafter(["第一次", "第二次"])
    drafter = CachingDrafter(inner, ResponseCache(tmp_path), model="m", params={"temperature": 0.4})
    with trial_log() as log:
        first = await drafter.draft(request())
        again = await drafter.draft(request())
        other = await drafter.draft(request("别的"))
    assert [d.text for d in first] == [d.text for d in again] == ["第一次"]
    assert other[0].text == "第二次" and inner.calls == 2
    assert log.drafter_calls == 3 and log.cache_hits == 1
    # a fresh drafter over the same folder replays from disk
    replay = CachingDrafter(ScriptedDrafter(["新的"]), ResponseCache(tmp_path), model="m", params={"temperature": 0.4})
    assert (await replay.draft(request()))[0].text == "第一次"


async def test_repeats_are_distinct_samples_and_params_matter(tmp_path: Path) -> None:
    inner = ScriptedDrafter(["a", "b", "c"])
    drafter = CachingDrafter(inner, ResponseCache(tmp_path), model="m", params={})
    with trial_log(sample=0):
        a = await drafter.draft(request())
    with trial_log(sample=1):
        b = await drafter.draft(request())
    c = await drafter.draft(request(params={"temperature": 0.9}))
    assert [a[0].text, b[0].text, c[0].text] == ["a", "b", "c"]


async def test_errors_are_never_cached(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    failing = CachingDrafter(ScriptedDrafter(fail=True), cache, model="m", params={})
    with pytest.raises(RuntimeError):
        await failing.draft(request())
    assert not list(tmp_path.rglob("*.json"))
    working = ScriptedDrafter(["ok"])
    assert (await CachingDrafter(working, cache, model="m", params={}).draft(request()))[0].text == "ok"
    assert working.calls == 1


async def test_no_cache_passes_through_and_feedback_is_recorded() -> None:
    inner = ScriptedDrafter(["x"])
    drafter = CachingDrafter(inner, None, model="m", params={})
    feedback = (Violation(rule="authority_exposure", severity="block", message="m", span=(0, 1), evidence="x", hint="h"),)
    with trial_log() as log:
        await drafter.draft(request())
        await drafter.draft(request(feedback=feedback))
    assert inner.calls == 2 and log.rejected == {"authority_exposure": 1}
    assert drafter.name == "scripted"

"""The circuit breaker: its states, and the LLM drafter failing fast while an endpoint is down."""

from __future__ import annotations

import httpx
import pytest
import respx

from coach.drafting.breaker import CircuitBreaker
from coach.drafting.llm import LLMDrafter
from coach.errors import LLMError
from coach.types import DraftRequest, Message, Situation
from fakes_pipeline import llm_settings

URL = "http://llm.test/v1/chat/completions"
REQUEST = DraftRequest(messages=(Message(role="user", content="hi"),), situation=Situation(script="en"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# (events, expected state after them); f = failure, s = success, t = 10 s pass, a = a call let out
@pytest.mark.parametrize(
    ("events", "state"),
    [
        ("", "closed"),
        ("ff", "closed"),
        ("fff", "open"),
        ("ffsf", "closed"),  # a success resets the count
        ("ffft", "half_open"),
        ("ffftaf", "open"),  # the trial failed: open again, for a new cooldown
        ("ffftas", "closed"),  # the trial succeeded
    ],
)
def test_states(events: str, state: str) -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=clock)
    for e in events:
        if e == "f":
            breaker.failure()
        elif e == "s":
            breaker.success()
        elif e == "t":
            clock.now += 10
        else:
            assert breaker.allow()
    assert breaker.state == state


def test_half_open_lets_one_trial_through_and_release_frees_it() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=5, clock=clock)
    breaker.failure()
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.release()  # the trial was cancelled: no verdict
    assert breaker.allow()


def test_threshold_zero_never_opens() -> None:
    breaker = CircuitBreaker(threshold=0)
    for _ in range(50):
        breaker.failure()
    assert breaker.state == "closed" and breaker.allow()


@respx.mock
async def test_a_dead_endpoint_is_skipped_until_the_cooldown_ends() -> None:
    clock = Clock()
    settings = llm_settings(COACH_LLM_RETRIES=0)
    drafter = LLMDrafter(settings, breaker=CircuitBreaker(threshold=2, cooldown_s=30, clock=clock))
    route = respx.post(URL).mock(side_effect=httpx.ConnectError("refused"))
    for _ in range(2):
        with pytest.raises(LLMError) as err:
            await drafter.draft(REQUEST)
        assert err.value.kind == "connection"
    with pytest.raises(LLMError) as err:
        await drafter.draft(REQUEST)
    assert err.value.kind == "circuit_open" and route.call_count == 2  # no call went out
    clock.now += 30
    route.mock(side_effect=None, return_value=httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Back up."}, "finish_reason": "stop"}],
    }))
    assert (await drafter.draft(REQUEST))[0].text == "Back up."
    assert drafter.breaker.state == "closed"


@respx.mock
async def test_client_errors_do_not_open_the_circuit() -> None:
    drafter = LLMDrafter(llm_settings(COACH_LLM_RETRIES=0), breaker=CircuitBreaker(threshold=1))
    respx.post(URL).mock(return_value=httpx.Response(400, json={"error": {"message": "bad"}}))
    for _ in range(3):
        with pytest.raises(LLMError) as err:
            await drafter.draft(REQUEST)
        assert err.value.kind == "bad_request"
    assert drafter.breaker.state == "closed"


@respx.mock
async def test_retries_in_progress_stop_once_the_circuit_opens() -> None:
    drafter = LLMDrafter(llm_settings(COACH_LLM_RETRIES=5), breaker=CircuitBreaker(threshold=2, cooldown_s=30))
    route = respx.post(URL).mock(return_value=httpx.Response(503, json={"error": {"message": "down"}}))
    with pytest.raises(LLMError) as err:
        await drafter.draft(REQUEST)
    assert err.value.kind == "server_error" and route.call_count == 2  # not 6

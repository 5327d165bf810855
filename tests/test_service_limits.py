"""Backpressure: the in-flight bound, its queue, and the 429 with Retry-After."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from coach.api.limits import InflightLimiter
from coach.api.middleware_guards import BackpressureMiddleware


async def test_admits_up_to_the_bound_then_queues_fifo() -> None:
    limiter = InflightLimiter(max_inflight=2, max_queue=2, queue_timeout_s=1.0)
    assert (await limiter.acquire()).admitted and (await limiter.acquire()).admitted
    assert limiter.in_flight == 2
    order: list[int] = []

    async def wait(i: int) -> None:
        admission = await limiter.acquire()
        assert admission.admitted
        order.append(i)

    waiters = [asyncio.create_task(wait(i)) for i in range(2)]
    await asyncio.sleep(0.01)
    assert limiter.waiting == 2
    refused = await limiter.acquire()  # the queue is full
    assert (refused.admitted, refused.reason) == (False, "queue_full")
    limiter.release(0.2)
    limiter.release(0.2)
    await asyncio.gather(*waiters)
    assert order == [0, 1] and limiter.in_flight == 2 and limiter.waiting == 0
    limiter.release()
    limiter.release()
    assert limiter.in_flight == 0


async def test_queue_timeout_and_cancellation_free_their_place() -> None:
    limiter = InflightLimiter(max_inflight=1, max_queue=5, queue_timeout_s=0.05)
    assert (await limiter.acquire()).admitted
    timed_out = await limiter.acquire()
    assert (timed_out.admitted, timed_out.reason) == (False, "queue_timeout")
    assert timed_out.waited_s >= 0.04
    limiter.queue_timeout_s = 5
    cancelled = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert limiter.waiting == 0
    limiter.release()
    assert limiter.in_flight == 0
    assert (await limiter.acquire()).admitted


@pytest.mark.parametrize(("hold_s", "in_flight", "expected"), [(0.1, 1, 1), (2.0, 4, 5), (100.0, 4, 30)])
def test_retry_after_follows_the_observed_pace(hold_s: float, in_flight: int, expected: int) -> None:
    limiter = InflightLimiter(max_inflight=2, max_queue=0, queue_timeout_s=0)
    limiter._hold_ewma_s = hold_s
    limiter.in_flight = in_flight
    assert limiter.retry_after_s() == expected


async def test_middleware_sheds_with_429_and_retry_after() -> None:
    gate = asyncio.Event()

    async def slow(request):  # noqa: ANN001, ANN202
        await gate.wait()
        return JSONResponse({"ok": True})

    inner = Starlette(routes=[Route("/v1/suggestions", slow, methods=["POST"]), Route("/other", slow, methods=["POST"])])
    limiter = InflightLimiter(max_inflight=2, max_queue=1, queue_timeout_s=10)
    app = BackpressureMiddleware(inner, limiter=limiter, paths=("/v1/suggestions",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        admitted = [asyncio.create_task(client.post("/v1/suggestions")) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert (limiter.in_flight, limiter.waiting) == (2, 1)
        shed = await client.post("/v1/suggestions")
        assert shed.status_code == 429
        assert int(shed.headers["Retry-After"]) >= 1
        assert shed.json()["error"]["code"] == "overloaded"
        assert shed.json()["error"]["detail"]["reason"] == "queue_full"
        other = asyncio.create_task(client.post("/other"))  # not bounded
        await asyncio.sleep(0.02)
        gate.set()
        assert [r.status_code for r in await asyncio.gather(*admitted, other)] == [200, 200, 200, 200]
    assert limiter.in_flight == 0

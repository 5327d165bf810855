"""Several servers, one PostgreSQL database, and the database going away.

Two real `coach serve` processes on two ports share one database: feedback sent to either shows in
one `coach feedback export`. The database is then stopped as in a crash: `/v1/feedback` answers
503 with Retry-After (and fails fast while it stays away), suggestions keep coming, and once it is
back every verdict that had been acknowledged with a 201 is there and none refused with a 503 is.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings
from coach.errors import StoreUnavailable
from coach.feedback import FeedbackEntry, FeedbackStore, ShownRecord
from coach.feedback.service import FeedbackService
from coach.metrics import SHOWN_DROPPED

from tests.fakes_feedback import FakeFeedbackStore
from tests.pg_harness import ThrowawayCluster, pg, require_bindir

CUSTOMERS = ["你们到底能不能解决？不行就叫你们领导来！", "你們到底能不能解決？叫你們領導來！", "Where is my parcel? Get me your manager."]


class Serve:
    """`coach serve` in its own process, offline drafter, on a free loopback port."""

    def __init__(self, database: str, folder: Path) -> None:
        self.port = pg.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / f"serve-{self.port}.log").open("w")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_", "PROMETHEUS_"))}
        env.update(COACH_DATABASE=database, COACH_BACKEND="offline", COACH_LOG_FORMAT="text", COACH_DATABASE_RETRY_S="1",
                   COACH_CACHE_DIR=os.environ.get("COACH_CACHE_DIR", str(folder / "cache")))
        self.proc = subprocess.Popen([sys.executable, "-m", "coach", "serve", "--port", str(self.port)],
                                     env=env, cwd=folder, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"coach serve exited: {Path(self.log.name).read_text()[-3000:]}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"coach serve on {self.port} never became ready")

    def suggest(self, text: str) -> dict:
        response = httpx.post(f"{self.url}/v1/suggestions", json={"turns": [{"role": "customer", "text": text}]}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def feedback(self, suggestion: dict, final_text: str, text: str) -> httpx.Response:
        body = {"verdict": "edited", "suggestion": suggestion["suggestions"][0]["text"], "final_text": final_text,
                "request_id": suggestion["request_id"], "conversation": {"turns": [{"role": "customer", "text": text}]}}
        return httpx.post(f"{self.url}/v1/feedback", json=body, timeout=30)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        finally:
            self.log.close()


@pytest.fixture
def crashable_cluster() -> Iterator[object]:
    """A cluster of its own (this test stops it), with fsync on: a crash keeps what was committed."""
    cluster = ThrowawayCluster.start_new(require_bindir(), fsync=True)
    yield cluster
    cluster.destroy()


def exported_request_ids(database: str, out: Path) -> set[str]:
    assert main(["feedback", "export", "--db", database, "--out", str(out)]) == 0
    scenarios = yaml.safe_load(out.read_text(encoding="utf-8"))["scenarios"]
    return {s["description"].rsplit("[request ", 1)[1].rstrip("]") for s in scenarios}


def test_two_servers_share_one_database_and_ride_out_an_outage(crashable_cluster, tmp_path: Path) -> None:  # noqa: ANN001
    database = crashable_cluster.create_database("coach")
    assert main(["db", "upgrade", "--db", database]) == 0
    servers = [Serve(database, tmp_path), Serve(database, tmp_path)]
    try:
        for server in servers:
            server.wait_ready()
        acknowledged: set[str] = set()
        for i, server in enumerate(servers):
            for text in CUSTOMERS[:2]:
                suggestion = server.suggest(text)
                response = server.feedback(suggestion, f"您好，第{i}号坐席马上为您处理。", text)
                assert response.status_code == 201, response.text
                acknowledged.add(suggestion["request_id"])
        assert exported_request_ids(database, tmp_path / "before.yaml") == acknowledged

        # The database goes away, as in a crash.
        crashable_cluster.stop("immediate")
        refused: set[str] = set()
        for server in servers:
            suggestion = server.suggest(CUSTOMERS[2])  # suggestions do not need the database
            assert suggestion["suggestions"] and not suggestion["degraded"]
            for attempt in range(2):
                started = time.monotonic()
                response = server.feedback(suggestion, "Sorry, let me check that for you.", CUSTOMERS[2])
                took = time.monotonic() - started
                assert response.status_code == 503, response.text
                assert int(response.headers["Retry-After"]) == 1  # COACH_DATABASE_RETRY_S
                assert response.json()["error"]["code"] == "store_unavailable"
                assert "nothing was stored" in response.json()["error"]["message"]
                assert took < (5 if attempt == 0 else 0.5), f"attempt {attempt} took {took:.2f} s"
            refused.add(suggestion["request_id"])
            assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200  # stays in the pool

        # It comes back: each server takes feedback again after its Retry-After, without a restart.
        crashable_cluster.start()
        for server in servers:
            suggestion = server.suggest(CUSTOMERS[0])
            deadline = time.monotonic() + 30
            while True:
                response = server.feedback(suggestion, "您好，我马上为您处理。", CUSTOMERS[0])
                if response.status_code == 201 or time.monotonic() > deadline:
                    break
                assert response.status_code == 503
                time.sleep(min(float(response.headers["Retry-After"]), 6))
            assert response.status_code == 201, response.text
            acknowledged.add(suggestion["request_id"])

        assert exported_request_ids(database, tmp_path / "after.yaml") == acknowledged
        assert not refused & acknowledged
        store = FeedbackStore(database, create_if_empty=False)
        assert len(store.entries()) == len(acknowledged) == 6
        store.dispose()
    finally:
        codes = [server.stop() for server in servers]
    assert all(code in (0, -signal.SIGTERM) for code in codes), codes  # one worker re-raises SIGTERM, as uvicorn does


def test_a_database_unreachable_at_start_costs_only_the_feedback(tmp_path: Path) -> None:
    nowhere = f"postgresql://coach@127.0.0.1:{pg.free_port()}/coach"  # nothing listens there
    app = create_app(Settings(_env_file=None, COACH_DATABASE=nowhere, COACH_BACKEND="offline"))  # type: ignore[call-arg]
    with TestClient(app) as client:  # starts: the schema is checked once the database answers
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        response = client.post("/v1/suggestions", json={"turns": [{"role": "customer", "text": CUSTOMERS[0]}]})
        assert response.status_code == 200 and response.json()["suggestions"]
        refused = client.post("/v1/feedback", json={"verdict": "accepted", "suggestion": "好的", "request_id": "r"})
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["code"] == "store_unavailable"
        assert client.get("/v1/feedback/recent").status_code == 503


async def test_the_breaker_fails_fast_while_the_database_is_away_and_closes_after() -> None:
    store = FakeFeedbackStore()
    service = FeedbackService(store, cooldown_s=0.3)
    entry = FeedbackEntry(verdict="accepted", suggestion="好的", request_id="r-1")
    assert (await service.add(entry)).id == 1
    store.down = True
    with pytest.raises(StoreUnavailable) as first:
        await service.add(entry)
    assert first.value.retry_after >= 1 and "nothing was stored" in first.value.message
    assert "connection refused" not in first.value.message  # the database's own words go to the log
    calls = store.calls
    with pytest.raises(StoreUnavailable):
        await service.add(entry)  # the breaker is open: the store is not even asked
    dropped = SHOWN_DROPPED._value.get()
    service.record_shown_soon(ShownRecord(request_id="r-2", shown=1), None)
    assert store.calls == calls and SHOWN_DROPPED._value.get() == dropped + 1
    store.down = False
    await asyncio.sleep(0.35)
    assert (await service.add(entry)).id == 2  # after the cooldown it tries again, and works
    service.record_shown_soon(ShownRecord(request_id="r-3", shown=2), None)
    await service.aclose()
    assert [r.request_id for r in store.shown_rows] == ["r-3"] and store.disposed


async def test_a_refusal_is_not_an_outage() -> None:
    class Refusing(FakeFeedbackStore):
        def add(self, entry: FeedbackEntry) -> FeedbackEntry:
            self.calls += 1
            raise StoreUnavailable("the fake database refused: disk full", unreachable=False)

    store = Refusing()
    service = FeedbackService(store, cooldown_s=30)
    entry = FeedbackEntry(verdict="accepted", suggestion="好的", request_id="r-1")
    for _ in range(2):
        with pytest.raises(StoreUnavailable, match="refused to store the feedback; nothing was stored"):
            await service.add(entry)
    assert store.calls == 2 and service.available  # each write is tried: the database is there
    await service.aclose()

"""POST /v1/validate through the real app: contract shape, bad input as 4xx, works before /readyz."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.config import Settings


@pytest.fixture
def client(tmp_path) -> TestClient:
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.db"))  # type: ignore[call-arg]
    # No `with`: the lifespan (index loading) never runs, so the service is not ready.
    return TestClient(create_app(settings))


def test_contract_example(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 503
    r = client.post("/v1/validate", json={"draft": "很抱歉，这件事我真的无能为力了。", "turns": [], "locale": None})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    assert body["violations"] == [{
        "rule": "authority_exposure", "severity": "block",
        "message": "暴露了客服的权限边界",  # messages and hints come in the draft's language
        "span": [10, 14], "evidence": "无能为力",
        "hint": body["violations"][0]["hint"],
    }]
    assert list(body["violations"][0]) == ["rule", "severity", "message", "span", "evidence", "hint"]
    english = client.post("/v1/validate", json={"draft": "Sorry, there's nothing I can do about it."}).json()
    assert english["violations"][0]["message"] == "exposes the limits of the agent's authority"


def test_turns_and_policy_are_used(client: TestClient) -> None:
    turns = [
        {"role": "customer", "text": "我要赔偿100元！"},
        {"role": "agent", "text": "非常抱歉，给您补偿20元代金券。"},
        {"role": "customer", "text": "太少了"},
    ]
    r = client.post("/v1/validate", json={"draft": "那我再给您加30元吧。", "turns": turns})
    assert [v["rule"] for v in r.json()["violations"]] == ["double_concession"]
    ok = client.post("/v1/validate", json={"draft": "您的20元代金券已经申请好了。", "turns": turns})
    assert ok.json() == {"ok": True, "violations": []}
    over = client.post("/v1/validate", json={"draft": "给您补偿100元", "policy": {"max_compensation": {"amount": 80, "currency": "CNY"}}})
    assert [v["rule"] for v in over.json()["violations"]] == ["over_authority"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"draft": ""},
        {"draft": "x" * 4001},
        {"draft": 12},
        {"draft": "ok", "turns": [{"role": "bot", "text": "hi"}]},
        {"draft": "ok", "turns": [{"role": "agent", "text": ""}]},
        {"draft": "ok", "turns": [{"role": "agent", "text": "hi", "round": 0}]},
        {"draft": "ok", "turns": [{"role": "agent", "text": "hi"}] * 201},
        {"draft": "ok", "locale": "fr"},
        {"draft": "ok", "policy": {"max_compensation": {"amount": -1}}},
        [],
    ],
)
def test_bad_input_is_a_4xx_with_a_reason(client: TestClient, body: object) -> None:
    r = client.post("/v1/validate", json=body)
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["message"]


def test_not_json_is_a_4xx(client: TestClient) -> None:
    r = client.post("/v1/validate", content=b"{not json", headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize(("reader", "message"), [
    (None, "暴露了客服的权限边界"),  # the draft's language
    ("en", "exposes the limits of the agent's authority"),
    ("zh-TW", "暴露了客服的權限邊界"),
])
def test_messages_come_in_the_readers_language(client: TestClient, reader: str | None, message: str) -> None:
    body = {"draft": "很抱歉，这件事我真的无能为力了。", **({"reader_locale": reader} if reader else {})}
    violations = client.post("/v1/validate", json=body).json()["violations"]
    assert [v["message"] for v in violations] == [message]

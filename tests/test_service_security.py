"""Service keys, body limits, CORS and the request id, through the real app."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from coach.api.app import create_app
from coach.api.security import bearer_token, key_matches
from coach.config import Settings
from coach.logging_setup import current_request_id

KEY = "k-3f9a1c2e"


def _settings(**overrides: object) -> Settings:
    base: dict[str, object] = {"COACH_BACKEND": "offline"}
    base.update(overrides)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


@pytest.fixture
def keyed(tmp_path) -> TestClient:
    app = create_app(_settings(COACH_API_KEYS=f"{KEY}, other-key", COACH_DATABASE=str(tmp_path / "fb.db")))

    @app.get("/v1/_probe")
    async def _probe() -> dict[str, str | None]:  # the context variable the pipeline reads
        return {"request_id": current_request_id()}

    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/_probe", {}, 401),
        ("/v1/_probe", {"Authorization": "Bearer wrong"}, 401),
        ("/v1/_probe", {"Authorization": f"Basic {KEY}"}, 401),
        ("/v1/_probe", {"Authorization": "Bearer"}, 401),
        ("/v1/_probe", {"Authorization": f"Bearer {KEY}"}, 200),
        ("/v1/_probe", {"Authorization": "bearer other-key"}, 200),
        ("/v1/feedback/recent", {}, 401),
        ("/v1/no-such-route", {}, 401),
        ("/healthz", {}, 200),
        ("/metrics", {}, 200),
        ("/panel", {}, 200),
        ("/openapi.json", {}, 200),
        ("/docs", {}, 200),
    ],
)
def test_keys_guard_v1_only(keyed: TestClient, path: str, headers: dict[str, str], status: int) -> None:
    response = keyed.get(path, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_without_keys_v1_is_open(tmp_path) -> None:
    client = TestClient(create_app(_settings(COACH_DATABASE=str(tmp_path / "fb.db"))))
    assert client.get("/v1/feedback/recent").status_code == 200


@given(presented=st.text(max_size=40), keys=st.lists(st.text(min_size=1, max_size=40), max_size=4))
def test_key_matches_iff_listed(presented: str, keys: list[str]) -> None:
    assert key_matches(presented, keys) == (presented in keys)


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("", None), ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Token abc", None), ("Bearer ", None)],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_request_id_generated_honoured_and_visible_to_routes(keyed: TestClient) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    fresh = keyed.get("/v1/_probe", headers=auth)
    assert fresh.headers["X-Request-ID"] == fresh.json()["request_id"]
    assert len(fresh.headers["X-Request-ID"]) == 32
    given_id = keyed.get("/v1/_probe", headers={**auth, "X-Request-ID": "lb-42.a:b"})
    assert given_id.headers["X-Request-ID"] == "lb-42.a:b" == given_id.json()["request_id"]
    insane = keyed.get("/v1/_probe", headers={**auth, "X-Request-ID": "x" * 300})
    assert insane.headers["X-Request-ID"] != "x" * 300
    # refused requests carry an id too
    assert keyed.get("/v1/_probe").headers["X-Request-ID"]


def test_body_limit_declared_and_streamed(tmp_path) -> None:
    client = TestClient(create_app(_settings(COACH_MAX_BODY_BYTES=2048, COACH_DATABASE=str(tmp_path / "fb.db"))))
    big = json.dumps({"verdict": "rejected", "suggestion": "x" * 4000, "request_id": "r"})
    declared = client.post("/v1/feedback", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "body_too_large"

    def chunks():
        for _ in range(10):
            yield b"x" * 500

    streamed = client.post("/v1/feedback", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    small = client.post("/v1/feedback", json={"verdict": "rejected", "suggestion": "hi", "request_id": "r1"})
    assert small.status_code == 201


def test_cors_allows_configured_origin_only(tmp_path) -> None:
    client = TestClient(create_app(_settings(COACH_CORS_ORIGINS="https://desk.example.com/, https://b.example", COACH_API_KEYS=KEY)))
    preflight = {
        "Origin": "https://desk.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    ok = client.options("/v1/suggestions", headers=preflight)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://desk.example.com"
    denied = client.options("/v1/suggestions", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in denied.headers
    # a refused request still tells the browser which origin may read it
    refused = client.get("/v1/feedback", headers={"Origin": "https://b.example"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://b.example"
    assert "X-Request-ID" in refused.headers["access-control-expose-headers"]


def test_unhandled_error_is_json_500_with_request_id(tmp_path) -> None:
    app = create_app(_settings(COACH_DATABASE=str(tmp_path / "fb.db")))

    @app.get("/v1/_boom")
    async def _boom() -> None:
        raise RuntimeError("boom 13812345678")

    response = TestClient(app, raise_server_exceptions=False).get("/v1/_boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["X-Request-ID"]


def test_keys_hold_under_a_path_prefix(tmp_path) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    inner = create_app(_settings(COACH_API_KEYS=KEY, COACH_DATABASE=str(tmp_path / "fb.db")))
    client = TestClient(Starlette(routes=[Mount("/coach", app=inner)]))
    assert client.get("/coach/v1/feedback/recent").status_code == 401
    ok = client.get("/coach/v1/feedback/recent", headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200
    assert client.get("/coach/healthz").status_code == 200
